"""What of a query reaches an encoder: at most its query window, whatever the message's length."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge import Index, load_corpus
from knowledge.content.corpus import passage_views
from knowledge.encoders.cached import CachedEncoder
from knowledge.encoders.e5 import E5Encoder
from knowledge.encoders.factory import open_configured
from knowledge.encoders.window import PREFIX_TOKENS, QUERY_WINDOW, clip, fit, window_of
from knowledge.text.normalize import MAX_LOOKUPS, Speller
from settings import Settings


@lru_cache(maxsize=1)
def _ENCODERS() -> tuple[Any, ...]:
    """The encoders the action server serves with: the ONNX export of MiniLM, and e5."""
    serving = Settings.from_env()

    return (open_configured(serving), E5Encoder(1))


LONG_EN = (
    "Our school is small and the staff room is quiet, so I often sit alone. " * 30 + "What do JTEs want?"
)
LONG_JA = "研修について知りたいです。職員室ではいつも一人です。" * 80 + "ALTは私たちに何を望んでいますか？"


def test_a_short_question_reaches_the_encoder_as_it_is(japanese_encoder: E5Encoder) -> None:
    question = "ALTは私たちに何を望んでいますか？"
    assert fit(question, japanese_encoder) == question


@pytest.mark.parametrize("text", [LONG_EN, LONG_JA, "研" * 2000, "ALT " * 500])
def test_a_long_message_is_cut_to_the_window_keeping_its_end(japanese_encoder: E5Encoder, text: str) -> None:
    window = window_of(japanese_encoder)
    assert window == min(QUERY_WINDOW, japanese_encoder.query_window, japanese_encoder.max_tokens)
    assert window < QUERY_WINDOW  # its own, smaller window: it costs five times as much a token
    cut = fit(text, japanese_encoder)
    assert japanese_encoder.count_tokens(cut) <= window
    assert text.rstrip().endswith(cut)  # the end, where a long message usually asks
    assert japanese_encoder.count_tokens(cut) >= window - 12  # and no shorter than it must be


def test_clip_starts_after_a_space_rather_than_inside_a_word() -> None:
    words = " ".join(f"word{n}" for n in range(100))
    cut = clip(words, 10, lambda text: len(text.split()), tokens_per_char=1)
    assert cut == " ".join(f"word{n}" for n in range(90, 100))


class Recording:
    """An encoder in front of the real one that keeps what it was given."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.max_tokens, self.count_tokens = inner.max_tokens, inner.count_tokens
        self.tokens_per_char = inner.tokens_per_char
        self.seen: list[str] = []

    def encode(self, texts: list[str], batch_size: int = 32) -> Any:
        self.seen += texts
        return self.inner.encode(texts, batch_size)


def test_the_index_embeds_at_most_the_window_of_any_query(tiny_bilingual: Index) -> None:
    english, japanese = Recording(tiny_bilingual.encoder), Recording(tiny_bilingual.japanese.encoder)  # type: ignore[union-attr]
    index = tiny_bilingual.with_encoder(english).with_japanese(
        tiny_bilingual.japanese.with_encoder(japanese)  # type: ignore[union-attr]
    )
    for text in (LONG_EN, LONG_JA, "研" * 2000):
        index.search(text, 3)
    assert english.seen and japanese.seen
    for recording in (english, japanese):
        for text in recording.seen:
            assert recording.count_tokens(text) <= QUERY_WINDOW, (recording.name, len(text))


def test_the_speller_looks_up_a_bounded_number_of_unknown_words() -> None:
    corpus = load_corpus()
    speller = Speller([v for p in corpus.passages for v in passage_views(p, "en")])
    typo = "programe"  # one letter from "programme"
    fixed = speller.fix(" ".join([typo] * (MAX_LOOKUPS + 10))).split()
    assert fixed[:MAX_LOOKUPS] == ["programme"] * MAX_LOOKUPS
    assert fixed[MAX_LOOKUPS:] == [typo] * 10  # a message of made-up words costs at most MAX_LOOKUPS lookups


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80))
def test_each_encoder_gives_at_most_its_tokens_per_character(text: str) -> None:
    """The bound that lets a short query skip the count (``tokens_per_char``, ``PREFIX_TOKENS``)."""
    for encoder in _ENCODERS():
        bound = encoder.tokens_per_char * len(text) + PREFIX_TOKENS
        assert encoder.count_tokens(text) <= bound, (encoder.name, text)


@pytest.mark.parametrize("which", [0, 1], ids=["onnx-minilm", "e5"])
def test_the_query_cache_cuts_a_query_as_the_encoder_it_serves_does(which: int) -> None:
    """The action server embeds through a cache: the window, English and Japanese, must survive it."""
    encoder = _ENCODERS()[which]
    cached = CachedEncoder(encoder, 4)
    assert window_of(cached) == window_of(encoder) is not None
    for text in (LONG_EN, LONG_JA):
        assert fit(text, cached) == fit(text, encoder)

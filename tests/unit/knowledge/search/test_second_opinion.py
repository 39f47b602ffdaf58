"""The second encoder's opinion on Japanese scope: built, asked, saved, loaded, and heard by check-scope."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge import CachedEncoder, Corpus, Index, build_index, load_index, save_index
from knowledge.encoders.e5 import E5Encoder
from knowledge.encoders.use import USE_MODEL, UseEncoder
from knowledge.evaluation import scope_check
from knowledge.search import index as index_module
from knowledge.search.decide import Policy
from knowledge.search.index import SECOND_MIN_CHARS
from knowledge.store.files import IndexLoadError, is_current

#: A JTE's long message about when the programme began (over SECOND_MIN_CHARS characters).
ABOUT_THE_START = (
    "中学校で英語を教えています。来年度から新しいALTの先生が来るので、生徒に紹介する前に少し調べておきたいと思いました。"
    "このプログラムは、そもそも何年に始まったものなのでしょうか。"
)
ABOUT_THE_WEATHER = (
    "週末に生徒たちと校外学習で近くの山に登る予定なのですが、天気予報を何度見ても雨が降るのかどうかよく分かりません。"
    "明日から週末にかけての天気はどうなりそうでしょうか。"
)


@pytest.fixture(scope="module")
def use() -> UseEncoder:
    return UseEncoder()


@pytest.fixture(scope="module")
def heard(tiny_corpus: Corpus, japanese_encoder: E5Encoder, use: UseEncoder) -> Index:
    """The tiny corpus's Japanese index, built with the second opinion."""
    return build_index(
        tiny_corpus.passages,
        japanese_encoder,
        topics=tiny_corpus.topics,
        not_covered=tiny_corpus.not_covered,
        lexical_weight=0.0,
        lang="ja",
        second=use,
    )


def test_a_build_embeds_the_same_views_under_the_second_encoder(heard: Index) -> None:
    assert heard.second is not None and heard.second.encoder.name == USE_MODEL
    assert heard.second.vectors == heard.vectors and heard.second.fingerprint == heard.fingerprint


def test_long_japanese_messages_carry_its_opinion_and_short_ones_none(heard: Index) -> None:
    assert len(ABOUT_THE_START) >= SECOND_MIN_CHARS and len(ABOUT_THE_WEATHER) >= SECOND_MIN_CHARS
    start, weather = heard.search(ABOUT_THE_START, 2), heard.search(ABOUT_THE_WEATHER, 2)
    assert start.second_gap is not None and weather.second_gap is not None
    assert start.second_gap > 0 > weather.second_gap  # nearer the passages; nearer the weather topic
    assert heard.search("いつ始まった？", 2).second_gap is None
    assert heard.with_second(None).search(ABOUT_THE_START, 2).second_gap is None


def test_it_is_saved_and_loaded_with_the_japanese_index(
    heard: Index, tiny_index: Index, japanese_encoder: E5Encoder, tmp_path: Path
) -> None:
    saved = save_index(tiny_index.with_japanese(heard), tmp_path / "index")
    assert (saved / "ja" / "second" / "meta.json").is_file()
    meta = json.loads((saved / "meta.json").read_text(encoding="utf-8"))
    assert meta["second_opinion"] == USE_MODEL
    loaded = load_index(saved, tiny_index.encoder, lexical_weight=0.0, japanese_encoder=japanese_encoder)
    assert loaded.japanese is not None and loaded.japanese.second is not None
    gap = loaded.search(ABOUT_THE_START, 2).second_gap
    assert gap == pytest.approx(heard.search(ABOUT_THE_START, 2).second_gap, abs=1e-6)
    # A build without it is not the build a host configured with it would make, and vice versa.
    weights = meta["weights"]
    adapter = meta["adapter"]
    assert is_current(meta, meta["corpus_hash"], meta["model"], adapter, weights, USE_MODEL)
    assert not is_current(meta, meta["corpus_hash"], meta["model"], adapter, weights, None)


def test_an_opinion_over_another_corpus_is_refused(
    heard: Index, tiny_corpus: Corpus, use: UseEncoder
) -> None:
    other = build_index(
        tiny_corpus.passages[:2], use, not_covered=tiny_corpus.not_covered, lexical_weight=0.0, lang="ja"
    )
    with pytest.raises(IndexLoadError, match="another corpus"):
        heard.with_second(other)


def test_check_scope_hears_it_with_each_view_left_out(heard: Index, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_module, "SECOND_MIN_CHARS", 0)  # the tiny corpus's views are short
    neutral = Policy(threshold=0.0, scope_margin=0.05)
    harsh = Policy(threshold=0.0, scope_margin=0.05, second_weight=50.0, second_centre=1.0)
    assert not scope_check.check_scope(heard, neutral).refused
    refused = scope_check.check_scope(heard, harsh).refused
    assert refused and all(c.rival in {t.id for t in heard.not_covered} for c in refused)
    assert not scope_check.check_scope(heard.with_second(None), harsh).refused


def test_a_prefetch_embeds_for_it_and_a_reload_keeps_its_encoder(
    heard: Index, tiny_index: Index, japanese_encoder: E5Encoder, use: UseEncoder, tmp_path: Path
) -> None:
    assert heard.second is not None
    cache = CachedEncoder(use, 8)
    cached = heard.with_second(heard.second.with_encoder(cache))
    tiny_index.with_japanese(cached).warm(ABOUT_THE_START)  # the gateway's early pass, during Rasa's parse
    assert (cache.hits, cache.misses) == (0, 1)
    gap = cached.search(ABOUT_THE_START, 2).second_gap
    assert (cache.hits, cache.misses) == (1, 1) and gap == pytest.approx(
        heard.search(ABOUT_THE_START, 2).second_gap
    )
    saved = save_index(tiny_index.with_japanese(heard), tmp_path / "index")
    again = load_index(
        saved, tiny_index.encoder, lexical_weight=0.0, japanese_encoder=japanese_encoder, second_encoder=cache
    )
    assert again.japanese is not None and again.japanese.second is not None
    assert again.japanese.second.encoder is cache

"""The speller: corrects typos to corpus words, the same as difflib would, and quickly."""

from __future__ import annotations

import difflib
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge import load_corpus
from knowledge.content.corpus import passage_views
from knowledge.text.normalize import Speller, closest

CORPUS = load_corpus()
TEXTS = [view for p in CORPUS.passages for view in passage_views(p, "en")]
SPELLER = Speller(TEXTS)
CANDIDATES = SPELLER._candidates  # the vocabulary the speller searches


def _difflib(word: str, cutoff: float = 0.8) -> str | None:
    match = difflib.get_close_matches(word, CANDIDATES, n=1, cutoff=cutoff)
    return match[0] if match else None


def test_typos_are_corrected_to_corpus_words() -> None:
    fixed = SPELLER.fix("how do jtes feel about alts who cant speak japanesse in the clasroom")
    assert "japanese" in fixed.lower()
    assert "classroom" in fixed
    assert "cannot" in fixed  # a contraction typed without its apostrophe is expanded, not "corrected"


def test_every_corpus_word_with_one_letter_changed_gets_difflibs_answer() -> None:
    for word in CANDIDATES[::7]:
        for typo in (word[1:], word[:-1] + "x", word[:2] + word[3:] if len(word) > 4 else word + "s"):
            assert closest(typo, CANDIDATES, 0.8) == _difflib(typo), typo


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=string.ascii_lowercase, min_size=4, max_size=14),
    st.sampled_from([0.6, 0.75, 0.8, 0.9]),
)
def test_any_word_gets_difflibs_answer(word: str, cutoff: float) -> None:
    assert closest(word, CANDIDATES, cutoff) == _difflib(word, cutoff)


def test_a_word_exactly_at_the_cutoff_is_found() -> None:
    # 2 * 4 / 10 = 0.8: RapidFuzz alone, asked for 0.8, drops it.
    assert closest("admix", ["admit", "zzz"], 0.8) == "admit"


def test_ties_at_the_cutoff_are_kept_as_difflib_keeps_them() -> None:
    # "abcd" against "abce": 2 * 3 / 8 = 0.75 exactly, in both libraries' arithmetic.
    assert closest("abcd", ["abce", "zzzz"], 0.75) == "abce"
    assert closest("abcd", ["abce", "abcf"], 0.75) == "abcf"  # the greater word, as difflib's heap picks
    assert closest("abcd", ["wxyz"], 0.75) is None

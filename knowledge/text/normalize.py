"""Query clean-up before retrieval: expand apostrophe-less contractions, correct typos."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from rapidfuzz import process
from rapidfuzz.distance import Indel

from knowledge.text.patterns import compile_tokens

if TYPE_CHECKING:
    from knowledge.text.patterns import TokenMatch

_WORD = compile_tokens(r"[A-Za-z]+")

#: Contractions people type without the apostrophe. Left alone, the speller would
#: "correct" them to the nearest corpus word ("hows" became "shows"). Words that are
#: also real words with another meaning ("its", "ill", "well", "were") are not here, nor short
#: ones the speller leaves alone anyway ("im", "ive").
CONTRACTIONS = {
    "whats": "what is",
    "hows": "how is",
    "whos": "who is",
    "wheres": "where is",
    "whens": "when is",
    "whys": "why is",
    "thats": "that is",
    "theres": "there is",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "cant": "cannot",
    "couldnt": "could not",
    "wont": "will not",
    "wouldnt": "would not",
    "shouldnt": "should not",
    "isnt": "is not",
    "arent": "are not",
    "wasnt": "was not",
    "werent": "were not",
    "havent": "have not",
    "hasnt": "has not",
    "youre": "you are",
    "theyre": "they are",
}


#: The most unknown words one message gets looked up for: a question has a typo or
#: two; a long message of made-up words must not cost seconds.
MAX_LOOKUPS = 24
#: How far below the cutoff the pre-filter reaches: RapidFuzz turns a similarity cutoff
#: into a distance with its own rounding, and drops a word exactly at the cutoff (0.8
#: for "admix" and "admit") if asked for exactly 0.8. A wider filter only lets more
#: words through to difflib's exact check.
_MARGIN = 0.01


def closest(word: str, candidates: list[str], cutoff: float) -> str | None:
    """The candidate :func:`difflib.get_close_matches` would pick for ``word``, found quickly.

    difflib's ratio (``2 * matches / total``, matches by Ratcliff-Obershelp) is
    never above the Indel similarity (``2 * LCS / total``), because its
    matching blocks form a common subsequence. RapidFuzz's C++ Indel scorer
    keeps every candidate that could reach the cutoff, and difflib then picks
    among those few exactly as it would among all (the best ratio, ties to
    the greater word). The same answer, about 30 times faster than difflib
    over the whole vocabulary (docs/retrieval.md).
    """
    near = process.extract(
        word, candidates, scorer=Indel.normalized_similarity, score_cutoff=cutoff - _MARGIN, limit=None
    )
    match = difflib.get_close_matches(word, [c for c, _, _ in near], n=1, cutoff=cutoff)
    return match[0] if match else None


class Speller:
    """Replaces an unknown word with the closest corpus word, if one is close enough.

    A word is left alone if the corpus uses it or the encoder's own vocabulary
    knows it (so real words like "scheme" are never "corrected"), or if it has
    three letters or fewer (function words, acronyms such as ALT and JTE).
    Only the first :data:`MAX_LOOKUPS` unknown words of a message are looked up.
    """

    def __init__(self, texts: Iterable[str], known: Iterable[str] = (), cutoff: float = 0.8) -> None:
        corpus_words = {w.lower() for text in texts for w in _WORD.findall(text)}
        self._candidates = sorted(w for w in corpus_words if len(w) > 3)
        self.vocab = corpus_words | {w.lower() for w in known}
        self.cutoff = cutoff
        self._closest = lru_cache(maxsize=4096)(self._lookup)

    def _lookup(self, word: str) -> str | None:
        return closest(word, self._candidates, self.cutoff)

    def fix(self, text: str) -> str:
        """Return ``text`` with apostrophe-less contractions expanded and misspelt words corrected."""
        lookups = 0

        def replace(m: TokenMatch) -> str:
            nonlocal lookups
            word = m.group(0)
            lower = word.lower()
            if lower in CONTRACTIONS:
                return CONTRACTIONS[lower]
            if len(lower) <= 3 or lower in self.vocab or lookups >= MAX_LOOKUPS:
                return word
            lookups += 1
            return self._closest(lower) or word

        return _WORD.sub(replace, text)

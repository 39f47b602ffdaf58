"""Query clean-up before retrieval: correct typos against the corpus vocabulary."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z]+")


class Speller:
    """Replaces an unknown word with the closest corpus word, if one is close enough.

    A word is left alone if the corpus uses it or the encoder's own vocabulary
    knows it (so real words like "scheme" are never "corrected"), or if it has
    three letters or fewer (function words, acronyms such as ALT and JTE).
    """

    def __init__(self, texts: Iterable[str], known: Iterable[str] = (), cutoff: float = 0.8) -> None:
        corpus_words = {w.lower() for text in texts for w in _WORD.findall(text)}
        self._candidates = sorted(w for w in corpus_words if len(w) > 3)
        self.vocab = corpus_words | {w.lower() for w in known}
        self.cutoff = cutoff
        self._closest = lru_cache(maxsize=4096)(self._lookup)

    def _lookup(self, word: str) -> str | None:
        match = difflib.get_close_matches(word, self._candidates, n=1, cutoff=self.cutoff)
        return match[0] if match else None

    def fix(self, text: str) -> str:
        """Return ``text`` with misspelt words replaced by corpus words."""

        def replace(m: re.Match[str]) -> str:
            word = m.group(0)
            lower = word.lower()
            if len(lower) <= 3 or lower in self.vocab:
                return word
            return self._closest(lower) or word

        return _WORD.sub(replace, text)

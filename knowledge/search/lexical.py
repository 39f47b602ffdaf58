"""A BM25 baseline over the same passages (bm25s), for evaluation and hybrid scoring.

English is tokenised by bm25s (NLTK's stop words removed), Japanese by Sudachi
(:mod:`knowledge.text.ja_tokens`).
"""

from __future__ import annotations

from collections.abc import Sequence

import bm25s
import numpy as np
import numpy.typing as npt

from knowledge.content.corpus import Passage, passage_views
from knowledge.text.ja_tokens import ja_tokens


class Bm25:
    """BM25 over a list of documents in one language (English stop words, or Japanese particles, removed)."""

    def __init__(self, documents: Sequence[str], lang: str = "en") -> None:
        self.size = len(documents)
        self.lang = lang
        self._bm25 = bm25s.BM25()
        self._vocab: dict[str, int] | set[str] = {}
        if documents and lang == "ja":
            split = [ja_tokens(d) for d in documents]
            self._vocab = {t for d in split for t in d}
            self._bm25.index(split, show_progress=False)
        elif documents:
            tokens = bm25s.tokenize(list(documents), stopwords="en", show_progress=False)
            self._vocab = tokens.vocab
            self._bm25.index(tokens, show_progress=False)

    def scores(self, query: str) -> npt.NDArray[np.float32]:
        """Return the BM25 score of every document for the query (0 for no shared terms)."""
        return self.score_terms(query_terms(query, self.lang))

    def score_terms(self, terms: Sequence[str]) -> npt.NDArray[np.float32]:
        """Like :meth:`scores`, for terms already made by :func:`query_terms`."""
        known = [t for t in terms if t in self._vocab]
        if not known or not self.size:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)


def query_terms(query: str, lang: str = "en") -> list[str]:
    """Tokenize a query the way :class:`Bm25` indexes documents in that language."""
    if lang == "ja":
        return ja_tokens(query)
    tokens: list[str] = bm25s.tokenize(query, stopwords="en", return_ids=False, show_progress=False)[0]
    return tokens


class LexicalIndex(Bm25):
    """BM25 over each passage's title, text and example questions."""

    def __init__(self, passages: Sequence[Passage], lang: str = "en") -> None:
        self.passages = tuple(passages)
        super().__init__([" ".join(passage_views(p, lang)) for p in self.passages], lang)

    def search(self, query: str, k: int = 3) -> list[tuple[Passage, float]]:
        """Return the ``k`` best passages with their BM25 scores."""
        scores = self.scores(query)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self.passages[i], float(scores[i])) for i in order]

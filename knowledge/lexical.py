"""A BM25 baseline over the same passages (bm25s), for evaluation and hybrid scoring."""

from __future__ import annotations

from collections.abc import Sequence

import bm25s
import numpy as np
import numpy.typing as npt

from knowledge.corpus import Passage, passage_views


class LexicalIndex:
    """BM25 over each passage's title, text and example questions."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.passages = tuple(passages)
        self._bm25 = bm25s.BM25()
        self._vocab: dict[str, int] = {}
        if self.passages:
            documents = [" ".join(passage_views(p)) for p in self.passages]
            tokens = bm25s.tokenize(documents, stopwords="en", show_progress=False)
            self._vocab = tokens.vocab
            self._bm25.index(tokens, show_progress=False)

    def scores(self, query: str) -> npt.NDArray[np.float32]:
        """Return the BM25 score of every passage for the query (0 for no shared terms)."""
        terms = [t for t in bm25s.tokenize(query, stopwords="en", return_ids=False, show_progress=False)[0]]
        known = [t for t in terms if t in self._vocab]
        if not known or not self.passages:
            return np.zeros(len(self.passages), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(known), dtype=np.float32)

    def search(self, query: str, k: int = 3) -> list[tuple[Passage, float]]:
        """Return the ``k`` best passages with their BM25 scores."""
        scores = self.scores(query)
        order = np.argsort(-scores, kind="stable")[:k]
        return [(self.passages[i], float(scores[i])) for i in order]

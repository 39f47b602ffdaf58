"""What a search returns: ranked passages, and the closest topic the studies don't cover."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from knowledge.content.corpus import Passage
from knowledge.content.not_covered import NotCoveredTopic

#: BM25 scores are squashed into [0, 1) as ``b / (b + LEXICAL_SATURATION)``.
LEXICAL_SATURATION = 5.0


def blend(
    dense: npt.NDArray[np.float64], bm25: npt.NDArray[np.float64], weight: float
) -> npt.NDArray[np.float64]:
    """Blend cosine similarities with BM25 scores into the hybrid similarity.

    Args:
        dense: Best-view cosine similarity of each passage or not-covered topic.
        bm25: Their BM25 scores, squashed into [0, 1) by :data:`LEXICAL_SATURATION`.
        weight: The lexical weight; 0 returns ``dense`` unchanged.
    """
    if weight <= 0:
        return dense
    return (1 - weight) * dense + weight * bm25 / (bm25 + LEXICAL_SATURATION)


@dataclass(frozen=True)
class Hit:
    """One retrieved passage.

    Attributes:
        passage: The passage.
        score: Similarity plus any topic or audience prior; hits sort by it.
        similarity: How well the passage matches the query, before priors: the
            best view's cosine similarity blended with the passage's squashed
            BM25 score (pure cosine when the lexical weight is 0). The answer
            threshold applies to it.
        rank: 1 for the best hit.
    """

    passage: Passage
    score: float
    similarity: float
    rank: int

    @property
    def id(self) -> str:
        """The passage id."""
        return self.passage.id

    @property
    def topic(self) -> str:
        """The passage topic."""
        return self.passage.topic


class Hits(list[Hit]):
    """Search hits, best first, plus the closest topic the studies don't cover.

    A plain list of :class:`Hit` for every caller that only wants the ranking;
    :func:`knowledge.search.decide.decide` also reads :attr:`not_covered`.

    Attributes:
        not_covered: The best-matching not-covered topic, scored exactly like a
            passage (``similarity`` on the same scale), or ``None`` if the index
            has no not-covered topics.
        cosine: The best cosine similarity of any passage view (the passage
            closest in meaning, whatever the blended ranking), or ``None`` when
            not known. The scope decision compares it with
            :attr:`NotCoveredMatch.cosine`.
        language: The language of the index that scored them (``en`` or
            ``ja``); each has its own calibrated thresholds.
        mean: The mean similarity of every passage to the query...
        spread: ...and their standard deviation (0 when not known): a
            standardised score, ``(similarity - mean) / spread``, says how far a
            passage stands out for this query (:func:`knowledge.search.decide.on_scale`).
        second_gap: A second encoder's nearest passage view's cosine minus its
            nearest not-covered example's, or ``None`` when not asked
            (:meth:`knowledge.search.index.Index.second_gap`).
    """

    def __init__(
        self,
        hits: Iterable[Hit] = (),
        not_covered: NotCoveredMatch | None = None,
        cosine: float | None = None,
        language: str = "en",
        *,
        mean: float = 0.0,
        spread: float = 0.0,
        second_gap: float | None = None,
    ) -> None:
        super().__init__(hits)
        self.not_covered = not_covered
        self.cosine = cosine
        self.language = language
        self.mean = mean
        self.spread = spread
        self.second_gap = second_gap


@dataclass(frozen=True)
class NotCoveredMatch:
    """The closest not-covered topic for a query.

    Attributes:
        topic: The topic, with its ``who_to_ask`` line.
        similarity: Its best example's cosine blended with BM25 over its
            examples, on the same scale as :attr:`Hit.similarity`.
        cosine: The best cosine similarity of any not-covered example (of any
            topic), or ``None`` when not known.
    """

    topic: NotCoveredTopic
    similarity: float
    cosine: float | None = None

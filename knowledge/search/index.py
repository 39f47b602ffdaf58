"""A dense passage index: FAISS inner product over normalised embeddings.

Each passage is embedded as several *views*: its title and text, and each of
the example questions an organiser wrote for it. A passage scores the best
similarity of any of its views, so a user's phrasing can meet either the
passage's own words or a question it answers.

The index also holds the example questions of the topics the studies don't
cover (``knowledge/scope/not_covered.yaml``) as negative views. They are scored
like passages and reported next to the hits, so :func:`knowledge.search.decide.decide`
can fall back honestly when a question is closer to one of them.

An index saves to and loads from a directory of plain files
(:mod:`knowledge.store.files`); :func:`knowledge.store.build.build_index` makes one.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import cast

import faiss
import numpy as np
import numpy.typing as npt

from knowledge.content.corpus import Passage, corpus_hash, passage_views
from knowledge.content.not_covered import NotCoveredTopic, by_unless_word
from knowledge.encoders.base import Encoder, Vectors
from knowledge.encoders.window import fit
from knowledge.search.adapter import AdapterConfig, apply_adapter, fit_on_views
from knowledge.search.hits import Hit, Hits, NotCoveredMatch, blend
from knowledge.search.lexical import Bm25, LexicalIndex, query_terms
from knowledge.store.files import (
    IndexLoadError,
)
from knowledge.text.language import detect, normalise
from knowledge.text.normalize import Speller

#: Added to a passage's score when its topic matches the caller's topic hint.
TOPIC_PRIOR = 0.04
#: Added when the passage is written for the caller's audience (alt or jte).
AUDIENCE_PRIOR = 0.03
#: Default weight of the lexical (BM25) part of the hybrid score; 0 is pure dense.
#: Chosen with ``senpai eval`` (see docs/retrieval.md).
LEXICAL_WEIGHT = 0.5
#: The Japanese index's weight of BM25 (over Sudachi's words), chosen with ``senpai eval``.
JA_LEXICAL_WEIGHT = 0.3
#: The second opinion on scope is asked only of messages this long (docs/retrieval.md, item 16)...
SECOND_MIN_CHARS = 80
#: ...and reads at most their last this many characters (real messages are under 600).
SECOND_QUERY_CHARS = 600


class Index:
    """Passages with their embeddings in a FAISS inner-product index, plus BM25.

    Search corrects typos against the corpus vocabulary, then blends dense
    similarity with BM25: ``(1 - w) * cosine + w * bm25 / (bm25 + s)``. The
    same index holds the not-covered topics' examples as negative views; they
    are scored the same way and reported in :attr:`Hits.not_covered`, never
    returned as hits.
    """

    def __init__(
        self,
        passages: Sequence[Passage],
        faiss_index: faiss.Index,
        encoder: Encoder,
        topics: Mapping[str, str] | None = None,
        *,
        lexical_weight: float = LEXICAL_WEIGHT,
        not_covered: Iterable[NotCoveredTopic] = (),
        adapter: Vectors | None = None,
        adapter_config: AdapterConfig | None = None,
        lang: str = "en",
    ) -> None:
        self.lang = lang
        #: The Japanese index over the same passages, which :meth:`search` hands Japanese queries to.
        self.japanese: Index | None = None
        #: The same views under a second encoder, whose opinion on scope :meth:`second_gap` asks.
        self.second: Index | None = None
        if adapter is not None and adapter.shape != (encoder.dim, encoder.dim):
            raise IndexLoadError(f"adapter is {adapter.shape}, not {encoder.dim}x{encoder.dim}")
        self.adapter = adapter
        self.adapter_config = adapter_config
        #: The adapter was fitted on an earlier corpus (a quick build after a curation change).
        self.adapter_provisional = False
        self.passages: tuple[Passage, ...] = tuple(passages)
        self.not_covered: tuple[NotCoveredTopic, ...] = tuple(not_covered)
        self.lexical_weight = lexical_weight
        self.topics: dict[str, str] = dict(topics or {})
        self.encoder = encoder
        self._faiss = faiss_index
        counts = [len(passage_views(p, lang)) for p in self.passages]
        counts += [len(t.examples_in(lang)) for t in self.not_covered]
        if any(n == 0 for n in counts):
            raise IndexLoadError("a not-covered topic has no examples; rebuild it with `senpai build-index`")
        if self._faiss.ntotal != sum(counts):
            raise IndexLoadError(
                f"index holds {self._faiss.ntotal} vectors but the passages and not-covered topics "
                f"need {sum(counts)}; rebuild it with `senpai build-index`"
            )
        # Each passage's views, then each not-covered topic's examples, are contiguous rows.
        self._starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self._topic_of = np.asarray([p.topic for p in self.passages], dtype=object)
        self._audience_of = np.asarray([p.audience for p in self.passages], dtype=object)
        self._id_rank = np.argsort(np.argsort(np.asarray([p.id for p in self.passages], dtype=str)))
        self._by_id = {p.id: p for p in self.passages}
        self.fingerprint = corpus_hash(self.passages, self.topics, self.not_covered)
        self.lexical = LexicalIndex(self.passages, lang)
        self.lexical_not_covered = Bm25([" ".join(t.examples_in(lang)) for t in self.not_covered], lang)
        self._unless = by_unless_word(self.not_covered)  # once: a query only looks its words up
        vocabulary = getattr(encoder, "vocabulary", None)
        self.speller = Speller(
            [
                *(view for p in self.passages for view in passage_views(p, lang)),
                *(example for t in self.not_covered for example in t.examples_in(lang)),
            ]
            if lang == "en"
            else [],
            known=vocabulary() if callable(vocabulary) and lang == "en" else (),
        )

    def with_lexical_weight(self, weight: float) -> Index:
        """Return a view of this index that blends BM25 with another weight (shares all data)."""
        clone = copy.copy(self)
        clone.lexical_weight = weight
        return clone

    def with_encoder(self, encoder: Encoder) -> Index:
        """Return a view of this index that embeds queries with another encoder of the same model.

        Used to put a :class:`~knowledge.encoders.cached.CachedEncoder` in front of the
        model, or to take it away (benchmarks). All data is shared.

        Raises:
            IndexLoadError: If the encoder is another model or dimension.
        """
        if (encoder.name, encoder.dim) != (self.encoder.name, self.encoder.dim):
            raise IndexLoadError(
                f"index was built with {self.encoder.name!r} (dim {self.encoder.dim}), "
                f"not {encoder.name!r} (dim {encoder.dim})"
            )
        clone = copy.copy(self)
        clone.encoder = encoder
        return clone

    def vectors_matrix(self) -> Vectors:
        """Return a copy of every stored vector, ``(vectors, dim)``, in index order."""
        return np.asarray(self._faiss.reconstruct_n(0, self.vectors), dtype=np.float32)

    def view_starts(self) -> npt.NDArray[np.int64]:
        """Return the first vector row of each passage, then of each not-covered topic.

        A passage's views (:func:`~knowledge.content.corpus.passage_views`) and a
        topic's examples are contiguous rows, in :attr:`passages` order, then
        :attr:`not_covered` order.
        """
        return self._starts.copy()

    def __len__(self) -> int:
        return len(self.passages)

    @property
    def vectors(self) -> int:
        """How many vectors (passage views and not-covered examples) the FAISS index holds."""
        return int(self._faiss.ntotal)

    def get(self, passage_id: str) -> Passage | None:
        """Return the passage with this id, or ``None``."""
        return self._by_id.get(passage_id)

    def with_adapter(self, config: AdapterConfig, weight: Vectors | None = None) -> Index:
        """Return a copy of this index with a linear adapter fitted to its own stored vectors.

        Nothing is embedded again: the adapter is fitted on the vectors the
        index already holds (see :mod:`knowledge.search.adapter`), and every one of
        them, like every query later, goes through it.

        The copy shares everything but the vectors (BM25, the speller and the
        passages are not rebuilt).

        Args:
            config: How to fit the adapter.
            weight: An adapter fitted before, on a corpus a change or two ago,
                to use instead of fitting (a quick build, marked
                :attr:`adapter_provisional` until a full build replaces it).

        Raises:
            ValueError: If the index already has an adapter.
        """
        if self.adapter is not None:
            raise ValueError("this index already has an adapter")
        vectors = self.vectors_matrix()
        provisional = weight is not None
        if weight is None:
            weight = fit_on_views(vectors, [passage_views(p, self.lang) for p in self.passages], config)
        faiss_index = faiss.IndexFlatIP(self.encoder.dim)
        if len(vectors):
            faiss_index.add(apply_adapter(vectors, weight))
        clone = copy.copy(self)
        clone._faiss, clone.adapter, clone.adapter_config = faiss_index, weight, config
        clone.adapter_provisional = provisional
        return clone

    def embed(self, query: str) -> Vectors:
        """Embed one query as a ``(1, dim)`` unit vector (through the adapter, if any).

        The encoder sees at most its query window of the query (:func:`knowledge.encoders.window.fit`).
        """
        return apply_adapter(self.encoder.encode([fit(query, self.encoder)]), self.adapter)

    def warm(self, query: str) -> None:
        """Embed a query ahead of its search, so a caching encoder has it ready.

        The action server calls this when the gateway passes a message on
        early, while Rasa is still parsing it: the embedding, the costliest
        step of a search, then overlaps Rasa's own work. It corrects typos
        exactly as :meth:`search` does, so the search finds the same text,
        and embeds what the second encoder will read of it, if it is asked.
        Without a caching encoder it only costs time.
        """
        if self.japanese is not None and detect(query) == "ja":
            self.japanese.warm(normalise(query))
        elif query.strip():
            fixed = self.speller.fix(query)
            self.embed(fixed)
            if self.second is not None and len(fixed) >= SECOND_MIN_CHARS:
                self.second.embed(fixed[-SECOND_QUERY_CHARS:])

    def search(
        self,
        query: str,
        k: int = 3,
        *,
        topic: str | None = None,
        audience: str | None = None,
    ) -> Hits:
        """Return the ``k`` best passages for a query, and the closest not-covered topic.

        Every passage is scored (the corpus is small): its best view's cosine,
        blended with its BM25 score. Not-covered topics are scored the same way.

        Args:
            query: The user's question.
            k: How many hits to return.
            topic: A topic hint (from the NLU intent); a soft prior, never a filter.
            audience: ``alt`` or ``jte``; prefers passages for that audience.

        Returns:
            Up to ``k`` hits, best first, with :attr:`Hits.not_covered` set.
        """
        if k <= 0 or not self.passages:
            return Hits()
        if self.japanese is not None and detect(query) == "ja":
            return self.japanese.search(normalise(query), k, topic=topic, audience=audience)
        fixed = self.speller.fix(query)
        dense, match = self._match(fixed)
        return self.rank(dense, match, k, topic=topic, audience=audience, second_gap=self.second_gap(fixed))

    def with_japanese(self, japanese: Index | None) -> Index:
        """Return a view of this index that hands Japanese queries to ``japanese`` (shares all data)."""
        if japanese is not None and japanese.fingerprint != self.fingerprint:
            raise IndexLoadError("the Japanese index was built from another corpus; rebuild both")
        clone = copy.copy(self)
        clone.japanese = japanese
        return clone

    def with_second(self, second: Index | None) -> Index:
        """Return a view of this index whose scope decisions also hear ``second`` (shares all data).

        Raises:
            IndexLoadError: If ``second`` was built from another corpus or holds other views.
        """
        if second is not None and (second.fingerprint != self.fingerprint or second.vectors != self.vectors):
            raise IndexLoadError("the second-opinion index was built from another corpus; rebuild both")
        clone = copy.copy(self)
        clone.second = second
        return clone

    def second_gap(self, query: str, without: int | None = None) -> float | None:
        """The second encoder's opinion on scope: how much nearer the passages are than the topics.

        Its nearest passage view's cosine minus its nearest not-covered example's;
        ``None`` without a second index or not-covered topics, and for a query shorter than
        :data:`SECOND_MIN_CHARS` (on short questions its cosines are noise: ``check-scope``).
        The second encoder reads at most the query's last :data:`SECOND_QUERY_CHARS` characters.

        Args:
            query: The (corrected) query.
            without: ``check-scope``: the query is the stored view in this row, and is left out
                (its stored vector is used, nothing is embedded).
        """
        if self.second is None or not self.not_covered or len(query) < SECOND_MIN_CHARS:
            return None
        if without is None:
            dense, _ = self.second._match(query[-SECOND_QUERY_CHARS:])
        else:
            stored = self.second._stored()
            by_row = stored @ stored[without]
            by_row[without] = -np.inf
            dense = np.maximum.reduceat(by_row.astype(np.float64), self.second._starts)
        count = len(self.passages)
        return float(dense[:count].max() - dense[count:].max())

    def rank(
        self,
        dense: npt.NDArray[np.float64],
        match: npt.NDArray[np.float64],
        k: int,
        *,
        topic: str | None = None,
        audience: str | None = None,
        second_gap: float | None = None,
    ) -> Hits:
        """Rank passages from their scores, as :meth:`search` does after scoring a query.

        :func:`knowledge.evaluation.scope_check.check_scope` calls it with scores computed
        with one example left out, so its searches rank exactly like the bot's.

        Args:
            dense: The best view's cosine of every passage, then of every not-covered topic.
            match: Their blended similarities, in the same order.
            k: How many hits to return.
            topic: A topic hint; a soft prior, never a filter.
            audience: ``alt`` or ``jte``; prefers passages for that audience.
            second_gap: The second encoder's opinion on scope (:meth:`second_gap`), if asked.

        Returns:
            Up to ``k`` hits, best first, with :attr:`Hits.not_covered` and both cosines set.
        """
        count = len(self.passages)
        similarity = match[:count]
        score = similarity.copy()
        if topic is not None:
            score += TOPIC_PRIOR * (self._topic_of == topic)
        if audience in ("alt", "jte"):
            score += AUDIENCE_PRIOR * (self._audience_of == audience)
        order = np.lexsort((self._id_rank, -score))[:k]
        hits = [
            Hit(
                passage=self.passages[n],
                score=round(float(score[n]), 6),
                similarity=round(float(similarity[n]), 6),
                rank=rank,
            )
            for rank, n in enumerate(order.tolist(), 1)
        ]
        outside = None
        if np.isfinite(match[count:]).any():  # no topics, or every one named out: nothing to refuse with
            best = int(np.argmax(match[count:]))
            outside = NotCoveredMatch(
                self.not_covered[best],
                round(float(match[count + best]), 6),
                cosine=round(float(dense[count:].max()), 6),
            )
        return Hits(
            hits,
            outside,
            cosine=round(float(dense[:count].max()), 6),
            language=self.lang,
            mean=float(similarity.mean()),
            spread=float(similarity.std()),
            second_gap=second_gap,
        )

    def _stored(self) -> Vectors:
        """The stored vectors, ``(vectors, dim)``, as a view of FAISS's own memory (read, never write)."""
        flat = cast(faiss.IndexFlat, faiss.downcast_index(self._faiss))  # built and loaded as IndexFlatIP
        stored: Vectors = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)
        return stored

    def _match(self, query: str) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Score every passage, then every not-covered topic, for an already corrected query.

        Returns:
            The best view's cosine of each, and the blended similarity of each.
        """
        query_vector = np.ascontiguousarray(self.embed(query), dtype=np.float32)
        # Every view's score is needed (a passage scores as its best view), so FAISS's exhaustive
        # inner-product kernel runs over its own stored vectors, without a top-k sort of them all.
        stored = self._stored()
        by_row = faiss.pairwise_distances(query_vector, stored, metric=faiss.METRIC_INNER_PRODUCT)[0]
        dense = np.maximum.reduceat(by_row.astype(np.float64), self._starts)
        terms = query_terms(query, self.lang) if self.lexical_weight > 0 or self._unless else []
        match = dense  # with BM25 off, one array: dropping a topic drops it from both
        if self.lexical_weight > 0:
            outside = self.lexical_not_covered.score_terms(terms)
            bm25 = np.concatenate([self.lexical.score_terms(terms), outside]).astype(np.float64)
            match = blend(dense, bm25, self.lexical_weight)
        self.drop_named(terms, dense, match)
        return dense, match

    def drop_named(self, terms: Sequence[str], *scores: npt.NDArray[np.float64]) -> None:
        """Leave out, in place, the not-covered topics the query's words name it out of (``unless_words``)."""
        named = {n for word in terms for n in self._unless.get(word, ())}
        rows = len(self.passages) + np.fromiter(named, dtype=np.int64, count=len(named))
        for row_scores in scores:
            row_scores[rows] = -np.inf

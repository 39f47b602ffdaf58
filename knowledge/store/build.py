"""Building an index: embed every passage view and not-covered example, then index them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import faiss
import numpy as np
import numpy.typing as npt

from knowledge.content.corpus import Passage, passage_views
from knowledge.content.not_covered import NotCoveredTopic, load_not_covered
from knowledge.encoders.base import Encoder, weights_of
from knowledge.encoders.embed_cache import EmbeddingCache, embed
from knowledge.search.adapter import AdapterConfig
from knowledge.search.index import JA_LEXICAL_WEIGHT, LEXICAL_WEIGHT, Index

#: Called with ``(done, total)`` texts after each batch.
Progress = Callable[[int, int], None]


def build_index(
    passages: Iterable[Passage],
    encoder: Encoder,
    *,
    topics: Mapping[str, str] | None = None,
    not_covered: Iterable[NotCoveredTopic] | None = None,
    batch_size: int = 32,
    progress: Progress | None = None,
    lexical_weight: float = LEXICAL_WEIGHT,
    adapter: AdapterConfig | None = None,
    japanese: Encoder | None = None,
    lang: str = "en",
    cache_dir: Path | None = None,
    adapter_weight: npt.NDArray[np.float32] | None = None,
    second: Encoder | None = None,
) -> Index:
    """Embed passages, and the not-covered topics' examples, and build an in-memory index.

    With an ``adapter`` config, a linear adapter is fitted on the passages'
    example questions (see :mod:`knowledge.search.adapter`), and every stored vector,
    like every query later, goes through it.

    Args:
        passages: The passages to index.
        encoder: The encoder to embed them with.
        topics: Topic key to title, kept in the index metadata.
        not_covered: Topics the studies don't cover; ``None`` loads the shipped
            ``knowledge/scope/not_covered.yaml`` (what :func:`load_corpus` loads
            by default), ``()`` indexes none.
        batch_size: Texts per encoder call.
        progress: Called with ``(done, total)`` texts after each batch.
        lexical_weight: Weight of BM25 in the hybrid score (0 is pure dense).
        adapter: How to fit the adapter; ``None`` builds the index without one.
        japanese: The encoder of a Japanese index over the passages' Japanese
            views, which Japanese queries are handed to; ``None`` builds none.
        lang: Which views this index embeds (``en``, or ``ja`` for the Japanese index).
        cache_dir: Where embeddings are kept between builds (one file per model,
            :mod:`knowledge.encoders.embed_cache`); ``None`` encodes everything.
        adapter_weight: An adapter fitted before, used instead of fitting one
            (a quick build; see :meth:`Index.with_adapter`).
        second: The encoder whose opinion the Japanese index's scope decisions
            also hear (:meth:`Index.second_gap`): the Japanese views are embedded
            with it too. ``None`` builds none.

    Returns:
        The index, ready to search or save.

    Raises:
        CorpusError: If ``not_covered`` is ``None`` and the shipped file is invalid.
    """
    passages = list(passages)
    outside = tuple(load_not_covered() if not_covered is None else not_covered)
    texts = [view for passage in passages for view in passage_views(passage, lang)]
    texts += [example for topic in outside for example in topic.examples_in(lang)]
    cache = EmbeddingCache(cache_dir, encoder.name, weights_of(encoder)) if cache_dir is not None else None
    vectors = embed(texts, encoder, batch_size=batch_size, cache=cache, progress=progress)
    if cache is not None:
        cache.save()
    faiss.normalize_L2(vectors)
    faiss_index = faiss.IndexFlatIP(encoder.dim)
    if len(texts):
        faiss_index.add(vectors)
    index = Index(
        passages, faiss_index, encoder, topics, lexical_weight=lexical_weight, not_covered=outside, lang=lang
    )
    if japanese is not None:
        ja = build_index(
            passages,
            japanese,
            topics=topics,
            not_covered=outside,
            batch_size=batch_size,
            lexical_weight=JA_LEXICAL_WEIGHT,
            lang="ja",
            cache_dir=cache_dir,
            second=second,
        )
        index = index.with_japanese(ja)
    if lang == "ja" and second is not None:
        opinion = build_index(
            passages,
            second,
            topics=topics,
            not_covered=outside,
            batch_size=batch_size,
            lexical_weight=0.0,
            lang="ja",
            cache_dir=cache_dir,
        )
        index = index.with_second(opinion)
    return index if adapter is None else index.with_adapter(adapter, adapter_weight)

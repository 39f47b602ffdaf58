"""Retrieval against its floor, and how it grows with the corpus.

The floor is the bare cost of embedding one short question with the
configured model (``encoder.encode([q])``). The path is everything
``Index.search`` does: typo correction, the embedding, FAISS, BM25, topic,
audience and not-covered scoring, and building the hits. Both are timed on the
same questions, interleaved, with the query cache off (every search embeds).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import Any

import faiss
import numpy as np

from knowledge import CachedEncoder, Encoder, Index, Passage, build_index
from knowledge.encoders.base import Vectors
from senpai.benchmarks.stats import median, percentile, timings

#: Results per query the bot asks for (the answer action's candidates).
K = 8


def uncached(index: Index) -> Index:
    """The same index with no query-embedding cache, so every search pays for the embedding."""
    encoder = index.encoder
    return index.with_encoder(encoder.inner) if isinstance(encoder, CachedEncoder) else index


def floor_vs_path(encoder: Encoder, index: Index, queries: Sequence[str], trials: int) -> dict[str, Any]:
    """Median over trials of p50(search) / p50(encode), timed side by side on the same questions."""
    path_index = uncached(index)
    for q in queries[:20]:  # warm-up
        encoder.encode([q])
        path_index.search(q, K)
    ratios, floors, paths = [], [], []
    for _ in range(trials):
        floor_ms: list[float] = []
        path_ms: list[float] = []
        for q in queries:  # side by side, so drift in the machine hits both alike
            floor_ms += timings(lambda text: encoder.encode([text]), [q])
            path_ms += timings(lambda text: path_index.search(text, K), [q])
        floors.append(median(floor_ms))
        paths.append(median(path_ms))
        ratios.append(paths[-1] / floors[-1])
    cached = path_index.with_encoder(CachedEncoder(path_index.encoder, len(queries)))
    timings(lambda text: cached.search(text, K), queries)  # fill the cache
    cached_ms = timings(lambda text: cached.search(text, K), queries)
    return {
        "ratio": round(median(ratios), 3),
        "ratio_trials": [round(r, 3) for r in ratios],
        "floor_p50_ms": round(median(floors), 2),
        "path_p50_ms": round(median(paths), 2),
        "cached_path_p50_ms": round(median(cached_ms), 2),
        "queries": len(queries),
    }


class ReplayEncoder:
    """An :class:`Encoder` for synthetic corpora: copies of a text get its vector, slightly jittered.

    Embedding 20,000 synthetic passages for real would take many minutes on 2
    cores and measure nothing new; the search path's cost depends on how many
    vectors and documents there are, not on what they say.
    """

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self._known: dict[str, Vectors] = {}
        self._rng = np.random.default_rng(7)

    def encode(self, texts: list[str], batch_size: int = 32) -> Vectors:
        """Embed new texts once; repeat known ones with a little noise, normalised."""
        new = sorted({t for t in texts if t not in self._known})
        if new:
            for text, vector in zip(new, self.inner.encode(new, batch_size), strict=True):
                self._known[text] = vector
        out = np.stack([self._known[t] for t in texts]).astype(np.float32)
        out += self._rng.normal(0, 0.01, out.shape).astype(np.float32)
        normalised: Vectors = out / np.linalg.norm(out, axis=1, keepdims=True)
        return normalised


def synthetic(passages: Sequence[Passage], size: int) -> list[Passage]:
    """``size`` passages: the real ones, then numbered copies of them."""
    out = list(passages)
    for n in range(size - len(passages)):
        source = passages[n % len(passages)]
        out.append(dataclasses.replace(source, id=f"{source.id}-copy{n}", related=()))
    return out[:size]


def _faiss_times(index: Any, queries: np.ndarray, depth: int) -> list[float]:
    return timings(lambda q: index.search(q[None, :], depth), list(queries))


def _search_times(index: Index, queries: Sequence[str]) -> list[float]:
    return timings(lambda q: index.search(q, K), queries)


def faiss_types(vectors: np.ndarray, queries: np.ndarray, depth: int) -> dict[str, dict[str, float]]:
    """Search time and recall against exact search for flat, HNSW and IVF indexes of the same vectors."""
    dim = vectors.shape[1]
    flat = faiss.IndexFlatIP(dim)
    flat.add(vectors)
    _, exact = flat.search(queries, depth)
    candidates: dict[str, Any] = {"flat": flat}
    start = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efSearch = max(64, depth)
    hnsw.add(vectors)
    hnsw_build = time.perf_counter() - start
    candidates["hnsw32"] = hnsw
    nlist = max(4, int(np.sqrt(len(vectors))))
    start = time.perf_counter()
    ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    ivf.train(vectors)
    ivf.add(vectors)
    ivf.nprobe = max(1, nlist // 8)
    ivf_build = time.perf_counter() - start
    candidates[f"ivf{nlist}"] = ivf
    builds = {"flat": 0.0, "hnsw32": hnsw_build, f"ivf{nlist}": ivf_build}
    out = {}
    for name, idx in candidates.items():
        times = _faiss_times(idx, queries, depth)
        _, found = idx.search(queries, depth)
        recall = np.mean([len(set(f) & set(e)) / depth for f, e in zip(found, exact, strict=True)])
        out[name] = {
            "search_p50_ms": round(median(times), 3),
            "search_p95_ms": round(percentile(times, 0.95), 3),
            "recall_vs_exact": round(float(recall), 3),
            "build_s": round(builds[name], 2),
        }
    return out


def scaling(
    encoder: Encoder, index: Index, queries: Sequence[str], sizes: Sequence[int], trials: int
) -> dict[str, Any]:
    """The search path (cache off) at several corpus sizes, and FAISS index types at each size."""
    replay = ReplayEncoder(encoder)
    query_vectors = encoder.encode(list(queries))
    out: dict[str, Any] = {}
    for size in sizes:
        grown = build_index(
            synthetic(index.passages, size),
            replay,
            topics=index.topics,
            not_covered=index.not_covered,
            lexical_weight=index.lexical_weight,
        )
        probe = uncached(grown)
        for q in queries[:10]:
            probe.search(q, K)
        per_trial = [median(_search_times(probe, queries)) for _ in range(trials)]
        vectors = grown.vectors_matrix()
        out[str(size)] = {
            "passages": size,
            "vectors": int(vectors.shape[0]),
            "search_p50_ms": round(median(per_trial), 2),
            "faiss": faiss_types(vectors, query_vectors, min(64, int(vectors.shape[0]))),
        }
    return out

"""A dense passage index: FAISS inner product over normalised embeddings.

Each passage is embedded as several *views*: its title and text, and each of
the example questions an organiser wrote for it. A passage scores the best
similarity of any of its views, so a user's phrasing can meet either the
passage's own words or a question it answers.

On disk an index is a directory of plain files (never pickle)::

    index.faiss      the FAISS index (faiss.write_index)
    meta.json        model name, dimension, corpus hash, counts, topics
    passages.jsonl   one passage per line, in index order
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from knowledge.corpus import Passage, corpus_hash, passage_views
from knowledge.encoder import Encoder, Vectors
from knowledge.lexical import LexicalIndex
from knowledge.normalize import Speller

FORMAT_VERSION = 1
INDEX_FILE = "index.faiss"
META_FILE = "meta.json"
PASSAGES_FILE = "passages.jsonl"
CURRENT_LINK = "current"

#: Added to a passage's score when its topic matches the caller's topic hint.
TOPIC_PRIOR = 0.04
#: Added when the passage is written for the caller's audience (alt or jte).
AUDIENCE_PRIOR = 0.03
#: Default weight of the lexical (BM25) part of the hybrid score; 0 is pure dense.
#: Chosen with ``senpai eval`` (see the README's evaluation table).
LEXICAL_WEIGHT = 0.5
#: BM25 scores are squashed into [0, 1) as ``b / (b + LEXICAL_SATURATION)``.
LEXICAL_SATURATION = 5.0

Progress = Callable[[int, int], None]


class IndexLoadError(RuntimeError):
    """An index on disk is missing, corrupt, or was built with another model."""


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


class Index:
    """Passages with their embeddings in a FAISS inner-product index, plus BM25.

    Search corrects typos against the corpus vocabulary, then blends dense
    similarity with BM25: ``(1 - w) * cosine + w * bm25 / (bm25 + s)``.
    """

    def __init__(
        self,
        passages: Sequence[Passage],
        faiss_index: faiss.Index,
        encoder: Encoder,
        topics: Mapping[str, str] | None = None,
        *,
        lexical_weight: float = LEXICAL_WEIGHT,
    ) -> None:
        self.passages: tuple[Passage, ...] = tuple(passages)
        self.lexical_weight = lexical_weight
        self.topics: dict[str, str] = dict(topics or {})
        self.encoder = encoder
        self._faiss = faiss_index
        rows: list[int] = []
        for number, passage in enumerate(self.passages):
            rows.extend([number] * len(passage_views(passage)))
        self._row_passage = np.asarray(rows, dtype=np.int64)
        if self._faiss.ntotal != len(rows):
            raise IndexLoadError(
                f"index holds {self._faiss.ntotal} vectors but the passages need {len(rows)}; "
                "rebuild it with `senpai build-index`"
            )
        self._by_id = {p.id: p for p in self.passages}
        self.fingerprint = corpus_hash(self.passages, self.topics)
        self.lexical = LexicalIndex(self.passages)
        vocabulary = getattr(encoder, "vocabulary", None)
        self.speller = Speller(
            (view for p in self.passages for view in passage_views(p)),
            known=vocabulary() if callable(vocabulary) else (),
        )

    def with_lexical_weight(self, weight: float) -> Index:
        """Return a view of this index that blends BM25 with another weight (shares all data)."""
        clone = copy.copy(self)
        clone.lexical_weight = weight
        return clone

    def __len__(self) -> int:
        return len(self.passages)

    @property
    def vectors(self) -> int:
        """How many vectors (passage views) the FAISS index holds."""
        return int(self._faiss.ntotal)

    def get(self, passage_id: str) -> Passage | None:
        """Return the passage with this id, or ``None``."""
        return self._by_id.get(passage_id)

    def embed(self, query: str) -> Vectors:
        """Embed one query as a ``(1, dim)`` unit vector."""
        return self.encoder.encode([query])

    def search(
        self,
        query: str,
        k: int = 3,
        *,
        topic: str | None = None,
        audience: str | None = None,
    ) -> list[Hit]:
        """Return the ``k`` best passages for a query.

        Args:
            query: The user's question.
            k: How many hits to return.
            topic: A topic hint (from the NLU intent); a soft prior, never a filter.
            audience: ``alt`` or ``jte``; prefers passages for that audience.

        Returns:
            Up to ``k`` hits, best first.
        """
        if k <= 0 or not self.passages:
            return []
        query = self.speller.fix(query)
        depth = min(self.vectors, max(64, k * 16))
        dense = self._best_by_passage(self.embed(query), depth)
        match: dict[int, float] = dict(dense)
        weight = self.lexical_weight
        if weight > 0:
            bm25 = self.lexical.scores(query)
            floor = min(dense.values(), default=0.0)
            candidates = set(dense) | {int(i) for i in np.argsort(-bm25)[:depth] if bm25[i] > 0}
            match = {
                n: (1 - weight) * dense.get(n, floor)
                + weight * float(bm25[n] / (bm25[n] + LEXICAL_SATURATION))
                for n in candidates
            }
        scored: list[tuple[float, float, Passage]] = []
        for number, sim in match.items():
            passage = self.passages[number]
            score = sim
            if topic is not None and passage.topic == topic:
                score += TOPIC_PRIOR
            if audience in ("alt", "jte") and passage.audience == audience:
                score += AUDIENCE_PRIOR
            scored.append((score, sim, passage))
        scored.sort(key=lambda item: (-item[0], item[2].id))
        return [
            Hit(passage=p, score=round(s, 6), similarity=round(sim, 6), rank=i + 1)
            for i, (s, sim, p) in enumerate(scored[:k])
        ]

    def _best_by_passage(self, vector: Vectors, depth: int) -> dict[int, float]:
        """Search ``depth`` vectors and keep each passage's best similarity."""
        sims, rows = self._faiss.search(np.ascontiguousarray(vector, dtype=np.float32), depth)
        best: dict[int, float] = {}
        for sim, row in zip(sims[0].tolist(), rows[0].tolist(), strict=True):
            if row < 0:
                continue
            number = int(self._row_passage[row])
            if sim > best.get(number, -2.0):
                best[number] = sim
        return best

    def save(self, directory: Path) -> Path:
        """Write the index as plain files into a new directory.

        The files are written to a temporary sibling first and renamed into
        place, so a reader never sees a half-written index.

        Args:
            directory: Target directory; it must not exist yet.

        Returns:
            The directory written.
        """
        directory = Path(directory)
        if directory.exists():
            raise FileExistsError(f"{directory} already exists")
        tmp = directory.with_name(f".{directory.name}.tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        faiss.write_index(self._faiss, str(tmp / INDEX_FILE))
        with (tmp / PASSAGES_FILE).open("w", encoding="utf-8") as fh:
            for passage in self.passages:
                fh.write(json.dumps(passage.to_dict(), ensure_ascii=False) + "\n")
        meta = {
            "format_version": FORMAT_VERSION,
            "model": self.encoder.name,
            "dim": self.encoder.dim,
            "corpus_hash": self.fingerprint,
            "passages": len(self.passages),
            "vectors": int(self._faiss.ntotal),
            "faiss_index": type(self._faiss).__name__,
            "metric": "inner_product",
            "topics": self.topics,
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, directory)
        return directory

    @classmethod
    def load(cls, directory: Path, encoder: Encoder, *, lexical_weight: float = LEXICAL_WEIGHT) -> Index:
        """Load an index saved by :meth:`save`.

        Args:
            directory: The index directory (or a ``current`` link to one).
            encoder: The encoder queries will use; it must match the index.
            lexical_weight: Weight of BM25 in the hybrid score (0 is pure dense).

        Raises:
            IndexLoadError: If files are missing or corrupt, or the index was built
                with another model or dimension. The message says how to rebuild.
        """
        directory = Path(directory)
        rebuild = "Rebuild it with `make build-index` (or `senpai build-index`)."
        meta = read_meta(directory)
        if meta.get("format_version") != FORMAT_VERSION:
            raise IndexLoadError(
                f"{directory}: index format {meta.get('format_version')!r} is not supported. {rebuild}"
            )
        if meta.get("model") != encoder.name or meta.get("dim") != encoder.dim:
            raise IndexLoadError(
                f"{directory}: index was built with model {meta.get('model')!r} "
                f"(dim {meta.get('dim')}), but the configured model is {encoder.name!r} "
                f"(dim {encoder.dim}). {rebuild}"
            )
        try:
            faiss_index = faiss.read_index(str(directory / INDEX_FILE))
            with (directory / PASSAGES_FILE).open(encoding="utf-8") as fh:
                passages = [Passage.from_dict(json.loads(line)) for line in fh if line.strip()]
        except (OSError, RuntimeError, ValueError, KeyError, TypeError) as exc:
            raise IndexLoadError(f"{directory}: index files are unreadable ({exc}). {rebuild}") from exc
        if faiss_index.d != encoder.dim:
            raise IndexLoadError(
                f"{directory}: FAISS dimension {faiss_index.d} != model dimension {encoder.dim}. {rebuild}"
            )
        index = cls(passages, faiss_index, encoder, meta.get("topics"), lexical_weight=lexical_weight)
        if index.fingerprint != meta.get("corpus_hash"):
            raise IndexLoadError(
                f"{directory}: passages do not match the corpus hash in meta.json. {rebuild}"
            )
        return index


def read_meta(directory: Path) -> dict[str, Any]:
    """Read an index directory's ``meta.json``.

    Raises:
        IndexLoadError: If the directory or file is missing or not valid JSON.
    """
    path = Path(directory) / META_FILE
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise IndexLoadError(
            f"No knowledge index at {directory}. Build it with `make build-index` (or `senpai build-index`)."
        ) from exc
    except (OSError, ValueError) as exc:
        raise IndexLoadError(f"{path} is unreadable ({exc}). Rebuild with `senpai build-index`.") from exc
    if not isinstance(meta, dict):
        raise IndexLoadError(f"{path} is not a JSON object. Rebuild with `senpai build-index`.")
    return meta


def build_index(
    passages: Iterable[Passage],
    encoder: Encoder,
    *,
    topics: Mapping[str, str] | None = None,
    batch_size: int = 32,
    progress: Progress | None = None,
    lexical_weight: float = LEXICAL_WEIGHT,
) -> Index:
    """Embed passages and build an in-memory index.

    Args:
        passages: The passages to index.
        encoder: The encoder to embed them with.
        topics: Topic key to title, kept in the index metadata.
        batch_size: Texts per encoder call.
        progress: Called with ``(done, total)`` texts after each batch.
        lexical_weight: Weight of BM25 in the hybrid score (0 is pure dense).

    Returns:
        The index, ready to search or save.
    """
    passages = list(passages)
    texts = [view for passage in passages for view in passage_views(passage)]
    vectors = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    for start in range(0, len(texts), batch_size):
        batch = texts[start : start + batch_size]
        vectors[start : start + len(batch)] = encoder.encode(batch, batch_size=batch_size)
        if progress is not None:
            progress(start + len(batch), len(texts))
    faiss.normalize_L2(vectors)
    faiss_index = faiss.IndexFlatIP(encoder.dim)
    if len(texts):
        faiss_index.add(vectors)
    return Index(passages, faiss_index, encoder, topics, lexical_weight=lexical_weight)


def publish(index: Index, root: Path) -> Path:
    """Save an index under ``root/builds/`` and atomically point ``root/current`` at it.

    Readers that resolve ``current`` see either the old or the new index, never
    a half-written one. Older builds beyond the previous one are removed.

    Returns:
        The new build directory.
    """
    root = Path(root)
    builds = root / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    name = f"{time.strftime('%Y%m%dT%H%M%S')}-{index.fingerprint[:12]}-{os.getpid()}"
    target = index.save(builds / name)
    link_tmp = root / f".{CURRENT_LINK}.tmp-{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    link_tmp.symlink_to(Path("builds") / name)
    os.replace(link_tmp, root / CURRENT_LINK)
    keep = {name, *(p.name for p in sorted(builds.iterdir())[-2:])}
    for old in builds.iterdir():
        if old.name not in keep and not old.name.startswith("."):
            shutil.rmtree(old, ignore_errors=True)
    return target


def current_dir(root: Path) -> Path:
    """Return the directory that ``root/current`` points at (or ``root`` itself if it is an index)."""
    root = Path(root)
    link = root / CURRENT_LINK
    if link.exists():
        return link.resolve()
    return root

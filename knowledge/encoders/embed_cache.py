"""Embeddings kept between builds, so a rebuild encodes only the texts that changed.

One plain ``.npz`` file per model: the SHA-256 of every text embedded, and
its vector as the model gave it (before the adapter, which a build fits
afresh on these vectors, and before normalising), with the digest of the
weights that gave them: a model tuned again under the same name starts an
empty cache. A build looks every view
up here and encodes only what is missing, in batches of similar length so
that a short question is not padded to a passage's length.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from knowledge.encoders.base import Encoder, Vectors

#: Called with ``(done, total)`` texts after each encoded batch.
Progress = Callable[[int, int], None]


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Vectors of one model by text, loaded from and saved to one file.

    Args:
        directory: Where the cache files are.
        model: The model's name, which names the file.
        weights: The digest of its weights
            (:func:`~knowledge.encoders.base.weights_fingerprint`); a file
            written with other weights is not read.
    """

    def __init__(self, directory: Path, model: str, weights: str | None = None) -> None:
        self.path = Path(directory) / (re.sub(r"[^A-Za-z0-9._-]+", "_", model) + ".npz")
        self.weights = weights or ""
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        if self.path.is_file():
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    stored = str(data["weights"]) if "weights" in data.files else ""
                    if stored == self.weights:
                        self._vectors = dict(zip(data["keys"].tolist(), data["vectors"], strict=True))
            except (OSError, ValueError, KeyError):  # a damaged cache only costs a full encode
                self._vectors = {}

    def __len__(self) -> int:
        return len(self._vectors)

    def get(self, text: str) -> np.ndarray | None:
        """The cached vector of a text, if any."""
        return self._vectors.get(_key(text))

    def put(self, text: str, vector: np.ndarray) -> None:
        """Remember a text's vector (saved by :meth:`save`)."""
        self._vectors[_key(text)] = np.asarray(vector, dtype=np.float32)
        self._dirty = True

    def save(self) -> None:
        """Write the file atomically, if anything was added."""
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.stem}.{os.getpid()}.npz")
        keys = np.asarray(list(self._vectors), dtype=str)
        vectors = np.stack(list(self._vectors.values())).astype(np.float32)
        np.savez(tmp, keys=keys, vectors=vectors, weights=np.asarray(self.weights))
        os.replace(tmp, self.path)
        self._dirty = False


def embed(
    texts: Sequence[str],
    encoder: Encoder,
    *,
    batch_size: int = 32,
    cache: EmbeddingCache | None = None,
    progress: Progress | None = None,
) -> Vectors:
    """Embed texts, taking what the cache has and encoding the rest in batches of similar length.

    Returns:
        An ``(n, dim)`` float32 array in the order of ``texts`` (not normalised).
    """
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    missing: dict[str, list[int]] = {}
    for row, text in enumerate(texts):
        found = cache.get(text) if cache is not None else None
        if found is not None and found.shape == (encoder.dim,):
            out[row] = found
        else:
            missing.setdefault(text, []).append(row)
    todo = sorted(missing, key=len)  # similar lengths together: little padding in each batch
    for start in range(0, len(todo), batch_size):
        batch = todo[start : start + batch_size]
        vectors = encoder.encode(batch, batch_size=batch_size)
        for text, vector in zip(batch, vectors, strict=True):
            out[missing[text]] = vector
            if cache is not None:
                cache.put(text, vector)
        if progress is not None:
            progress(start + len(batch), len(todo))
    return out

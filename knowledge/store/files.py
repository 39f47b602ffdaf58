"""An index on disk: a directory of plain files (never pickle), published atomically.

::

    index.faiss        the FAISS index (faiss.write_index): passage views, then not-covered examples
    adapter.npy        the linear adapter (``knowledge.search.adapter``), if the index has one
    meta.json          model name and weights digest, dimension, corpus hash, counts, topics, adapter settings
    passages.jsonl     one passage per line, in index order
    not_covered.jsonl  one not-covered topic per line, in index order
    ja/                the Japanese index over the same passages, laid out the same way
    ja/second/         its views under the second-opinion encoder (``knowledge.encoders.use``), if built

:func:`knowledge.store.storage.save_index` writes them and
:func:`~knowledge.store.storage.load_index` reads them;
:func:`~knowledge.store.storage.publish` puts a new build under ``builds/`` and
points ``current`` at it, which :func:`current_dir` follows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.encoders.base import Vectors
from knowledge.search.adapter import AdapterConfig

FORMAT_VERSION = 2
INDEX_FILE = "index.faiss"
META_FILE = "meta.json"
ADAPTER_FILE = "adapter.npy"
PASSAGES_FILE = "passages.jsonl"
NOT_COVERED_FILE = "not_covered.jsonl"
#: The Japanese index over the same passages lives in this subdirectory of an index...
JAPANESE_DIR = "ja"
#: ...and its views under the second-opinion encoder in this subdirectory of the Japanese one.
SECOND_DIR = "second"
CURRENT_LINK = "current"


class IndexLoadError(RuntimeError):
    """An index on disk is missing, corrupt, or was built with another model."""


def read_adapter(
    directory: Path, meta: Mapping[str, Any], dim: int
) -> tuple[Vectors | None, AdapterConfig | None]:
    """The adapter matrix and its settings, if ``meta.json`` says the index has one.

    Raises:
        ValueError: If the file is missing, not a finite ``dim x dim`` float array, or the settings are bad.
    """
    settings = meta.get("adapter")
    if settings is None:
        return None, None
    config = AdapterConfig(**settings)
    weight = np.load(directory / ADAPTER_FILE, allow_pickle=False)
    if weight.shape != (dim, dim) or weight.dtype != np.float32 or not np.isfinite(weight).all():
        raise ValueError(f"{ADAPTER_FILE} is not a finite {dim}x{dim} float32 matrix")
    return weight, config


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


def is_current(
    meta: Mapping[str, Any],
    fingerprint: str,
    model: str,
    adapter: Mapping[str, Any] | None,
    weights: str | None,
    second: str | None = None,
) -> bool:
    """Whether an index's ``meta.json`` says a build now would make the same index.

    The same file format (:data:`FORMAT_VERSION`, which the loader requires), corpus,
    model and its weights, adapter settings, and an adapter fitted on this corpus
    (not provisional), and the same second opinion on Japanese scope.

    Args:
        meta: The index's metadata (:func:`read_meta`).
        fingerprint: The corpus hash a build would record.
        model: The configured embedding model.
        adapter: The configured adapter settings as a dict, or ``None`` for none.
        weights: The model's files' digest now
            (:func:`~knowledge.encoders.base.weights_fingerprint`).
        second: The second-opinion encoder a build would embed the Japanese views with, if any.
    """
    return (
        meta.get("format_version") == FORMAT_VERSION
        and meta.get("corpus_hash") == fingerprint
        and meta.get("model") == model
        and meta.get("weights") == weights
        and meta.get("adapter") == adapter
        and not meta.get("adapter_provisional")
        and meta.get("second_opinion") == second
    )


def current_dir(root: Path) -> Path:
    """Return the directory that ``root/current`` points at (or ``root`` itself if it is an index)."""
    root = Path(root)
    link = root / CURRENT_LINK
    if link.exists():
        return link.resolve()
    return root

"""An index on disk: a directory of plain files (never pickle), published atomically.

::

    index.faiss        the FAISS index (faiss.write_index): passage views, then not-covered examples
    adapter.npy        the linear adapter (``knowledge.adapter``), if the index has one
    meta.json          model name, dimension, corpus hash, counts, topics, adapter settings
    passages.jsonl     one passage per line, in index order
    not_covered.jsonl  one not-covered topic per line, in index order

:meth:`knowledge.index.Index.save` writes them and :meth:`~knowledge.index.Index.load`
reads them; :func:`publish` puts a new build under ``builds/`` and points ``current`` at it.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from knowledge.adapter import AdapterConfig
from knowledge.encoder import Vectors

if TYPE_CHECKING:
    from knowledge.index import Index

FORMAT_VERSION = 2
INDEX_FILE = "index.faiss"
META_FILE = "meta.json"
ADAPTER_FILE = "adapter.npy"
PASSAGES_FILE = "passages.jsonl"
NOT_COVERED_FILE = "not_covered.jsonl"
#: The Japanese index over the same passages lives in this subdirectory of an index.
JAPANESE_DIR = "ja"
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


def publish(index: Index, root: Path) -> Path:
    """Save an index under ``root/builds/`` and atomically point ``root/current`` at it.

    Readers that resolve ``current`` see either the old or the new index, never
    a half-written one. Builds older than the two before it are removed.

    Returns:
        The new build directory.
    """
    root = Path(root)
    builds = root / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    base = f"{time.strftime('%Y%m%dT%H%M%S')}-{index.fingerprint[:12]}-{os.getpid()}"
    name, n = base, 1
    # The same corpus built twice in one second (e.g. with the adapter toggled) gets a suffix.
    while (builds / name).exists():
        n += 1
        name = f"{base}-{n}"
    target = index.save(builds / name)
    link_tmp = root / f".{CURRENT_LINK}.tmp-{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    link_tmp.symlink_to(Path("builds") / name)
    os.replace(link_tmp, root / CURRENT_LINK)
    # The newest three by time: a reader that resolved ``current`` a moment ago still finds its build.
    newest = sorted(
        (p for p in builds.iterdir() if not p.name.startswith(".")), key=lambda p: p.stat().st_mtime
    )
    keep = {name, *(p.name for p in newest[-3:])}
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

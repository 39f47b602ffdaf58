"""Saving an index to a directory of plain files, and loading it back (with its Japanese index).

The layout is in :mod:`knowledge.store.files`: the FAISS index, the passages and
not-covered topics as JSON lines, the adapter as ``.npy`` and ``meta.json``;
a Japanese index over the same passages sits in the ``ja/`` subdirectory.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from pathlib import Path

import faiss
import numpy as np

from knowledge.content.corpus import Passage
from knowledge.content.not_covered import NotCoveredTopic
from knowledge.encoders.base import Encoder, weights_of
from knowledge.search.index import JA_LEXICAL_WEIGHT, LEXICAL_WEIGHT, Index
from knowledge.store.files import (
    ADAPTER_FILE,
    CURRENT_LINK,
    FORMAT_VERSION,
    INDEX_FILE,
    JAPANESE_DIR,
    META_FILE,
    NOT_COVERED_FILE,
    PASSAGES_FILE,
    SECOND_DIR,
    IndexLoadError,
    read_adapter,
    read_meta,
)


def save_index(index: Index, directory: Path) -> Path:
    """Write the index as plain files into a new directory.

    The files are written to a temporary sibling first and renamed into
    place, so a reader never sees a half-written index.

    Args:
        index: The index to save (its Japanese index goes into ``ja/``).
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
    faiss.write_index(index._faiss, str(tmp / INDEX_FILE))
    if index.adapter is not None:
        np.save(tmp / ADAPTER_FILE, index.adapter, allow_pickle=False)
    with (tmp / PASSAGES_FILE).open("w", encoding="utf-8") as fh:
        for passage in index.passages:
            fh.write(json.dumps(passage.to_dict(), ensure_ascii=False) + "\n")
    with (tmp / NOT_COVERED_FILE).open("w", encoding="utf-8") as fh:
        for topic in index.not_covered:
            fh.write(json.dumps(topic.to_dict(), ensure_ascii=False) + "\n")
    meta = {
        "format_version": FORMAT_VERSION,
        "model": index.encoder.name,
        "weights": weights_of(index.encoder),
        "dim": index.encoder.dim,
        "corpus_hash": index.fingerprint,
        "passages": len(index.passages),
        "not_covered_topics": len(index.not_covered),
        "not_covered_examples": sum(len(t.examples) for t in index.not_covered),
        "vectors": int(index._faiss.ntotal),
        "faiss_index": type(index._faiss).__name__,
        "metric": "inner_product",
        "adapter": None if index.adapter_config is None else index.adapter_config.to_dict(),
        "topics": index.topics,
        "lang": index.lang,
        "lexical_weight": index.lexical_weight,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "second_opinion": _second_opinion(index),
    }
    if index.adapter_provisional:
        meta["adapter_provisional"] = True
    (tmp / META_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False), encoding="utf-8")
    if index.japanese is not None:
        save_index(index.japanese, tmp / JAPANESE_DIR)
    if index.second is not None:
        save_index(index.second, tmp / SECOND_DIR)
    os.replace(tmp, directory)
    return directory


def _second_opinion(index: Index) -> str | None:
    """The encoder whose opinion this index's (or its Japanese index's) scope decisions hear, if any."""
    holder = index.japanese if index.japanese is not None else index
    return None if holder.second is None else holder.second.encoder.name


def load_index(
    directory: Path,
    encoder: Encoder,
    *,
    lexical_weight: float = LEXICAL_WEIGHT,
    lang: str = "en",
    japanese_encoder: Encoder | None = None,
    second_encoder: Encoder | None = None,
) -> Index:
    """Load an index saved by :func:`save_index`, with its Japanese index if it has one.

    Args:
        directory: The index directory (or a ``current`` link to one).
        encoder: The encoder queries will use; it must match the index.
        lexical_weight: Weight of BM25 in the hybrid score (0 is pure dense).
        lang: ``ja`` to load a Japanese index (its own BM25 weight is in its metadata).
        japanese_encoder: The Japanese index's encoder, when the caller already has
            one (a reload keeps its cache); by default the one its metadata names is opened.
        second_encoder: The same for the Japanese index's second opinion (a reload keeps its
            loaded weights and cache).

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
    if meta.get("weights") != weights_of(encoder):
        raise IndexLoadError(
            f"{directory}: index was built with other weights of {encoder.name!r} "
            f"({meta.get('weights')}, here {weights_of(encoder)}): the model was tuned again or "
            f"differs on this host. {rebuild}"
        )
    try:
        faiss_index = faiss.read_index(str(directory / INDEX_FILE))
        with (directory / PASSAGES_FILE).open(encoding="utf-8") as fh:
            passages = [Passage.from_dict(json.loads(line)) for line in fh if line.strip()]
        with (directory / NOT_COVERED_FILE).open(encoding="utf-8") as fh:
            outside = [NotCoveredTopic.from_dict(json.loads(line)) for line in fh if line.strip()]
        adapter, adapter_config = read_adapter(directory, meta, encoder.dim)
    except (OSError, RuntimeError, ValueError, KeyError, TypeError) as exc:
        raise IndexLoadError(f"{directory}: index files are unreadable ({exc}). {rebuild}") from exc
    if faiss_index.d != encoder.dim:
        raise IndexLoadError(
            f"{directory}: FAISS dimension {faiss_index.d} != model dimension {encoder.dim}. {rebuild}"
        )
    index = Index(
        passages,
        faiss_index,
        encoder,
        meta.get("topics"),
        lexical_weight=lexical_weight,
        not_covered=outside,
        adapter=adapter,
        adapter_config=adapter_config,
        lang=lang,
    )
    if index.fingerprint != meta.get("corpus_hash"):
        raise IndexLoadError(f"{directory}: passages do not match the corpus hash in meta.json. {rebuild}")
    if lang == "en" and (directory / JAPANESE_DIR).is_dir():
        from knowledge.encoders.e5 import open_japanese_encoder

        ja_meta = read_meta(directory / JAPANESE_DIR)
        ja = load_index(
            directory / JAPANESE_DIR,
            japanese_encoder
            if japanese_encoder is not None
            else open_japanese_encoder(str(ja_meta.get("model"))),
            lexical_weight=float(ja_meta.get("lexical_weight", JA_LEXICAL_WEIGHT)),
            lang="ja",
            second_encoder=second_encoder,
        )
        index = index.with_japanese(ja)
    if lang == "ja" and (directory / SECOND_DIR).is_dir():
        from knowledge.encoders.use import open_second_encoder

        second = load_index(
            directory / SECOND_DIR,
            second_encoder
            if second_encoder is not None
            else open_second_encoder(str(read_meta(directory / SECOND_DIR).get("model"))),
            lexical_weight=0.0,
            lang="ja",
        )
        index = index.with_second(second)
    return index


def publish(index: Index, root: Path) -> Path:
    """Save an index under ``root/builds/`` and atomically point ``root/current`` at it.

    Readers that resolve ``current`` see either the old or the new index, never
    a half-written one. Builds older than the two before it are removed.

    Returns:
        The new build directory.
    """
    target = save_build(index, root)
    point_current(root, target.name)
    return target


def save_build(index: Index, root: Path) -> Path:
    """Save an index as a new build under ``root/builds/``, without making it current.

    Its name (time, corpus hash, 32 random bits) is unique across hosts and
    containers (whose process ids repeat), so it is also the build's id in the
    shared store.
    """
    root = Path(root)
    builds = root / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    base = f"{time.strftime('%Y%m%dT%H%M%S')}-{index.fingerprint[:12]}-{secrets.token_hex(4)}"
    name, n = base, 1
    # The same corpus built twice in one second (e.g. with the adapter toggled) gets a suffix.
    while (builds / name).exists():
        n += 1
        name = f"{base}-{n}"
    return save_index(index, builds / name)


def point_current(root: Path, name: str) -> None:
    """Atomically point ``root/current`` at ``root/builds/<name>``, then remove builds older than three.

    A build fetched from the shared store is made current the same way as one
    built here.
    """
    root = Path(root)
    builds = root / "builds"
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

"""Senpai's knowledge library: curated passages, embeddings and a FAISS index.

Typical use::

    from knowledge import build_index, load_corpus, load_encoder

    corpus = load_corpus()
    index = build_index(corpus.passages, load_encoder(), topics=corpus.topics)
    hits = index.search("When did the JET Programme start?", k=3)

Names are imported on first use, so a process that only needs the corpus's
location (the gateway) never loads FAISS, NumPy or the encoder.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from knowledge.corpus import (
        Citation,
        Corpus,
        CorpusError,
        NotCoveredTopic,
        Passage,
        load_corpus,
        load_not_covered,
    )
    from knowledge.encoder import DEFAULT_MODEL, CachedEncoder, Encoder, EncoderError, load_encoder
    from knowledge.index import (
        Hit,
        Hits,
        Index,
        IndexLoadError,
        NotCoveredMatch,
        build_index,
        current_dir,
        publish,
        read_meta,
    )

_HOMES = {
    "knowledge.corpus": (
        "Citation",
        "Corpus",
        "CorpusError",
        "NotCoveredTopic",
        "Passage",
        "load_corpus",
        "load_not_covered",
    ),
    "knowledge.encoder": ("DEFAULT_MODEL", "CachedEncoder", "Encoder", "EncoderError", "load_encoder"),
    "knowledge.index": (
        "Hit",
        "Hits",
        "Index",
        "IndexLoadError",
        "NotCoveredMatch",
        "build_index",
        "current_dir",
        "publish",
        "read_meta",
    ),
}
_WHERE = {name: module for module, names in _HOMES.items() for name in names}

__all__ = [
    "DEFAULT_MODEL",
    "CachedEncoder",
    "Citation",
    "Corpus",
    "CorpusError",
    "Encoder",
    "EncoderError",
    "Hit",
    "Hits",
    "Index",
    "IndexLoadError",
    "NotCoveredMatch",
    "NotCoveredTopic",
    "Passage",
    "build_index",
    "current_dir",
    "load_corpus",
    "load_encoder",
    "load_not_covered",
    "publish",
    "read_meta",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is used."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'knowledge' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

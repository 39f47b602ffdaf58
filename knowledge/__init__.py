"""Senpai's knowledge library: curated passages, embeddings and a FAISS index.

Typical use::

    from knowledge import build_index, load_corpus, load_encoder

    corpus = load_corpus()
    index = build_index(corpus.passages, load_encoder(), topics=corpus.topics)
    hits = index.search("When did the JET Programme start?", k=3)

Shaped like bm25s: build (:mod:`knowledge.build`), search (:mod:`knowledge.index`,
:mod:`knowledge.decide`), save and load to plain files (:mod:`knowledge.files`).
The corpus and its rules are in :mod:`knowledge.corpus`, :mod:`knowledge.schema`
and :mod:`knowledge.not_covered`; the encoder in :mod:`knowledge.encoder` and
:mod:`knowledge.onnx`, and what of a query reaches it in :mod:`knowledge.window`;
measuring it in :mod:`knowledge.evaluate` and :mod:`knowledge.scope_check`.
Every pattern over user text is compiled by :mod:`knowledge.patterns` (RE2,
linear time).

May import nothing else of Senpai's: it is the bottom layer, used by the
settings, the gateway, the action server and the tools.

Names are imported on first use, so a process that only needs the corpus's
location (the gateway) never loads FAISS, NumPy or the encoder.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from knowledge.build import build_index
    from knowledge.corpus import Citation, Corpus, Passage, load_corpus
    from knowledge.encoder import DEFAULT_MODEL, CachedEncoder, Encoder, EncoderError, load_encoder
    from knowledge.files import IndexLoadError, current_dir, publish, read_meta
    from knowledge.hits import Hit, Hits, NotCoveredMatch
    from knowledge.index import Index
    from knowledge.not_covered import NotCoveredTopic, load_not_covered
    from knowledge.schema import CorpusError

_HOMES = {
    "knowledge.corpus": ("Citation", "Corpus", "Passage", "load_corpus"),
    "knowledge.not_covered": ("NotCoveredTopic", "load_not_covered"),
    "knowledge.schema": ("CorpusError",),
    "knowledge.encoder": ("DEFAULT_MODEL", "CachedEncoder", "Encoder", "EncoderError", "load_encoder"),
    "knowledge.build": ("build_index",),
    "knowledge.files": ("IndexLoadError", "current_dir", "publish", "read_meta"),
    "knowledge.hits": ("Hit", "Hits", "NotCoveredMatch"),
    "knowledge.index": ("Index",),
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

"""Senpai's knowledge library: curated passages, embeddings and a FAISS index.

Typical use::

    from knowledge import build_index, load_corpus, load_encoder

    corpus = load_corpus()
    index = build_index(corpus.passages, load_encoder(), topics=corpus.topics)
    hits = index.search("When did the JET Programme start?", k=3)

Shaped like bm25s, in rooms of one concern each:

- :mod:`knowledge.content`: the passages, their schema and Japanese side, the
  topics not covered, and organisers' changes to the YAML;
- :mod:`knowledge.text`: reading a message (language, words, clean-up, routing);
- :mod:`knowledge.encoders`: sentence encoders (torch, ONNX Runtime, e5) and caches;
- :mod:`knowledge.search`: the index, BM25, the adapter, context and the decision rule;
- :mod:`knowledge.store`: build, save, publish and load an index as plain files;
- :mod:`knowledge.evaluation`: measuring retrieval offline.

Imports between the rooms never loop (``tests/unit/knowledge/test_import_loops.py``).

May import nothing else of Senpai's: it is the bottom layer, used by the
settings, the gateway, the action server and the tools.

Names are imported on first use, so a process that only needs the corpus's
location (the gateway) never loads FAISS, NumPy or the encoder.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from knowledge.content.corpus import Citation, Corpus, Passage, load_corpus
    from knowledge.content.not_covered import NotCoveredTopic, load_not_covered
    from knowledge.content.schema import CorpusError
    from knowledge.encoders.base import DEFAULT_MODEL, Encoder, EncoderError
    from knowledge.encoders.cached import CachedEncoder
    from knowledge.encoders.factory import open_encoder
    from knowledge.encoders.sentence import load_encoder
    from knowledge.search.hits import Hit, Hits, NotCoveredMatch
    from knowledge.search.index import Index
    from knowledge.store.build import build_index
    from knowledge.store.files import IndexLoadError, current_dir, read_meta
    from knowledge.store.storage import load_index, point_current, publish, save_build, save_index

_HOMES = {
    "knowledge.content.corpus": ("Citation", "Corpus", "Passage", "load_corpus"),
    "knowledge.content.not_covered": ("NotCoveredTopic", "load_not_covered"),
    "knowledge.content.schema": ("CorpusError",),
    "knowledge.encoders.base": ("DEFAULT_MODEL", "Encoder", "EncoderError"),
    "knowledge.encoders.cached": ("CachedEncoder",),
    "knowledge.encoders.factory": ("open_encoder",),
    "knowledge.encoders.sentence": ("load_encoder",),
    "knowledge.search.hits": ("Hit", "Hits", "NotCoveredMatch"),
    "knowledge.search.index": ("Index",),
    "knowledge.store.build": ("build_index",),
    "knowledge.store.files": ("IndexLoadError", "current_dir", "read_meta"),
    "knowledge.store.storage": ("load_index", "point_current", "publish", "save_build", "save_index"),
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
    "load_index",
    "load_not_covered",
    "open_encoder",
    "point_current",
    "publish",
    "read_meta",
    "save_build",
    "save_index",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module the first time it is used."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'knowledge' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value

"""Senpai's knowledge library: curated passages, embeddings and a FAISS index.

Typical use::

    from knowledge import build_index, load_corpus, load_encoder

    corpus = load_corpus()
    index = build_index(corpus.passages, load_encoder(), topics=corpus.topics)
    hits = index.search("When did the JET Programme start?", k=3)
"""

from knowledge.corpus import (
    Citation,
    Corpus,
    CorpusError,
    NotCoveredTopic,
    Passage,
    load_corpus,
    load_not_covered,
)
from knowledge.encoder import DEFAULT_MODEL, Encoder, EncoderError, load_encoder
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

__all__ = [
    "DEFAULT_MODEL",
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

"""Embeddings kept between builds: a rebuild encodes only what changed, and ranks exactly as a clean build."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from knowledge import Corpus, build_index
from knowledge.encoders.base import Encoder, Vectors
from knowledge.encoders.embed_cache import EmbeddingCache, embed


class Counting:
    """The real encoder, counting the texts it is asked to encode and the batches' lengths."""

    def __init__(self, inner: Encoder) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.texts: list[str] = []
        self.batches: list[list[str]] = []

    def encode(self, texts: list[str], batch_size: int = 32) -> Vectors:
        self.texts += texts
        self.batches.append(list(texts))
        return self.inner.encode(texts, batch_size=batch_size)


def test_a_rebuild_encodes_only_what_changed(tiny_corpus: Corpus, encoder: Encoder, tmp_path: Path) -> None:
    counting = Counting(encoder)
    clean = build_index(
        tiny_corpus.passages, encoder, not_covered=tiny_corpus.not_covered, lexical_weight=0.0
    )
    first = build_index(
        tiny_corpus.passages,
        counting,
        not_covered=tiny_corpus.not_covered,
        lexical_weight=0.0,
        cache_dir=tmp_path,
    )
    everything = len(counting.texts)
    assert everything == first.vectors  # a cold build encodes every view once
    counting.texts.clear()
    build_index(
        tiny_corpus.passages,
        counting,
        not_covered=tiny_corpus.not_covered,
        lexical_weight=0.0,
        cache_dir=tmp_path,
    )
    assert counting.texts == []  # nothing changed, nothing encoded
    added = "who plans the lessons with me?"
    changed = [
        replace(p, questions=(*p.questions, added)) if p.id == "team-planning" else p
        for p in tiny_corpus.passages
    ]
    rebuilt = build_index(
        changed, counting, not_covered=tiny_corpus.not_covered, lexical_weight=0.0, cache_dir=tmp_path
    )
    assert counting.texts == ["who plans the lessons with me?"]
    for question in ("When did the programme start?", "how do I plan with my partner teacher", "purpose"):
        a, b = clean.search(question, 3), first.search(question, 3)
        assert [h.id for h in a] == [h.id for h in b]
        assert np.allclose([h.score for h in a], [h.score for h in b], atol=1e-5)
    assert rebuilt.search("who plans the lessons with me?", 1)[0].id == "team-planning"


def test_batches_are_formed_by_length(encoder: Encoder) -> None:
    counting = Counting(encoder)
    texts = [
        "a much longer question about planning lessons together in the staff room",
        "why?",
        "who?",
        "and?",
    ]
    vectors = embed(texts, counting, batch_size=2)
    assert counting.batches == [["why?", "who?"], ["and?", texts[0]]]
    assert np.allclose(vectors[0], encoder.encode([texts[0]])[0], atol=1e-5)  # back in the asked order


def test_a_damaged_cache_costs_only_a_full_encode(encoder: Encoder, tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, encoder.name)
    embed(["hello there"], encoder, cache=cache)
    cache.save()
    assert len(EmbeddingCache(tmp_path, encoder.name)) == 1
    cache.path.write_bytes(b"not a numpy file")
    damaged = EmbeddingCache(tmp_path, encoder.name)
    assert len(damaged) == 0
    counting = Counting(encoder)
    embed(["hello there"], counting, cache=damaged)
    assert counting.texts == ["hello there"]


def test_vectors_of_other_weights_are_never_read(tmp_path: Path) -> None:
    """A model tuned again under its old name starts an empty cache, which then replaces the old one."""
    old = EmbeddingCache(tmp_path, "tuned-minilm", "sha256:aaaaaaaaaaaaaaaa")
    old.put("what is a dabbler?", np.ones(4, dtype=np.float32))
    old.save()
    same = EmbeddingCache(tmp_path, "tuned-minilm", "sha256:aaaaaaaaaaaaaaaa")
    assert same.get("what is a dabbler?") is not None
    retuned = EmbeddingCache(tmp_path, "tuned-minilm", "sha256:bbbbbbbbbbbbbbbb")
    assert len(retuned) == 0 and retuned.get("what is a dabbler?") is None
    retuned.put("who are JTEs?", np.zeros(4, dtype=np.float32))
    retuned.save()
    assert len(EmbeddingCache(tmp_path, "tuned-minilm", "sha256:aaaaaaaaaaaaaaaa")) == 0
    assert len(EmbeddingCache(tmp_path, "tuned-minilm", "sha256:bbbbbbbbbbbbbbbb")) == 1

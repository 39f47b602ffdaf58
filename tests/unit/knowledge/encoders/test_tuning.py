"""Fine-tuning the English encoder on the corpus: its training data, its batches, and a real short run."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path

import numpy as np
import pytest

from knowledge import load_corpus
from knowledge.content.corpus import Corpus, passage_views
from knowledge.encoders.base import DEFAULT_MODEL
from knowledge.encoders.factory import open_encoder
from knowledge.encoders.onnx import ensure_export
from knowledge.encoders.tuning import TuningConfig, batches, training_pairs, tune_encoder


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


def test_every_question_situation_and_not_covered_example_is_one_pair(corpus: Corpus) -> None:
    targets, pairs = training_pairs(corpus)
    asked = sum(len(p.questions) + len(p.situations) for p in corpus.passages)
    examples = sum(len(t.examples) for t in corpus.not_covered)
    assert len(pairs) == asked + examples
    assert len(targets) == len(corpus.passages) + len(corpus.not_covered)
    first = corpus.passages[0]
    assert targets[0] == passage_views(first, "en")[0]
    assert pairs[0] == (first.questions[0], 0)
    topic = corpus.not_covered[-1]
    assert (topic.examples[-1], len(targets) - 1) == pairs[-1]
    assert targets[-1].startswith(topic.title)


def test_a_batch_holds_a_few_targets_with_a_few_pairs_each_and_uses_every_pair_once(corpus: Corpus) -> None:
    _, pairs = training_pairs(corpus)
    out = batches(pairs, 8, 4, random.Random(0))
    assert sorted(p for b in out for p in b) == sorted(pairs)
    for batch in out:
        rows = [row for _, row in batch]
        assert 0 < len(set(rows)) <= 8
        assert max(rows.count(row) for row in rows) <= 4
    rows = [row for _, row in pairs]
    rounds = -(-max(rows.count(row) for row in set(rows)) // 4)
    alone = sum(len({row for _, row in b}) < 2 for b in out)
    assert alone <= rounds  # only a round's last batch may lack negatives (it then teaches nothing)
    assert out == batches(pairs, 8, 4, random.Random(0))  # the same seed, the same batches
    assert out != batches(pairs, 8, 4, random.Random(1))


def _margin(vectors: np.ndarray, questions: int, per: int) -> float:
    """Mean cosine of each question with its own passage, less its best other passage."""
    texts, asked = vectors[:questions], vectors[questions:]
    sims = asked @ texts.T
    own = np.repeat(np.arange(questions), per)
    mine = sims[np.arange(len(own)), own]
    sims[np.arange(len(own)), own] = -1
    return float((mine - sims.max(axis=1)).mean())


def test_a_short_run_pulls_questions_towards_their_own_passage_and_serves_as_a_model(
    corpus: Corpus, tmp_path: Path
) -> None:
    per = 2
    passages = tuple(
        dataclasses.replace(p, questions=p.questions[:3], situations=()) for p in corpus.passages[:6]
    )
    topic = dataclasses.replace(corpus.not_covered[0], examples=corpus.not_covered[0].examples[:3])
    small = dataclasses.replace(corpus, passages=passages, not_covered=(topic,))
    config = TuningConfig(epochs=2, learning_rate=1e-4, targets_per_batch=4, pairs_per_target=2)
    report = tune_encoder(DEFAULT_MODEL, small, tmp_path / "tuned", config, threads=2)
    assert report.targets == 7 and len(report.losses) == 2
    assert report.losses[1] < report.losses[0]

    texts = [passage_views(p, "en")[0] for p in small.passages]
    asked = [q for p in small.passages for q in p.questions[:per]]
    assert len(asked) == per * len(texts)
    tuned = str(tmp_path / "tuned")
    ensure_export(tuned, tmp_path / "onnx")  # as build-index does: exported, checked against torch
    before = open_encoder(DEFAULT_MODEL)
    after = open_encoder(tuned, backend="onnx", onnx_root=tmp_path / "onnx")
    assert after.dim == before.dim
    margin_before = _margin(before.encode(texts + asked), len(texts), per)
    margin_after = _margin(after.encode(texts + asked), len(texts), per)
    assert margin_after > margin_before + 0.02

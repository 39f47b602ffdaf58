"""Evaluation metrics and threshold calibration on the tiny corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import Hit, Index
from knowledge.evaluation import recall as ev

QUESTIONS = [
    ev.DevQuestion("what year did it begin", ("programme-start",)),
    ev.DevQuestion("goals of the scheme", ("programme-aims",)),
    ev.DevQuestion("how many participants are there", ("programme-size",)),
    ev.DevQuestion("tips for preparing a class with the other teacher", ("team-planning",)),
    ev.DevQuestion("recipe for chocolate cake", out_of_scope=True),
    ev.DevQuestion("how do I renew my driving licence", out_of_scope=True),
]


def test_dense_retrieval_metrics(tiny_index: Index) -> None:
    records = ev.run(ev.IndexRetriever(tiny_index, 0.0), QUESTIONS)
    result = ev.score("dense", records, clarify_margin=0.0)
    assert result.recall_at_1 == 1.0 and result.recall_at_3 == 1.0 and result.mrr == 1.0
    # The calibrated threshold separates the two groups completely.
    assert result.oos_precision == 1.0 and result.oos_recall == 1.0
    in_scope_min = min(r.top for r in records if not r.question.out_of_scope)
    oos_max = max(r.top for r in records if r.question.out_of_scope)
    assert oos_max < result.threshold <= in_scope_min
    assert result.answer_accuracy == 1.0
    assert result.latency_ms_p50 > 0


def test_metrics_count_misses(tiny_index: Index) -> None:
    wrong = [ev.DevQuestion("what year did it begin", ("programme-size",))]
    result = ev.score("dense", ev.run(ev.IndexRetriever(tiny_index, 0.0), wrong), 0.0, threshold=0.2)
    assert result.recall_at_1 == 0.0
    assert 0 < result.mrr < 1


def test_rejection_counts(tiny_index: Index) -> None:
    passage = tiny_index.passages[0]

    def record(top: float, oos: bool) -> ev.Record:
        q = ev.DevQuestion("q", () if oos else (passage.id,), out_of_scope=oos)
        return ev.Record(q, [Hit(passage, top, top, 1)], 0.0)

    records = [record(0.9, False), record(0.5, False), record(0.4, True), record(0.6, True)]
    # At 0.55: rejects 0.5 (in scope, wrong) and 0.4 (out of scope, right).
    assert ev.rejection(records, 0.55) == (0.5, 0.5, 0.5)
    assert ev.rejection(records, 0.45) == (1.0, 0.5, 1.0)
    assert ev.rejection(records, 0.1) == (1.0, 0.0, 1.0)  # nothing rejected: precision is vacuous


def test_bm25_and_hybrid_rank_sensibly(tiny_index: Index) -> None:
    bm25 = ev.run(ev.LexicalRetriever(tiny_index), QUESTIONS)
    assert bm25[2].hits[0].id == "programme-size"  # shares "participants"
    assert bm25[4].top == 0.0  # no shared terms at all
    hybrid = ev.score("hybrid", ev.run(ev.IndexRetriever(tiny_index, 0.5), QUESTIONS), 0.0)
    assert hybrid.recall_at_1 == 1.0
    assert hybrid.oos_precision == 1.0 and hybrid.oos_recall == 1.0


def test_load_devset_checks_labels(tmp_path: Path) -> None:
    path = tmp_path / "dev.yaml"
    path.write_text("questions:\n  - q: hi\n    relevant: [nope]\n")
    with pytest.raises(ValueError, match="unknown ids"):
        ev.load_devset(path, {"programme-start"})
    path.write_text("questions:\n  - q: hi\n")
    with pytest.raises(ValueError, match="needs either"):
        ev.load_devset(path)


def test_calibration_also_chooses_the_not_covered_margin(tiny_index: Index) -> None:
    questions = [
        *QUESTIONS,
        ev.DevQuestion("will it be sunny at the weekend", out_of_scope=True),
        ev.DevQuestion("how do I make pancakes", out_of_scope=True),
    ]
    records = ev.run(ev.IndexRetriever(tiny_index, 0.0), questions)
    assert all(r.lead is not None for r in records)
    result = ev.score("dense", records, clarify_margin=0.0)
    assert result.scope_margin is not None
    assert result.oos_precision == 1.0 and result.oos_recall == 1.0
    # Here the margin alone (no threshold) rejects every out-of-scope question and keeps
    # every in-scope one; without it, nothing is rejected.
    assert ev.rejection(records, -1.0, result.scope_margin) == (1.0, 1.0, 1.0)
    assert ev.rejection(records, -1.0, None) == (1.0, 0.0, 1.0)
    wrong = ev.failures(records, -1.0, scope_margin=None)
    assert [w["q"] for w in wrong] == [q.q for q in questions if q.out_of_scope]
    assert {w["not_covered"][0] for w in wrong[-2:]} == {"weather", "cooking"}


def test_bm25_reports_no_not_covered_side(tiny_index: Index) -> None:
    records = ev.run(ev.LexicalRetriever(tiny_index), QUESTIONS)
    assert all(r.lead is None for r in records)
    assert ev.score("bm25", records, 0.0).scope_margin is None


def test_the_configured_row_decides_as_the_bot_does(tiny_index: Index) -> None:
    from dataclasses import replace

    from knowledge.search.decide import ENGLISH, decide

    records = ev.run(ev.IndexRetriever(tiny_index, 0.5), QUESTIONS)
    policy = replace(ENGLISH, threshold=0.2, scope_margin=None)
    result = ev.configured("configured bot", records, policy)
    kinds = [decide(r.hits, policy, r.question.role).kind for r in records]
    right = [
        k == "fallback" if r.question.out_of_scope else k != "fallback"
        for r, k in zip(records, kinds, strict=True)
    ]
    assert result.answer_accuracy == pytest.approx(sum(right) / len(records))
    # On the standard scale a z threshold no passage reaches refuses everything: only the
    # out-of-scope questions are right, which a raw reading of the same threshold would miss.
    strict = ev.configured("strict", records, replace(policy, z_threshold=99.0))
    assert strict.answer_accuracy == pytest.approx(2 / 6)
    assert strict.oos_recall == 1.0 and strict.in_scope_answered == 0.0
    assert ev.score("raw", records, 0.0, threshold=0.2).answer_accuracy > strict.answer_accuracy

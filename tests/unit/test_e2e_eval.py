"""Scoring of the end-to-end evaluation (what the stack replied to each question)."""

from __future__ import annotations

import pytest

from bot.e2e_eval import Outcome, summarise
from knowledge.evaluate import DevQuestion

IN = DevQuestion("q", ("a", "b"))
OOS = DevQuestion("q", out_of_scope=True)


def test_summary_counts_answers_clarifications_and_rejections() -> None:
    outcomes = [
        Outcome(IN, "answer", ["a"], [], 0.1),  # right
        Outcome(IN, "answer", ["c", "a"], [], 0.2),  # wrong first citation
        Outcome(IN, "clarify", [], ["c", "b"], 0.3),  # right: a choice is relevant
        Outcome(IN, "fallback", [], [], 0.4),  # wrong: refused a real question
        Outcome(OOS, "fallback", [], [], 0.5),  # right
        Outcome(OOS, "smalltalk", [], [], 0.6),  # right: no knowledge answer
        Outcome(OOS, "answer", ["a"], [], 0.7),  # wrong
    ]
    s = summarise(outcomes)
    assert s["accuracy"] == pytest.approx(4 / 7)
    assert s["in_scope_top1"] == pytest.approx(1 / 4)
    assert s["in_scope_answered"] == pytest.approx(2 / 4)
    assert s["clarify_rate"] == pytest.approx(1 / 4)
    assert s["oos_precision"] == pytest.approx(2 / 3)
    assert s["oos_recall"] == pytest.approx(2 / 3)
    assert s["latency_ms_p50"] == pytest.approx(400)
    assert s["errors"] == 0

"""Scoring of the end-to-end evaluation (what the stack replied to each question)."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from knowledge.content.corpus import Corpus
from knowledge.evaluation.recall import DevQuestion
from senpai.evaluation.e2e import Outcome, run_through_stack, summarise

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


async def test_waiting_out_a_rate_limit_is_not_counted_as_latency(tiny_corpus: Corpus) -> None:
    calls: list[str] = []

    async def chat(request: web.Request) -> web.Response:
        calls.append((await request.json())["message"])
        if len(calls) == 1:  # the first attempt is turned away for a second
            return web.json_response({"error": "slow down"}, status=429, headers={"Retry-After": "1"})
        return web.json_response({"kind": "fallback", "messages": [{"text": "no idea"}]})

    app = web.Application()
    app.router.add_post("/api/chat", chat)
    async with TestServer(app) as server:
        [outcome] = await run_through_stack(str(server.make_url("")), [OOS], tiny_corpus)
    assert calls == ["q", "q"]  # retried, not dropped
    assert outcome.kind == "fallback"
    assert outcome.seconds < 0.5  # the answered request only, not the 1 s wait

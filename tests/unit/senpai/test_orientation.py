"""The orientation burst's own machinery, against a small gateway of our own on a real socket."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from senpai import orientation
from senpai.benchmarks.turns import FOLLOW_UPS

Serve = Callable[[web.Application], Awaitable[TestServer]]


def gateway(broken: str | None = None) -> web.Application:
    """Answers like /api/chat: small talk to greetings, an answer to the rest; ``broken`` gets a 500."""
    issued = itertools.count()

    async def chat(request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        if body["message"] == broken:
            return web.json_response({"error": "boom"}, status=500)
        sender = body.get("sender") or f"w1-{next(issued)}"
        greeting = body["message"] in ("hi", "hello", "hi Senpai!")
        return web.json_response({"sender": sender, "kind": "smalltalk" if greeting else "answer"})

    app = web.Application()
    app.router.add_post("/api/chat", chat)
    return app


QUICK = orientation.Scenario(users=10, arrive_s=0.3, think_s=(0.0, 0.02), seed=1)


async def test_every_person_greets_asks_three_times_and_one_in_five_follows_up(aiohttp_server: Serve) -> None:
    server = await aiohttp_server(gateway())
    turns, senders, wall = await orientation.drive(str(server.make_url("")).rstrip("/"), QUICK)
    report = orientation.summarise(QUICK, turns, wall)
    assert len(senders) == 10
    assert {k: f.turns for k, f in report.by_turn.items()} == {
        "smalltalk": 10,
        "knowledge": 30,
        "follow_up": 2,
    }
    assert report.errors == 0 and report.sent == 42
    assert {t.kind for t in turns if t.turn == "follow_up"} == {"answer"}
    assert report.knowledge_vs_smalltalk_p95 > 0
    assert "1 in 5 following up" in report.table()


async def test_failures_are_counted_by_kind(aiohttp_server: Serve) -> None:
    server = await aiohttp_server(gateway(broken=FOLLOW_UPS[0]))
    turns, _, wall = await orientation.drive(str(server.make_url("")).rstrip("/"), QUICK)
    report = orientation.summarise(QUICK, turns, wall)
    assert report.by_turn["follow_up"].errors == 2  # persons 0 and 5 follow up with FOLLOW_UPS[0]
    assert report.errors == 2 and report.error_kinds == {"HTTP 500": 2}
    assert report.by_turn["knowledge"].errors == 0


def test_a_reply_of_the_wrong_kind_is_an_error() -> None:
    assert orientation.Turn("smalltalk", 0.01, 200, "answer").failed
    assert not orientation.Turn("knowledge", 0.01, 200, "fallback").failed
    assert orientation.Turn("knowledge", 5.0, 0, "TimeoutError").failed

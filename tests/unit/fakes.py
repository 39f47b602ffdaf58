"""A fake Rasa on loopback, recording what the gateway forwards."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.sender_keys import SenderKeys

#: The unit tests' gateway secret, and ids it issued, by a readable name.
SENDER_SECRET = "unit-test-sender-secret-0123456789abcdef"
KEYS = SenderKeys(SENDER_SECRET.encode())
_ISSUED: dict[str, str] = {}


def sid(name: str) -> str:
    """The issued sender id that the tests call ``name`` (the same one every time)."""
    if name not in _ISSUED:
        _ISSUED[name] = KEYS.issue()
    return _ISSUED[name]


def conv(name: str) -> str:
    """The Rasa conversation behind :func:`sid`."""
    return KEYS.conversation(sid(name))


CITATION = {"passage_id": "jet-start", "title": "When JET began", "source": "Study", "section": "Intro"}


class FakeRasa:
    """Records what the gateway forwards and answers like Rasa's REST channel."""

    def __init__(self) -> None:
        self.tracker_events: list[dict[str, Any]] = []
        self.received: list[dict[str, Any]] = []
        self.received_headers: list[dict[str, str]] = []
        self.reply: list[dict[str, Any]] = []
        self.status = 200
        self.delay = 0.0
        self.actions_up = True
        self.url = ""
        self.slack_received: list[tuple[dict[str, str], bytes]] = []
        self.prefetched: list[tuple[str | None, Any]] = []  # (token header, body)
        self.prefetch_status = 202

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self.webhook)
        app.router.add_get("/", self.root)
        app.router.add_get("/health", self.health)
        app.router.add_get("/conversations/{sender}/tracker", self.tracker)
        app.router.add_post("/webhooks/slack/webhook", self.slack)
        app.router.add_post("/prefetch", self.prefetch)  # the action server's, on the same fake
        return app

    async def prefetch(self, request: web.Request) -> web.Response:
        self.prefetched.append((request.headers.get("X-Senpai-Action-Token"), await request.json()))
        return web.json_response({"queued": True}, status=self.prefetch_status)

    async def slack(self, request: web.Request) -> web.Response:
        self.slack_received.append((dict(request.headers), await request.read()))
        return web.Response(text="", status=self.status)

    async def tracker(self, request: web.Request) -> web.Response:
        if request.query.get("token") != "tok":
            return web.json_response({"message": "unauthorized"}, status=401)
        return web.json_response({"sender_id": request.match_info["sender"], "events": self.tracker_events})

    async def webhook(self, request: web.Request) -> web.Response:
        self.received.append(await request.json())
        self.received_headers.append(dict(request.headers))
        await asyncio.sleep(self.delay)
        return web.json_response(self.reply, status=self.status)

    async def root(self, request: web.Request) -> web.Response:
        return web.Response(text="Hello from Rasa: 3.6.21")

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"}, status=200 if self.actions_up else 500)


Client = TestClient[web.Request, web.Application]


#: Makes a tracker whose latest message is ``text`` (the ``make_tracker`` fixture).
TrackerFactory = Callable[..., Tracker]


def tracker(text: str, intent: str = "nlu_fallback", channel: str = "rest", **slot_values: Any) -> Tracker:
    """A conversation whose latest user message is ``text``, with these slots set."""
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    events = [{"event": "user", "text": text, "parse_data": message, "input_channel": channel}]
    return Tracker("tester", dict(slot_values), message, events, False, None, {}, "action_listen")


async def run(action: Any, tracker: Tracker) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Run an action with Rasa SDK's dispatcher: its messages, and the slots it set."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, {})
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def meta(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The custom payload of the only message."""
    assert len(messages) == 1
    payload: dict[str, Any] = messages[0]["custom"]["senpai"]
    return payload

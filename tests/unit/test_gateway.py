"""The gateway with aiohttp's test client, in front of a fake Rasa on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.rasa import NO_REPLY_TEXT, shape_reply
from bot.settings import Settings

CITATION = {"passage_id": "jet-start", "title": "When JET began", "source": "Study", "section": "Intro"}


class FakeRasa:
    """Records what the gateway forwards and answers like Rasa's REST channel."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.reply: list[dict[str, Any]] = []
        self.status = 200
        self.delay = 0.0
        self.actions_up = True

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", self.webhook)
        app.router.add_get("/", self.root)
        app.router.add_get("/health", self.health)
        return app

    async def webhook(self, request: web.Request) -> web.Response:
        self.received.append(await request.json())
        await asyncio.sleep(self.delay)
        return web.json_response(self.reply, status=self.status)

    async def root(self, request: web.Request) -> web.Response:
        return web.Response(text="Hello from Rasa: 3.6.21")

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"}, status=200 if self.actions_up else 500)


Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def fake_rasa() -> Any:
    fake = FakeRasa()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


@pytest.fixture
async def client(aiohttp_client: Callable[[web.Application], Awaitable[Client]], fake_rasa: Any) -> Client:
    settings = Settings(
        rasa_url=fake_rasa.url, action_url=fake_rasa.url, rasa_timeout_s=1.0, health_timeout_s=0.5
    )
    return await aiohttp_client(create_app(settings))


ANSWER_REPLY = [
    {"recipient_id": "a", "text": "The programme began in 1987."},
    {"recipient_id": "a", "text": "It has grown since."},
    {"recipient_id": "a", "custom": {"senpai": {"kind": "answer", "citations": [CITATION]}}},
]


async def test_chat_forwards_and_shapes_an_answer(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = ANSWER_REPLY
    resp = await client.post("/api/chat", json={"sender": "alt-1", "message": "  When did JET start?  "})
    assert resp.status == 200
    body = await resp.json()
    assert fake_rasa.received == [{"sender": "alt-1", "message": "When did JET start?"}]
    assert body == {
        "kind": "answer",
        "messages": [
            {
                "text": "The programme began in 1987.\n\nIt has grown since.",
                "citations": [CITATION],
                "buttons": [],
            }
        ],
    }


async def test_form_encoded_curl_body_is_read_as_json(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = [{"recipient_id": "a", "text": "Hi!"}]
    resp = await client.post(
        "/api/chat",
        data=b'{"sender":"a","message":"hi"}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status == 200
    assert (await resp.json())["kind"] == "smalltalk"


async def test_smalltalk_keeps_buttons(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = [
        {"recipient_id": "a", "text": "Hello", "buttons": [{"title": "Role?", "payload": "role"}]}
    ]
    body = await (await client.post("/api/chat", json={"sender": "a", "message": "hi"})).json()
    assert body["kind"] == "smalltalk"
    assert body["messages"][0]["buttons"] == [{"title": "Role?", "payload": "role"}]


async def test_empty_rasa_reply_is_an_error_kind_not_silence(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = []
    body = await (await client.post("/api/chat", json={"sender": "a", "message": "hi"})).json()
    assert body["kind"] == "error"
    assert body["messages"][0]["text"] == NO_REPLY_TEXT


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (b"", "empty"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe{}", "UTF-8"),
        (b"[1, 2]", "JSON object"),
        (b'{"message": "hi"}', "sender"),
        (b'{"sender": "a"}', "message"),
        (b'{"sender": "a", "message": 5}', "string"),
        (b'{"sender": "a", "message": "   "}', "empty"),
        (b'{"sender": "../etc/passwd", "message": "hi"}', "sender"),
        (b'{"sender": "' + b"a" * 65 + b'", "message": "hi"}', "sender"),
        (b'{"sender": "a", "message": "hi", "admin": true}', "unknown field"),
        (json.dumps({"sender": "a", "message": "x" * 2001}).encode(), "2000"),
    ],
)
async def test_bad_requests_get_400_with_a_reason(
    client: Client, fake_rasa: FakeRasa, payload: bytes, fragment: str
) -> None:
    resp = await client.post("/api/chat", data=payload, headers={"Content-Type": "application/json"})
    assert resp.status == 400
    body = await resp.json()
    assert fragment in body["error"]
    assert fake_rasa.received == []


async def test_message_of_exactly_2000_chars_is_accepted(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = [{"recipient_id": "a", "text": "ok"}]
    resp = await client.post("/api/chat", json={"sender": "a", "message": "x" * 2000})
    assert resp.status == 200


async def test_over_long_body_gets_413(client: Client, fake_rasa: FakeRasa) -> None:
    resp = await client.post("/api/chat", data=json.dumps({"sender": "a", "message": "x" * 1_000_000}))
    assert resp.status == 413
    assert "too large" in (await resp.json())["error"]
    assert fake_rasa.received == []


async def test_rasa_error_status_gives_503_json(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.status = 500
    resp = await client.post("/api/chat", json={"sender": "a", "message": "hi"})
    assert resp.status == 503
    body = await resp.json()
    assert body["kind"] == "error" and "unavailable" in body["error"]


async def test_slow_rasa_times_out_with_503(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.delay = 3.0
    resp = await client.post("/api/chat", json={"sender": "a", "message": "hi"})
    assert resp.status == 503


async def test_healthz_ok_and_degraded(client: Client, fake_rasa: FakeRasa) -> None:
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "rasa": "ok", "actions": "ok"}
    fake_rasa.actions_up = False
    resp = await client.get("/healthz")
    assert resp.status == 503
    assert (await resp.json())["down"] == ["actions"]


async def test_healthz_when_nothing_listens(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
) -> None:
    settings = Settings(rasa_url="http://127.0.0.1:9", action_url="http://127.0.0.1:9", health_timeout_s=0.5)
    client = await aiohttp_client(create_app(settings))
    resp = await client.get("/healthz")
    assert resp.status == 503
    assert sorted((await resp.json())["down"]) == ["actions", "rasa"]
    resp = await client.post("/api/chat", json={"sender": "a", "message": "hi"})
    assert resp.status == 503


async def test_index_page_and_security_headers(client: Client) -> None:
    resp = await client.get("/")
    assert resp.status == 200
    assert "Senpai" in await resp.text()
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    script = await client.get("/static/chat.js")
    assert script.status == 200 and "textContent" in await script.text()


async def test_unknown_route_and_method_are_json(client: Client) -> None:
    resp = await client.get("/nope")
    assert resp.status == 404 and "error" in await resp.json()
    resp = await client.get("/api/chat")
    assert resp.status == 405 and "error" in await resp.json()


def test_shape_reply_keeps_separate_messages_and_first_kind() -> None:
    reply = shape_reply(
        [
            {"text": "One."},
            {"custom": {"senpai": {"kind": "fallback", "citations": []}}},
            {"text": "Two."},
            {"custom": {"senpai": {"kind": "answer", "citations": [CITATION]}}},
            {"image": "ignored"},
        ]
    )
    assert reply["kind"] == "fallback"
    assert [m["text"] for m in reply["messages"]] == ["One.", "Two."]
    assert reply["messages"][1]["citations"] == [CITATION]

"""The gateway with aiohttp's test client, in front of a fake Rasa on loopback."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.app import create_app
from bot.feedback import FeedbackStore
from bot.gateway_texts import NO_REPLY
from bot.rasa import history, message_id, shape_reply
from settings import Settings
from tests.unit.fakes import CITATION, Client, FakeRasa, conv, sid

ANSWER_REPLY = [
    {"recipient_id": "a", "text": "The programme began in 1987."},
    {"recipient_id": "a", "text": "It has grown since."},
    {"recipient_id": "a", "custom": {"senpai": {"kind": "answer", "citations": [CITATION]}}},
]


async def test_chat_forwards_and_shapes_an_answer(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = ANSWER_REPLY
    resp = await client.post("/api/chat", json={"sender": sid("alt-1"), "message": "  When did JET start?  "})
    assert resp.status == 200
    body = await resp.json()
    assert fake_rasa.received == [{"sender": conv("alt-1"), "message": "When did JET start?"}]
    ids = [m.pop("id") for m in body["messages"]]
    assert ids == [message_id(conv("alt-1"), "The programme began in 1987.\n\nIt has grown since.")]
    assert body == {
        "sender": sid("alt-1"),
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
        data=json.dumps({"sender": sid("a"), "message": "hi"}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status == 200
    assert (await resp.json())["kind"] == "smalltalk"


async def test_smalltalk_keeps_buttons(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = [
        {"recipient_id": "a", "text": "Hello", "buttons": [{"title": "Role?", "payload": "role"}]}
    ]
    body = await (await client.post("/api/chat", json={"sender": sid("a"), "message": "hi"})).json()
    assert body["kind"] == "smalltalk"
    assert body["messages"][0]["buttons"] == [{"title": "Role?", "payload": "role"}]


async def test_empty_rasa_reply_is_an_error_kind_not_silence(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = []
    body = await (await client.post("/api/chat", json={"sender": sid("a"), "message": "hi"})).json()
    assert body["kind"] == "error"
    assert body["messages"][0]["text"] == NO_REPLY["en"]


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (b"", "empty"),
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe{}", "UTF-8"),
        (b"[1, 2]", "JSON object"),
        (b'{"sender": 5, "message": "hi"}', "sender"),
        (b'{"sender": "a"}', "message"),
        (b'{"sender": "a", "message": 5}', "string"),
        (b'{"sender": "a", "message": "   "}', "empty"),
        (b'{"sender": "' + b"a" * 129 + b'", "message": "hi"}', "sender"),
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
    resp = await client.post("/api/chat", json={"sender": sid("a"), "message": "x" * 2000})
    assert resp.status == 200


async def test_over_long_body_gets_413(client: Client, fake_rasa: FakeRasa) -> None:
    resp = await client.post("/api/chat", data=json.dumps({"sender": "a", "message": "x" * 1_000_000}))
    assert resp.status == 413
    assert "too large" in (await resp.json())["error"]
    assert fake_rasa.received == []


async def test_rasa_error_status_gives_503_json(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.status = 500
    resp = await client.post("/api/chat", json={"message": "hi"})
    assert resp.status == 503
    assert (await resp.json())["sender"].startswith("w1")  # the new conversation's id, to try again with
    body = await resp.json()
    assert body["kind"] == "error" and "unavailable" in body["error"]


async def test_slow_rasa_times_out_with_503(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.delay = 3.0
    resp = await client.post("/api/chat", json={"message": "hi"})
    assert resp.status == 503
    assert (await resp.json())["sender"].startswith("w1")  # the new conversation's id, to try again with


async def test_healthz_ok_and_degraded(client: Client, fake_rasa: FakeRasa) -> None:
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "rasa": "ok", "actions": "ok"}
    fake_rasa.actions_up = False
    resp = await client.get("/healthz")
    assert resp.status == 503
    assert (await resp.json())["down"] == ["actions"]


async def test_healthz_when_nothing_listens(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]], tmp_path: Path
) -> None:
    settings = Settings(
        rasa_urls=("http://127.0.0.1:9",),
        action_url="http://127.0.0.1:9",
        health_timeout_s=0.5,
        data_dir=tmp_path,
    )
    client = await aiohttp_client(create_app(settings))
    resp = await client.get("/healthz")
    assert resp.status == 503
    assert sorted((await resp.json())["down"]) == ["actions", "rasa"]
    resp = await client.post("/api/chat", json={"message": "hi"})
    assert resp.status == 503
    assert (await resp.json())["sender"].startswith("w1")  # the new conversation's id, to try again with


async def test_index_page_and_security_headers(client: Client) -> None:
    resp = await client.get("/")
    assert resp.status == 200
    assert "Senpai" in await resp.text()
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in resp.headers["Content-Security-Policy"]
    assert "/static/widget.js" in await resp.text()
    script = await client.get("/static/widget.js")
    assert script.status == 200 and "textContent" in await script.text()
    assert "innerHTML" not in await script.text()


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


TWO_ANSWERS = [
    {"event": "user", "text": "When did JET start?"},
    {"event": "bot", "text": "In 1987.", "data": {}},
    {"event": "user", "text": "Who runs it?"},
    {"event": "bot", "text": "Three ministries and CLAIR.", "data": {}},
]


async def test_feedback_is_stored_durably(client: Client, fake_rasa: FakeRasa, settings: Settings) -> None:
    fake_rasa.tracker_events = TWO_ANSWERS
    first, second = (
        message_id(conv("alt-1"), "In 1987."),
        message_id(conv("alt-1"), "Three ministries and CLAIR."),
    )
    resp = await client.post(
        "/api/feedback",
        json={"sender": sid("alt-1"), "message_id": first, "rating": -1, "comment": " too long "},
    )
    assert resp.status == 201
    assert (await resp.json())["status"] == "stored"
    assert (
        await client.post("/api/feedback", json={"sender": sid("alt-1"), "message_id": second, "rating": 1})
    ).status == 201
    reopened = FeedbackStore(settings.feedback_db)  # a second connection sees committed rows
    rows = await reopened.list(conv("alt-1"))
    reopened.close()
    assert [(r["message_id"], r["rating"], r["comment"]) for r in rows] == [
        (first, -1, "too long"),
        (second, 1, None),
    ]


async def test_feedback_only_on_a_message_of_the_senders_own_conversation(
    client: Client, fake_rasa: FakeRasa, settings: Settings
) -> None:
    fake_rasa.tracker_events = TWO_ANSWERS  # every conversation of the fake has these messages
    theirs = message_id(conv("owner"), "In 1987.")
    # Another conversation's message id (the same text, seen by someone else) is refused...
    resp = await client.post(
        "/api/feedback", json={"sender": sid("intruder"), "message_id": theirs, "rating": -1}
    )
    assert resp.status == 404 and "this conversation" in (await resp.json())["error"]
    # ...and so is an id nobody was sent, or a sender id the gateway did not issue.
    resp = await client.post(
        "/api/feedback", json={"sender": sid("owner"), "message_id": "abc123", "rating": 1}
    )
    assert resp.status == 404
    resp = await client.post("/api/feedback", json={"sender": "owner", "message_id": theirs, "rating": 1})
    assert resp.status == 403 and (await resp.json())["code"] == "unknown_sender"
    store = FeedbackStore(settings.feedback_db)
    assert await store.list() == []
    store.close()
    resp = await client.post(
        "/api/feedback", json={"sender": sid("owner"), "message_id": theirs, "rating": 1}
    )
    assert resp.status == 201


@pytest.mark.parametrize(
    "body",
    [
        {"sender": "a", "message_id": "x", "rating": 2},
        {"sender": "a", "message_id": "x", "rating": True},
        {"sender": "a", "message_id": "../x", "rating": 1},
        {"sender": "a", "rating": 1},
        {"sender": "a", "message_id": "x", "rating": 1, "comment": "c" * 1001},
        {"sender": "a", "message_id": "x", "rating": 1, "extra": 1},
    ],
)
async def test_bad_feedback_gets_400(client: Client, body: dict[str, Any]) -> None:
    resp = await client.post("/api/feedback", json=body)
    assert resp.status == 400 and "error" in await resp.json()


async def test_history_comes_from_rasas_tracker(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.tracker_events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": '/inform_role{"role":"jte"}'},
        {"event": "bot", "text": "Thanks!", "data": {}},
        {"event": "user", "text": "When did JET start?"},
        {
            "event": "bot",
            "text": "In 1987.",
            "data": {"custom": {"senpai": {"kind": "answer", "citations": [CITATION]}}},
        },
    ]
    resp = await client.get("/api/history", params={"sender": sid("alt-1")})
    assert resp.status == 200
    body = await resp.json()
    assert [(m["from"], m["text"]) for m in body["messages"]] == [
        ("bot", "Thanks!"),
        ("user", "When did JET start?"),
        ("bot", "In 1987."),
    ]
    assert body["messages"][2]["citations"] == [CITATION]
    assert body["messages"][2]["kind"] == "answer"
    assert body["messages"][2]["id"] == message_id(conv("alt-1"), "In 1987.")  # same id as in the chat reply
    assert (await client.get("/api/history", params={"sender": "../etc"})).status == 403
    assert (await client.get("/api/history")).status == 400
    # The widget sends its id in a header, so it stays out of URLs and proxy logs.
    by_header = await client.get("/api/history", headers={"X-Senpai-Sender": sid("alt-1")})
    assert (await by_header.json())["messages"] == body["messages"]


async def test_history_without_a_token_is_503(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]], settings: Settings
) -> None:
    client = await aiohttp_client(create_app(settings.with_overrides(rasa_token=None)))
    assert (await client.get("/api/history", params={"sender": sid("a")})).status == 503


async def test_cors_only_for_configured_origins(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = [{"text": "hi"}]
    good = {"Origin": "https://orientation.example"}
    resp = await client.post("/api/chat", json={"sender": sid("a"), "message": "hi"}, headers=good)
    assert resp.headers["Access-Control-Allow-Origin"] == "https://orientation.example"
    resp = await client.post(
        "/api/chat", json={"sender": sid("a"), "message": "hi"}, headers={"Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in resp.headers
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    resp = await client.options("/api/chat", headers={**good, **preflight})
    assert resp.status == 204
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    resp = await client.options("/api/chat", headers={"Origin": "https://evil.example", **preflight})
    assert resp.status == 403


async def test_rate_limit_per_sender_answers_429_with_retry_after(
    client: Client, fake_rasa: FakeRasa
) -> None:
    fake_rasa.reply = [{"text": "hi"}]
    statuses = [
        (await client.post("/api/chat", json={"sender": sid("burst"), "message": "hi"})).status
        for _ in range(12)
    ]
    assert statuses[:10] == [200] * 10 and statuses[10:] == [429, 429]
    resp = await client.post("/api/chat", json={"sender": sid("burst"), "message": "hi"})
    assert resp.status == 429
    assert int(resp.headers["Retry-After"]) >= 1
    assert "wait" in (await resp.json())["error"]
    assert len(fake_rasa.received) == 10  # refused messages never reach Rasa
    other = await client.post("/api/chat", json={"sender": sid("someone-else"), "message": "hi"})
    assert other.status == 200


async def test_round_robin_over_replicas_and_fail_over_when_one_refuses(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
    settings: Settings,
    fake_rasa: FakeRasa,
    other_rasa: FakeRasa,
) -> None:
    fake_rasa.reply = other_rasa.reply = [{"text": "hi"}]
    both = settings.with_overrides(profile="production", rasa_urls=(fake_rasa.url, other_rasa.url))
    client = await aiohttp_client(create_app(both))
    for n in range(4):
        assert (await client.post("/api/chat", json={"sender": sid(f"s{n}"), "message": "hi"})).status == 200
    assert len(fake_rasa.received) == len(other_rasa.received) == 2  # alternating
    health = await (await client.get("/healthz")).json()
    assert health == {"status": "ok", "rasa-1": "ok", "rasa-2": "ok", "actions": "ok"}

    dead_first = settings.with_overrides(rasa_urls=("http://127.0.0.1:9", fake_rasa.url))
    client = await aiohttp_client(create_app(dead_first))
    before = len(fake_rasa.received)
    for n in range(4):
        assert (await client.post("/api/chat", json={"sender": sid(f"f{n}"), "message": "hi"})).status == 200
    assert len(fake_rasa.received) == before + 4  # every message reached the live replica, once
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {
        "status": "degraded",
        "down": ["rasa-1"],
        "rasa-1": "down",
        "rasa-2": "ok",
        "actions": "ok",
    }


async def test_without_a_shared_lock_store_each_sender_sticks_to_one_replica(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
    settings: Settings,
    fake_rasa: FakeRasa,
    other_rasa: FakeRasa,
) -> None:
    fake_rasa.reply = other_rasa.reply = [{"text": "hi"}]
    urls = (fake_rasa.url, other_rasa.url)
    client = await aiohttp_client(create_app(settings.with_overrides(profile="embedded", rasa_urls=urls)))
    senders = [f"user-{n}" for n in range(12)]
    for _ in range(3):
        for sender in senders:
            resp = await client.post("/api/chat", json={"sender": sid(sender), "message": "hi"})
            assert resp.status == 200
    first = [m["sender"] for m in fake_rasa.received]
    second = [m["sender"] for m in other_rasa.received]
    assert len(first) + len(second) == 36
    assert not set(first) & set(second)  # every sender's messages went to one replica
    assert first and second  # and the senders are spread over both
    assert all(first.count(s) == 3 for s in set(first))
    # A sender whose replica is down is served by the other one.
    dead_first = settings.with_overrides(profile="embedded", rasa_urls=("http://127.0.0.1:9", fake_rasa.url))
    client = await aiohttp_client(create_app(dead_first))
    before = len(fake_rasa.received)
    for sender in senders:
        assert (await client.post("/api/chat", json={"sender": sid(sender), "message": "hi"})).status == 200
    assert len(fake_rasa.received) == before + len(senders)


async def test_a_new_sender_goes_to_the_least_busy_replica_and_stays_there(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]],
    settings: Settings,
    fake_rasa: FakeRasa,
    other_rasa: FakeRasa,
) -> None:
    fake_rasa.reply = other_rasa.reply = [{"text": "hi"}]
    urls = (fake_rasa.url, other_rasa.url)
    client = await aiohttp_client(
        create_app(settings.with_overrides(profile="embedded", rasa_urls=urls, rate_ip_per_min=100_000))
    )

    async def say(sender: str) -> None:
        assert (await client.post("/api/chat", json={"sender": sid(sender), "message": "hi"})).status == 200

    await say("first")  # pinned to whichever replica came first in turn
    busy, idle = (fake_rasa, other_rasa) if fake_rasa.received else (other_rasa, fake_rasa)
    busy.delay = 0.5
    slow = [asyncio.create_task(say("first")) for _ in range(3)]  # three in flight on the busy one
    await asyncio.sleep(0.1)
    for n in range(4):
        await say(f"newcomer-{n}")  # each goes where nothing is waiting
    await asyncio.gather(*slow)
    assert [m["sender"] for m in busy.received] == [conv("first")] * 4
    assert [m["sender"] for m in idle.received] == [conv(f"newcomer-{n}") for n in range(4)]


async def test_the_address_limit_uses_x_forwarded_for_only_from_trusted_proxies(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]], settings: Settings, fake_rasa: FakeRasa
) -> None:
    fake_rasa.reply = [{"text": "hi"}]
    tight = settings.with_overrides(rate_ip_per_min=1, rate_sender_per_min=1000)

    async def burst(client: Client, forwarded_for: str) -> list[int]:
        headers = {"X-Forwarded-For": forwarded_for}
        return [
            (
                await client.post(
                    "/api/chat", json={"sender": sid(f"u{n}"), "message": "hi"}, headers=headers
                )
            ).status
            for n in range(41)
        ]

    direct = await aiohttp_client(create_app(tight))
    # Not a trusted proxy: the header is ignored, so "different clients" share one bucket of 40.
    assert (await burst(direct, "203.0.113.1"))[-1] == 429
    assert (await burst(direct, "203.0.113.2"))[0] == 429
    proxied = await aiohttp_client(create_app(tight.with_overrides(trusted_proxies=frozenset({"127.0.0.1"}))))
    assert (await burst(proxied, "spoofed, 203.0.113.1"))[-1] == 429
    assert (await burst(proxied, "203.0.113.2"))[0] == 200  # another client behind the proxy


async def _prefetched(fake: FakeRasa, count: int) -> list[tuple[str | None, Any]]:
    """Wait (briefly) for the gateway's background prefetches to reach the fake action server."""
    for _ in range(200):
        if len(fake.prefetched) >= count:
            break
        await asyncio.sleep(0.01)
    return fake.prefetched


async def test_chat_asks_the_action_server_to_embed_the_message_early(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]], settings: Settings, fake_rasa: FakeRasa
) -> None:
    fake_rasa.reply = ANSWER_REPLY
    client = await aiohttp_client(create_app(replace(settings, action_token="atok")))
    resp = await client.post("/api/chat", json={"sender": sid("pf-1"), "message": "  When did JET start?  "})
    assert resp.status == 200
    # With the conversation's id as Rasa knows it, so a follow-up can be embedded read with the last question.
    conversation = fake_rasa.received[0]["sender"]
    assert await _prefetched(fake_rasa, 1) == [
        ("atok", {"text": "When did JET start?", "sender": conversation})
    ]
    # An intent payload from a button never reaches retrieval: nothing to embed.
    await client.post("/api/chat", json={"sender": sid("pf-1"), "message": '/inform_role{"role": "jte"}'})
    await client.post("/api/chat", json={"sender": sid("pf-1"), "message": "What is a JTE?"})
    assert [body["text"] for _, body in await _prefetched(fake_rasa, 2)] == [
        "When did JET start?",
        "What is a JTE?",
    ]


async def test_a_failing_prefetch_never_touches_the_reply(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = ANSWER_REPLY
    fake_rasa.prefetch_status = 500
    resp = await client.post("/api/chat", json={"sender": sid("pf-2"), "message": "When did JET start?"})
    assert resp.status == 200 and (await resp.json())["kind"] == "answer"
    assert len(await _prefetched(fake_rasa, 1)) == 1


async def test_prefetch_can_be_turned_off(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]], settings: Settings, fake_rasa: FakeRasa
) -> None:
    fake_rasa.reply = ANSWER_REPLY
    client = await aiohttp_client(create_app(replace(settings, prefetch=False)))
    resp = await client.post("/api/chat", json={"sender": sid("pf-3"), "message": "When did JET start?"})
    assert resp.status == 200
    await asyncio.sleep(0.1)
    assert fake_rasa.prefetched == []


def test_the_role_senpai_heard_reaches_the_reply_and_the_history() -> None:
    said = [
        {"text": "Thanks! I'll prefer answers written for ALTs."},
        {"custom": {"senpai": {"kind": "smalltalk", "citations": [], "role": "alt"}}},
    ]
    assert shape_reply(said)["role"] == "alt"
    assert "role" not in shape_reply([{"text": "Hello"}])  # small talk from the domain says nothing of it
    bogus = [{"text": "x"}, {"custom": {"senpai": {"kind": "answer", "citations": [], "role": "admin"}}}]
    assert "role" not in shape_reply(bogus)
    events = [{"event": "bot", "text": said[0]["text"], "data": {"custom": said[1]["custom"]}}]
    assert history("web:x", events)[0]["role"] == "alt"


def test_an_acknowledgement_before_an_answer_makes_an_answer() -> None:
    said = [
        {"text": "Thanks! I'll prefer answers written for ALTs."},
        {"custom": {"senpai": {"kind": "smalltalk", "citations": [], "role": "alt"}}},
        {"text": "In 1987."},
        {"custom": {"senpai": {"kind": "answer", "citations": [CITATION]}}},
    ]
    reply = shape_reply(said)
    assert reply["kind"] == "answer" and reply["role"] == "alt"
    assert [m["citations"] for m in reply["messages"]] == [[], [CITATION]]


async def test_the_japanese_page_is_a_jte_orientation_with_the_widget_in_japanese(client: Client) -> None:
    resp = await client.get("/ja/")
    assert resp.status == 200
    page = await resp.text()
    assert '<html lang="ja">' in page and "JTE" in page
    assert 'data-lang="ja"' in page and "default-src 'self'" in resp.headers["Content-Security-Policy"]


async def test_a_reply_says_its_language(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = [
        {"recipient_id": "a", "text": "1987年に始まりました。"},
        {"recipient_id": "a", "custom": {"senpai": {"kind": "answer", "citations": [], "lang": "ja"}}},
    ]
    body = await (await client.post("/api/chat", json={"message": "いつ始まりましたか？"})).json()
    assert body["lang"] == "ja" and body["kind"] == "answer"


async def test_no_reply_is_said_in_the_users_language(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = []
    body = await (await client.post("/api/chat", json={"message": "JETとは何ですか？"})).json()
    assert body["kind"] == "error" and body["lang"] == "ja"
    assert body["messages"][0]["text"].startswith("いま資料を参照できません")
    body = await (await client.post("/api/chat", json={"message": "What is JET?"})).json()
    assert "lang" not in body and body["messages"][0]["text"].startswith("I can't reach my notes")


async def test_errors_are_also_said_in_japanese(client: Client) -> None:
    resp = await client.post("/api/chat", json={"message": "   "})
    body = await resp.json()
    assert (
        resp.status == 400 and body["error"] == "'message' must not be empty"
    )  # the English stays as it was
    assert body["error_ja"] == "メッセージが空です。質問を入力してください。"
    resp = await client.post("/api/chat", json={"message": "あ" * 2001})
    assert resp.status == 400 and (await resp.json())["error_ja"].startswith("メッセージが長すぎます")
    resp = await client.post("/api/chat", data=b"x" * 20_000, headers={"Content-Type": "application/json"})
    assert resp.status == 413 and (await resp.json())["error_ja"].startswith("リクエストが大きすぎます")
    resp = await client.get("/nope")
    assert resp.status == 404 and (await resp.json())["error_ja"] == "見つかりませんでした。"

"""Slack against the real stack: signed events in, a fake Slack Web API on loopback out.

The stack runs with a test signing secret and bot token, and with
``SLACK_API_URL`` pointing at a fake Slack Web API (aiohttp, in this process)
that records every ``chat.postMessage``. Events are signed with Slack's own
algorithm (``slack_sdk``'s ``SignatureVerifier`` checks our signer).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web

from bot.slack_events import signature
from tests.integration.conftest import Stack, start_stack
from tests.servers import ThreadedServers

pytestmark = pytest.mark.integration

SECRET = "integration-signing-secret"
TOKEN = "xoxb-integration-test-token"
BOT_USER = "UBOTSENPAI"
TEAM = "TTEAM1"


class FakeSlack:
    """Slack's Web API as far as Senpai uses it: records chat.postMessage."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.auth: list[str] = []
        self.delay_s = 0.0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/api/{method}", self.api)
        return app

    async def api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            args = await request.json()
        else:
            args = dict(await request.post())
        self.auth.append(request.headers.get("Authorization", ""))
        if method == "auth.test":
            return web.json_response({"ok": True, "team_id": TEAM, "user_id": BOT_USER})
        if method != "chat.postMessage":
            return web.json_response({"ok": False, "error": "unknown_method"})
        await asyncio.sleep(self.delay_s)
        self.posts.append(args)
        return web.json_response({"ok": True, "channel": args.get("channel"), "ts": f"{time.time():.6f}"})

    def wait_for_posts(self, count: int, timeout_s: float = 30) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout_s
        while len(self.posts) < count:
            assert time.monotonic() < deadline, f"expected {count} posts, got {self.posts}"
            time.sleep(0.1)
        return self.posts


@pytest.fixture(scope="module")
def slack_api() -> Iterator[FakeSlack]:
    fake = FakeSlack()
    servers = ThreadedServers()
    fake.port = servers.start(fake.app)  # type: ignore[attr-defined]
    yield fake
    servers.close()


def slack_env(slack_api: FakeSlack) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": f"http://127.0.0.1:{slack_api.port}/api/",  # type: ignore[attr-defined]
    }


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, slack_api: FakeSlack) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("slack"), slack_env(slack_api))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(autouse=True)
def fresh(slack_api: FakeSlack) -> None:
    slack_api.posts.clear()
    slack_api.delay_s = 0.0


def signed_headers(body: bytes, *, age_s: float = 0, secret: str = SECRET) -> dict[str, str]:
    timestamp = str(int(time.time() - age_s))
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature(secret, timestamp, body)}


def post(stack: Stack, body: bytes, content_type: str, headers: dict[str, str]) -> tuple[int, bytes, float]:
    req = urllib.request.Request(
        stack.url + "/webhooks/slack/webhook",
        data=body,
        method="POST",
        headers={"Content-Type": content_type, **headers},
    )
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read(), time.monotonic() - start
    except urllib.error.HTTPError as err:
        return err.code, err.read(), time.monotonic() - start


def event(
    text: str, *, channel: str = "D0DM", kind: str = "message", user: str = "UALT1", **extra: Any
) -> bytes:
    ts = f"{time.time():.6f}"
    body: dict[str, Any] = {
        "type": "event_callback",
        "team_id": TEAM,
        "event_id": f"Ev{uuid.uuid4().hex[:12]}",
        "authorizations": [{"user_id": BOT_USER, "is_bot": True}],
        "event": {
            "type": kind,
            "channel": channel,
            "channel_type": "im" if channel.startswith("D") else "channel",
            "user": user,
            "text": text,
            "ts": ts,
            **extra,
        },
    }
    return json.dumps(body).encode()


def send_event(stack: Stack, body: bytes, **headers: str) -> tuple[int, bytes, float]:
    return post(stack, body, "application/json", {**signed_headers(body), **headers})


def blocks_text(message: dict[str, Any], kind: str) -> str:
    return " ".join(
        element.get("text", "") if kind == "context" else block["text"]["text"]
        for block in message.get("blocks", [])
        if block["type"] == kind
        for element in (block.get("elements", [block]) if kind == "context" else [block])
    )


def test_our_signer_is_slacks_algorithm() -> None:
    from slack_sdk.signature import SignatureVerifier

    body = b'{"type":"event_callback"}'
    headers = signed_headers(body)
    assert SignatureVerifier(SECRET).is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )


def test_url_verification_is_answered(stack: Stack) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "x"}).encode()
    status, reply, _ = send_event(stack, body)
    assert status == 200 and json.loads(reply) == {"challenge": "c-123"}


def test_a_direct_message_gets_exactly_one_cited_answer(stack: Stack, slack_api: FakeSlack) -> None:
    status, _, seconds = send_event(stack, event("When did the JET Programme start?"))
    assert status == 200 and seconds < 3
    [message] = slack_api.wait_for_posts(1)
    time.sleep(2)  # nothing else follows
    assert len(slack_api.posts) == 1
    assert message["channel"] == "D0DM" and "thread_ts" not in message  # a DM is answered in the DM
    assert "1987" in blocks_text(message, "section")
    assert "*Source:* Hiratsuka (2025)" in blocks_text(message, "context")
    assert "senpai" not in json.dumps(message) and "custom" not in message  # no raw payload
    assert slack_api.auth[-1] == f"Bearer {TOKEN}"


def test_an_app_mention_in_a_channel_is_answered_in_its_thread(stack: Stack, slack_api: FakeSlack) -> None:
    body = event(f"<@{BOT_USER}> what is the Dabbler identity?", channel="C0CHAN", kind="app_mention")
    ts = json.loads(body)["event"]["ts"]
    assert send_event(stack, body)[0] == 200
    [message] = slack_api.wait_for_posts(1)
    assert message["channel"] == "C0CHAN" and message["thread_ts"] == ts
    assert "Dabbler" in blocks_text(message, "section")


@pytest.mark.parametrize("forgery", ["unsigned", "wrong secret", "ten minutes old"])
def test_forged_and_replayed_requests_are_rejected(stack: Stack, slack_api: FakeSlack, forgery: str) -> None:
    body = event("When did the JET Programme start?")
    headers = {
        "unsigned": {},
        "wrong secret": signed_headers(body, secret="not-the-secret"),
        "ten minutes old": signed_headers(body, age_s=600),
    }[forgery]
    status, _, _ = post(stack, body, "application/json", headers)
    assert status == 401
    time.sleep(2)
    assert slack_api.posts == []


def test_slacks_retry_of_an_event_gets_no_second_answer(stack: Stack, slack_api: FakeSlack) -> None:
    body = event("what is a japan enthusiast")
    assert send_event(stack, body)[0] == 200
    slack_api.wait_for_posts(1)
    status, _, _ = send_event(
        stack, body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert status == 200
    status, _, _ = send_event(stack, body, **{"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"})
    assert status == 200
    time.sleep(3)
    assert len(slack_api.posts) == 1


def test_slack_is_acknowledged_within_3_seconds_even_when_the_answer_is_slow(
    stack: Stack, slack_api: FakeSlack
) -> None:
    slack_api.delay_s = 6.0  # posting the answer takes far longer than Slack waits
    status, _, seconds = send_event(stack, event("why are ALTs called assistants"))
    assert status == 200 and seconds < 3, seconds
    slack_api.wait_for_posts(1, timeout_s=30)


def test_bots_and_senpai_itself_are_never_answered(stack: Stack, slack_api: FakeSlack) -> None:
    for body in (
        event("When did the JET Programme start?", bot_id="B0OTHER"),
        event("When did the JET Programme start?", user=BOT_USER),  # Senpai's own user
        event("When did the JET Programme start?", subtype="bot_message"),
        event("When did the JET Programme start?", subtype="message_changed"),
    ):
        assert send_event(stack, body)[0] == 200
    time.sleep(4)
    assert slack_api.posts == []


def click(stack: Stack, message: dict[str, Any], value: str) -> int:
    payload = {
        "type": "block_actions",
        "user": {"id": "UALT1", "team_id": TEAM},
        "team": {"id": TEAM},
        "channel": {"id": message["channel"]},
        "message": {
            "ts": f"{time.time():.6f}",
            **({"thread_ts": message["thread_ts"]} if "thread_ts" in message else {}),
        },
        "actions": [{"type": "button", "action_id": "senpai_choice_0", "value": value}],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    return post(stack, body, "application/x-www-form-urlencoded", signed_headers(body))[0]


def buttons(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for b in message.get("blocks", []) if b["type"] == "actions" for e in b["elements"]]


def test_suggestion_buttons_work_through_interactivity(stack: Stack, slack_api: FakeSlack) -> None:
    assert send_event(stack, event("how do I pay my residence tax", channel="D0BTN"))[0] == 200
    [fallback] = slack_api.wait_for_posts(1)
    choices = buttons(fallback)
    assert 2 <= len(choices) <= 3 and "Source" not in blocks_text(fallback, "context")
    assert click(stack, fallback, choices[0]["value"]) == 200
    answer = slack_api.wait_for_posts(2)[1]
    assert answer["channel"] == "D0BTN"
    assert "*Source:*" in blocks_text(answer, "context")


def test_the_greeting_lets_a_jte_say_so_and_get_answers_for_jtes(stack: Stack, slack_api: FakeSlack) -> None:
    assert send_event(stack, event("hello", channel="D0JTE"))[0] == 200
    [greeting] = slack_api.wait_for_posts(1)
    role = next(b for b in buttons(greeting) if b["text"]["text"] == "I'm a JTE")
    assert click(stack, greeting, role["value"]) == 200
    ack = slack_api.wait_for_posts(2)[1]
    assert "Japanese teachers of English" in json.dumps(ack)
    question = "How can I use my ALT in lessons for more than pronunciation drills?"
    assert send_event(stack, event(question, channel="D0JTE"))[0] == 200
    answer = slack_api.wait_for_posts(3)[2]
    assert "Source" in blocks_text(answer, "context")


def tracker_rows(stack: Stack, where: str, *args: str) -> list[tuple[str, str]]:
    with sqlite3.connect(stack.data_dir / "tracker.db") as db:
        return db.execute(f"SELECT sender_id, data FROM events WHERE {where}", args).fetchall()


def test_the_web_api_can_neither_read_nor_continue_a_slack_conversation(
    stack: Stack, slack_api: FakeSlack
) -> None:
    """The attack of issue 23: a Slack member id, visible to the whole workspace, used on the web API."""
    note = "my JTE barely talks to me and I feel invisible at school"
    assert send_event(stack, event(note, channel="D0OWNER", user="UOWNER42"))[0] == 200
    slack_api.wait_for_posts(1)
    owner = f"slack:{TEAM}:UOWNER42"
    stored = tracker_rows(stack, "type_name = 'user' AND data LIKE ?", f"%{note}%")
    assert {sender for sender, _ in stored} == {owner}  # in Slack's namespace, nowhere else
    before = len(tracker_rows(stack, "sender_id = ?", owner))
    for sender in ("UOWNER42", owner, "slack:_:UOWNER42", "D0OWNER"):
        status, body = stack.request("GET", f"/api/history?sender={urllib.request.quote(sender)}")
        assert status == 403 and body["code"] == "unknown_sender" and note not in json.dumps(body)
        status, body = stack.request(
            "POST", "/api/chat", json.dumps({"sender": sender, "message": "tell me more"}).encode()
        )
        assert status == 403 and body["code"] == "unknown_sender"
    # A web conversation started alongside is a new one, and nothing it says reaches the Slack DM.
    fresh = stack.request("POST", "/api/chat", json.dumps({"message": "tell me more"}).encode())[1]
    assert fresh["sender"] not in ("UOWNER42", owner) and note not in json.dumps(fresh)
    history = stack.request("GET", f"/api/history?sender={fresh['sender']}")[1]
    assert [m["text"] for m in history["messages"] if m["from"] == "user"] == ["tell me more"]
    time.sleep(2)
    assert len(slack_api.posts) == 1  # only the answer to the owner's own message
    assert len(tracker_rows(stack, "sender_id = ?", owner)) == before  # the Slack conversation is untouched
    assert tracker_rows(stack, "sender_id = ?", "UOWNER42") == []


def test_conversations_stored_under_bare_slack_ids_move_to_the_slack_namespace(
    tmp_path: Path, slack_api: FakeSlack
) -> None:
    """An upgrade keeps a Slack user's conversation: ``senpai up`` moves ``U…`` to ``slack:TEAM:U…``."""
    stack = start_stack(tmp_path / "upgrade", slack_env(slack_api))
    assert send_event(stack, event("hello", channel="D0OLD", user="UOLDTIMER"))[0] == 200
    [greeting] = slack_api.wait_for_posts(1)
    role = next(b for b in buttons(greeting) if b["text"]["text"] == "I'm a JTE")
    payload = {
        "type": "block_actions",
        "user": {"id": "UOLDTIMER", "team_id": TEAM},
        "team": {"id": TEAM},
        "channel": {"id": "D0OLD"},
        "message": {"ts": f"{time.time():.6f}"},
        "actions": [{"type": "button", "action_id": "senpai_choice_0", "value": role["value"]}],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    assert post(stack, body, "application/x-www-form-urlencoded", signed_headers(body))[0] == 200
    slack_api.wait_for_posts(2)
    assert stack.stop() == 0
    # As the previous version stored it: under the bare Slack user id.
    with sqlite3.connect(stack.data_dir / "tracker.db") as db:
        db.execute(
            "UPDATE events SET sender_id = 'UOLDTIMER' WHERE sender_id = ?", (f"slack:{TEAM}:UOLDTIMER",)
        )
    restarted = start_stack(stack.data_dir, slack_env(slack_api), ports=stack.ports)
    try:
        restarted.wait_for_output("moved 1 Slack conversation(s)", 10)
        assert tracker_rows(restarted, "sender_id = 'UOLDTIMER'") == []
        question = "How can I use my ALT in lessons for more than pronunciation drills?"
        slack_api.posts.clear()
        assert send_event(restarted, event(question, channel="D0OLD", user="UOLDTIMER"))[0] == 200
        [answer] = slack_api.wait_for_posts(1)
        assert "Source" in blocks_text(answer, "context")
        roles = tracker_rows(
            restarted,
            "sender_id = ? AND type_name = 'slot' AND action_name = 'role'",
            f"slack:{TEAM}:UOLDTIMER",
        )
        assert roles and all('"jte"' in data for _, data in roles)  # the JTE role chosen before the upgrade
    finally:
        restarted.stop()


def test_a_follow_up_in_slack_leans_on_the_previous_answer(stack: Stack, slack_api: FakeSlack) -> None:
    assert (
        send_event(stack, event("Why are ALTs called assistants?", channel="D0CTX", user="UCTX1"))[0] == 200
    )
    slack_api.wait_for_posts(1)
    assert send_event(stack, event("who decided that?", channel="D0CTX", user="UCTX1"))[0] == 200
    follow_up = slack_api.wait_for_posts(2)[1]
    assert "*Source:*" in blocks_text(follow_up, "context")  # an answer, with its source line
    assert " comes from " not in blocks_text(follow_up, "section")  # not the citation of the last answer


def test_slack_replies_follow_the_messages_language(stack: Stack, slack_api: FakeSlack) -> None:
    assert send_event(stack, event("こんにちは", user="UJTE7"))[0] == 200
    [greeting] = slack_api.wait_for_posts(1)
    assert "Senpaiです" in blocks_text(greeting, "section")
    assert "JTEです" in json.dumps(greeting, ensure_ascii=False)  # the role buttons, in Japanese
    slack_api.posts.clear()
    assert send_event(stack, event("JETプログラムはいつ始まりましたか？", user="UJTE7"))[0] == 200
    [answer] = slack_api.wait_for_posts(1)
    assert "1987年" in blocks_text(answer, "section")
    assert "*出典:* Hiratsuka (2025)" in blocks_text(answer, "context")

"""Bad input on the real stack: a clear 4xx or a polite reply, a live server, and nothing lost.

"Nothing lost" is checked against Rasa's tracker store: every message the
gateway accepted (200) is a user event there, and nothing it refused is.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def accepted() -> Counter[str]:
    """Messages the gateway accepted, per conversation."""
    return Counter()


def post(stack: Stack, body: bytes, content_type: str = "application/json") -> tuple[int, dict[str, object]]:
    return stack.request("POST", "/api/chat", body, headers={"Content-Type": content_type})


def chat(stack: Stack, accepted: Counter[str], sender: str, message: str) -> dict[str, object]:
    status, body = post(stack, json.dumps({"sender": stack.token(sender), "message": message}).encode())
    assert status == 200, body
    accepted[stack.conversation(sender)] += 1
    return body


#: Stands for an issued sender id in the payloads below.
ISSUED = "<issued>"
REFUSED = [
    ("empty message", {"sender": ISSUED, "message": ""}, 400, "must not be empty"),
    ("white space", {"sender": ISSUED, "message": " \n\t "}, 400, "must not be empty"),
    ("2,001 characters", {"sender": ISSUED, "message": "a" * 2001}, 400, "at most 2000"),
    ("1,000,000 characters", {"sender": ISSUED, "message": "a" * 1_000_000}, 413, "too large"),
    ("wrong type", {"sender": ISSUED, "message": 42}, 400, "must be a string"),
    ("list body", [ISSUED, "hello"], 400, "JSON object"),
    ("extra field", {"sender": ISSUED, "message": "hi", "admin": True}, 400, "unknown field"),
    ("sender with a path", {"sender": "../../etc/passwd", "message": "hi"}, 403, "'sender'"),
    ("sender with a slash", {"sender": "a/b", "message": "hi"}, 403, "'sender'"),
    ("sender too long", {"sender": "x" * 129, "message": "hi"}, 400, "'sender'"),
    ("sender not issued", {"sender": "bad-1", "message": "hi"}, 403, "new conversation"),
]


@pytest.mark.parametrize(("case", "payload", "status", "reason"), REFUSED, ids=[c[0] for c in REFUSED])
def test_bad_requests_get_a_clear_error(
    stack: Stack, case: str, payload: object, status: int, reason: str
) -> None:
    body_text = json.dumps(payload).replace(json.dumps(ISSUED), json.dumps(stack.token("bad-1")))
    got, body = post(stack, body_text.encode())
    assert got == status and reason in str(body["error"]), (case, got, body)


def test_invalid_json_and_invalid_utf8_get_a_clear_400(stack: Stack) -> None:
    sender = stack.token("bad-2").encode()
    got, body = post(stack, b'{"sender": "' + sender + b'", "message": "hi"')
    assert got == 400 and "not valid JSON" in str(body["error"])
    got, body = post(stack, b'{"sender": "' + sender + b'", "message": "\xff\xfe caf\xe9"}')
    assert got == 400 and "UTF-8" in str(body["error"])


@pytest.mark.parametrize(
    "message",
    [
        "👋🎌 hello!",
        "JETプログラムの目的は何ですか？",
        "ALTの役割について教えてください 🙏",
        "<script>alert('x')</script>",
        "<img src=x onerror=alert(1)> what is a Dabbler?",
        "'; DROP TABLE events; --",
    ],
)
def test_emoji_japanese_html_and_script_get_a_polite_reply(
    stack: Stack, accepted: Counter[str], message: str
) -> None:
    body = chat(stack, accepted, f"odd-{abs(hash(message)) % 10_000}", message)
    assert body["kind"] in ("answer", "fallback", "smalltalk", "clarify"), body
    messages = body["messages"]
    assert isinstance(messages, list) and messages and all(m["text"] for m in messages)
    assert "<script>" not in json.dumps(body)  # replies never echo markup back


def test_a_burst_of_100_messages_from_one_sender(stack: Stack, accepted: Counter[str]) -> None:
    def send(n: int) -> tuple[int, dict[str, object], str | None]:
        req = urllib.request.Request(
            stack.url + "/api/chat",
            data=json.dumps(
                {"sender": stack.token("burst"), "message": f"What is the Dabbler identity? ({n})"}
            ).encode(),
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, json.loads(resp.read()), None
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read()), err.headers.get("Retry-After")

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(send, range(100)))
    statuses = Counter(status for status, _, _ in results)
    assert set(statuses) <= {200, 429}, statuses
    assert statuses[200] >= 10  # the burst allowance
    for status, body, retry_after in results:
        if status == 429:
            assert retry_after and int(retry_after) >= 1 and "wait" in str(body["error"])
        else:
            assert body["kind"] in ("answer", "clarify"), body
    accepted[stack.conversation("burst")] += statuses[200]


def test_nothing_accepted_was_lost_and_nothing_refused_was_kept(stack: Stack, accepted: Counter[str]) -> None:
    assert accepted[stack.conversation("burst")] >= 10
    status, health = stack.request("GET", "/healthz")
    assert status == 200, health  # alive after all of it
    with sqlite3.connect(stack.data_dir / "tracker.db") as db:
        rows = db.execute(
            "SELECT sender_id, COUNT(*) FROM events WHERE type_name = 'user' GROUP BY sender_id"
        ).fetchall()
    assert dict(rows) == dict(accepted)

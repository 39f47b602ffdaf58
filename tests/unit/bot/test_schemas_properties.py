"""Property-based tests of /api/chat's request schema (hypothesis), on a real gateway.

The gateway runs in a background thread in front of the fake Rasa; hypothesis
throws arbitrary JSON, arbitrary bytes and arbitrary valid requests at it.
Whatever arrives: never a 5xx, an error a client can read, and every
accepted message forwarded to Rasa exactly once, unchanged but for trimmed
white space, into the conversation its sender id was issued for (or a new
one when there is none), and never anywhere else.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import create_app
from bot.schemas import MAX_MESSAGE_CHARS
from settings import Settings
from tests.servers import ThreadedServers
from tests.unit.fakes import KEYS, SENDER_SECRET, FakeRasa


class Gateway:
    """A gateway in front of the fake Rasa, served from a background thread."""

    def __init__(self, data_dir: Path) -> None:
        self.rasa = FakeRasa()
        self.rasa.reply = [{"text": "ok"}]
        self.servers = ThreadedServers()
        rasa_port = self.servers.start(self.rasa.app)
        self.rasa.url = f"http://127.0.0.1:{rasa_port}"
        settings = Settings(
            rasa_urls=(self.rasa.url,),
            action_url=self.rasa.url,
            data_dir=data_dir,
            sender_secret=SENDER_SECRET,
            rate_sender_per_min=1_000_000,
            rate_ip_per_min=1_000_000,
        )
        self.port = self.servers.start(lambda: create_app(settings))

    def post(self, body: bytes) -> tuple[int, dict[str, Any]]:
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/chat",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    running = Gateway(tmp_path_factory.mktemp("gateway"))
    yield running
    running.servers.close()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
#: Ids the gateway issued (a new one per example: the conversation each names is known).
SENDERS = st.builds(KEYS.issue)
MESSAGES = st.text(min_size=1, max_size=MAX_MESSAGE_CHARS).filter(lambda m: bool(m.strip()))
NEAR_VALID = st.fixed_dictionaries(
    {"sender": SENDERS | st.text(max_size=70) | JSON, "message": st.text(max_size=2100) | JSON},
    optional={"extra": JSON},
)
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def forwarded_once(gateway: Gateway, before: int, sender: str, message: str) -> None:
    assert len(gateway.rasa.received) == before + 1
    assert gateway.rasa.received[-1] == {"sender": KEYS.conversation(sender), "message": message.strip()}


@pytest.mark.parametrize(
    "sender", ["alt\n", "alt\r\n", "../x", "a b", KEYS.issue() + "\n", " " + KEYS.issue()]
)
def test_sender_ids_are_matched_whole(gateway: Gateway, sender: str) -> None:
    status, body = gateway.post(json.dumps({"sender": sender, "message": "hi"}).encode())
    assert status == 403 and "'sender'" in body["error"]


@SETTINGS
@given(payload=JSON | NEAR_VALID)
def test_any_json_gets_200_or_a_readable_4xx(gateway: Gateway, payload: Any) -> None:
    """Arbitrary senders never reach a conversation: refused, or (with none) a brand-new one."""
    before = len(gateway.rasa.received)
    status, body = gateway.post(json.dumps(payload).encode())
    assert status in (200, 400, 403), (status, body)
    if status != 200:
        assert isinstance(body["error"], str) and body["error"]
        assert len(gateway.rasa.received) == before  # nothing refused reaches Rasa
    else:
        assert isinstance(payload, dict) and set(payload) - {"sender"} == {"message"}
        assert payload.get("sender") in (None, body["sender"])
        forwarded_once(gateway, before, body["sender"], payload["message"])
        assert body["kind"] == "smalltalk" and body["messages"][0]["text"] == "ok"


@SETTINGS
@given(raw=st.binary(max_size=20_000))
def test_any_bytes_never_break_the_gateway(gateway: Gateway, raw: bytes) -> None:
    status, body = gateway.post(raw)
    assert status in (200, 400, 403, 413), (status, body)
    if status != 200:
        assert isinstance(body["error"], str)


@SETTINGS
@given(sender=SENDERS, message=MESSAGES)
def test_every_valid_request_is_forwarded_exactly_once(gateway: Gateway, sender: str, message: str) -> None:
    before = len(gateway.rasa.received)
    status, body = gateway.post(json.dumps({"sender": sender, "message": message}).encode())
    assert status == 200, body
    forwarded_once(gateway, before, sender, message)

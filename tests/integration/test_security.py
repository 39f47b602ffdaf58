"""Security on the real stack: local-only listeners, token-guarded services, no secret in logs or argv."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import slack_events
from tests.integration.conftest import Stack, start_stack

pytestmark = pytest.mark.integration

SECRETS = {
    "SENPAI_RASA_TOKEN": "rasa-token-5d1f0c2b9e",
    "SENPAI_ACTION_TOKEN": "action-token-8a7b6c5d4e",
    "SLACK_BOT_TOKEN": "xoxb-secret-bot-token-31337",
    "SLACK_SIGNING_SECRET": "slack-signing-secret-4242",
    "SENPAI_SENDER_SECRET": "sender-secret-0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    "SLACK_API_URL": "http://127.0.0.1:9/api/",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("security"), SECRETS)
    try:
        yield running
    finally:
        running.stop()


def status_of(url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> int:
    req = urllib.request.Request(url, data=body, headers=headers or {}, method="POST" if body else "GET")
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return err.code


def listening_addresses() -> dict[int, str]:
    """Port -> local address of every listening TCP socket (from /proc/net/tcp*)."""
    found: dict[int, str] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] != "0A":  # LISTEN
                continue
            address, port = fields[1].rsplit(":", 1)
            found[int(port, 16)] = address
    return found


def test_every_service_listens_on_loopback_only(stack: Stack) -> None:
    addresses = listening_addresses()
    for name, port in stack.ports.items():
        assert port in addresses, f"{name} is not listening on {port}"
        assert addresses[port] in ("0100007F", "00000000000000000000000001000000"), (name, addresses[port])


def test_the_action_server_only_runs_actions_for_rasa(stack: Stack) -> None:
    webhook = f"http://127.0.0.1:{stack.ports['actions']}/webhook"
    call = json.dumps({"next_action": "action_answer", "tracker": {"sender_id": "x"}, "domain": {}}).encode()
    json_headers = {"Content-Type": "application/json"}
    assert status_of(webhook, call, json_headers) == 401
    assert status_of(webhook, call, {**json_headers, "X-Senpai-Action-Token": "guess"}) == 401
    assert status_of(f"http://127.0.0.1:{stack.ports['actions']}/health") == 200
    assert stack.chat("sec-ok", "When did the JET Programme start?")["kind"] == "answer"  # Rasa has it


def test_only_the_gateway_may_ask_for_an_early_embedding(stack: Stack) -> None:
    prefetch = f"http://127.0.0.1:{stack.ports['actions']}/prefetch"
    body = json.dumps({"text": "What is the Dabbler identity?"}).encode()
    json_headers = {"Content-Type": "application/json"}
    assert status_of(prefetch, body, json_headers) == 401
    assert status_of(prefetch, body, {**json_headers, "X-Senpai-Action-Token": "guess"}) == 401
    token = {**json_headers, "X-Senpai-Action-Token": SECRETS["SENPAI_ACTION_TOKEN"]}
    assert status_of(prefetch, body, token) == 202
    assert status_of(prefetch, b'{"text": 5}', token) == 400
    assert status_of(prefetch, b'{"text": "why?", "sender": 5}', token) == 400
    assert status_of(prefetch, b"not json", token) == 400


def test_rasas_http_api_needs_the_token(stack: Stack) -> None:
    tracker = f"http://127.0.0.1:{stack.ports['rasa']}/conversations/sec-ok/tracker"
    assert status_of(tracker) in (401, 403)
    assert status_of(tracker + "?token=wrong") in (401, 403)
    assert status_of(f"{tracker}?token={SECRETS['SENPAI_RASA_TOKEN']}") == 200


def test_no_secret_appears_in_logs_or_on_any_command_line(stack: Stack) -> None:
    # Exercise what might log: a chat, history, a refused action call, a forged and a real Slack request.
    stack.chat("sec-log", "What is the Dabbler identity?")
    stack.request("GET", f"/api/history?sender={stack.token('sec-log')}")
    body = b'{"type": "event_callback", "event_id": "Ev1", "event": {"type": "message"}}'
    forged = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": "1",
        "X-Slack-Signature": "v0=x",
    }
    assert stack.request("POST", "/webhooks/slack/webhook", body, forged)[0] == 401
    now = str(int(time.time()))
    signed = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": now,
        "X-Slack-Signature": slack_events.signature(SECRETS["SLACK_SIGNING_SECRET"], now, body),
    }
    assert stack.request("POST", "/webhooks/slack/webhook", body, signed)[0] == 200
    output = stack.output()
    for name, value in SECRETS.items():
        if name != "SLACK_API_URL":
            assert value not in output, f"{name} appears in the logs"
    for child in ("actions", "rasa", "gateway"):
        argv = Path(f"/proc/{stack.pid_of(child)}/cmdline").read_bytes().decode(errors="replace")
        for name, value in SECRETS.items():
            if name != "SLACK_API_URL":
                assert value not in argv, f"{name} is on {child}'s command line"

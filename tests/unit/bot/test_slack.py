"""The gateway's Slack webhook: signatures, challenges, retries, and failing over to Slack's retry."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

import pytest
from aiohttp import web

from bot import slack_events
from bot.app import create_app
from settings import Settings
from tests.unit.fakes import Client, FakeRasa

SECRET = "test-signing-secret"


@pytest.fixture
async def slack_client(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]], settings: Settings
) -> Client:
    return await aiohttp_client(
        create_app(settings.with_overrides(slack_bot_token="xoxb-test", slack_signing_secret=SECRET))
    )


def signed(body: bytes, *, age_s: float = 0, secret: str = SECRET, **extra: str) -> dict[str, str]:
    timestamp = str(int(time.time() - age_s))
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": slack_events.signature(secret, timestamp, body),
        **extra,
    }


def event_body(text: str = "When did JET start?", event_id: str | None = None) -> bytes:
    return json.dumps(
        {
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10]}",
            "event": {"type": "message", "channel_type": "im", "user": "U1", "text": text, "ts": "1.0"},
        }
    ).encode()


async def post_event(client: Client, body: bytes, **headers: str) -> tuple[int, dict[str, object]]:
    resp = await client.post(
        "/webhooks/slack/webhook", data=body, headers={"Content-Type": "application/json", **headers}
    )
    return resp.status, await resp.json()


async def test_signed_event_is_forwarded_with_its_signature(
    slack_client: Client, fake_rasa: FakeRasa
) -> None:
    body = event_body()
    sent = signed(body)
    status, reply = await post_event(slack_client, body, **sent)
    assert (status, reply) == (200, {"status": "ok"})
    [(headers, forwarded)] = fake_rasa.slack_received
    assert forwarded == body
    assert headers["X-Slack-Signature"] == sent["X-Slack-Signature"]  # Rasa verifies it again
    assert headers["X-Slack-Request-Timestamp"] == sent["X-Slack-Request-Timestamp"]


@pytest.mark.parametrize(
    "headers",
    [
        {},  # unsigned
        {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64},
        "wrong-secret",
        "ten-minutes-old",
    ],
)
async def test_unsigned_forged_or_replayed_requests_are_refused(
    slack_client: Client, fake_rasa: FakeRasa, headers: dict[str, str] | str
) -> None:
    body = event_body()
    if headers == "wrong-secret":
        headers = signed(body, secret="not-the-secret")
    elif headers == "ten-minutes-old":
        headers = signed(body, age_s=600)
    assert isinstance(headers, dict)
    status, reply = await post_event(slack_client, body, **headers)
    assert status == 401 and "not a valid Slack request" in str(reply["error"])
    assert fake_rasa.slack_received == []


async def test_url_verification_is_answered(slack_client: Client, fake_rasa: FakeRasa) -> None:
    body = json.dumps(
        {"type": "url_verification", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}
    ).encode()
    status, reply = await post_event(slack_client, body, **signed(body))
    assert (status, reply) == (200, {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})
    assert fake_rasa.slack_received == []


async def test_retries_of_a_delivered_event_are_not_forwarded_again(
    slack_client: Client, fake_rasa: FakeRasa
) -> None:
    body = event_body(event_id="Ev-retry-1")
    assert (await post_event(slack_client, body, **signed(body)))[0] == 200
    retry = signed(body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"})
    resp = await slack_client.post(
        "/webhooks/slack/webhook", data=body, headers={"Content-Type": "application/json", **retry}
    )
    assert resp.status == 200 and resp.headers["X-Slack-No-Retry"] == "1"
    assert len(fake_rasa.slack_received) == 1


async def test_an_event_rasa_could_not_take_is_delivered_by_slacks_retry(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]], settings: Settings, fake_rasa: FakeRasa
) -> None:
    down = settings.with_overrides(
        rasa_urls=("http://127.0.0.1:9",), slack_bot_token="xoxb-test", slack_signing_secret=SECRET
    )
    client = await aiohttp_client(create_app(down))
    body = event_body(event_id="Ev-down-1")
    status, _ = await post_event(client, body, **signed(body))
    assert status == 503  # Slack will retry
    up = await aiohttp_client(create_app(down.with_overrides(rasa_urls=(fake_rasa.url,))))
    retry = signed(body, **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_error"})
    status, _ = await post_event(up, body, **retry)
    assert status == 200
    [(headers, _)] = fake_rasa.slack_received
    assert "X-Slack-Retry-Num" not in headers  # Rasa takes it as a first delivery


async def test_a_failed_delivery_releases_the_event_in_the_same_gateway(
    slack_client: Client, fake_rasa: FakeRasa
) -> None:
    fake_rasa.status = 500
    body = event_body(event_id="Ev-500")
    assert (await post_event(slack_client, body, **signed(body)))[0] == 503
    fake_rasa.status = 200
    assert (await post_event(slack_client, body, **signed(body, **{"X-Slack-Retry-Num": "1"})))[0] == 200
    assert len(fake_rasa.slack_received) == 2


async def test_button_clicks_are_forwarded(slack_client: Client, fake_rasa: FakeRasa) -> None:
    payload = {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"type": "button", "value": "x"}]}
    body = urlencode({"payload": json.dumps(payload)}).encode()
    resp = await slack_client.post(
        "/webhooks/slack/webhook",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded", **signed(body)},
    )
    assert resp.status == 200
    assert fake_rasa.slack_received[0][1] == body


async def test_slack_is_off_without_its_secrets(client: Client, fake_rasa: FakeRasa) -> None:
    body = event_body()
    status, reply = await post_event(client, body, **signed(body))
    assert status == 404 and "not configured" in str(reply["error"])
    assert fake_rasa.slack_received == []


def test_verify_checks_age_and_signature() -> None:
    body = b'{"a": 1}'
    now = 1_700_000_000.0
    good = slack_events.signature(SECRET, str(int(now)), body)
    assert slack_events.verify(SECRET, str(int(now)), good, body, now=lambda: now) is None
    assert (
        slack_events.verify(SECRET, str(int(now)), good, body + b" ", now=lambda: now)
        == "signature does not match"
    )
    assert "five minutes" in str(
        slack_events.verify(SECRET, str(int(now)), good, body, now=lambda: now + 301)
    )
    assert "missing" in str(slack_events.verify(SECRET, None, good, body))
    assert "not a number" in str(slack_events.verify(SECRET, "soon", good, body))


async def test_memory_ledger_claims_once_and_forgets_after_its_ttl() -> None:
    clock = [0.0]
    ledger = slack_events.MemoryLedger(ttl_s=10, clock=lambda: clock[0])
    assert await ledger.claim("a") and not await ledger.claim("a")
    await ledger.release("a")
    assert await ledger.claim("a")
    clock[0] = 11
    assert await ledger.claim("a")


async def test_redis_ledger_is_shared_by_every_gateway() -> None:
    redis = pytest.importorskip("redis.asyncio")
    url = "redis://127.0.0.1:6379/15"
    try:
        probe = redis.Redis.from_url(url, socket_connect_timeout=1)
        await probe.ping()
        await probe.aclose()
    except OSError as exc:
        pytest.skip(f"no Redis on 127.0.0.1:6379 ({exc})")
    except redis.RedisError as exc:
        pytest.skip(f"no Redis on 127.0.0.1:6379 ({exc})")
    first, second = slack_events.RedisLedger(url, ttl_s=60), slack_events.RedisLedger(url, ttl_s=60)
    event = f"Ev-{uuid.uuid4().hex}"
    try:
        assert await first.claim(event)
        assert not await second.claim(event)
        await second.release(event)
        assert await first.claim(event)
    finally:
        await first.release(event)
        await first.close()
        await second.close()


def test_the_sender_of_a_slack_request_is_its_user() -> None:
    assert slack_events.sender_of({"type": "event_callback", "event": {"user": "U1", "text": "hi"}}) == "U1"
    assert slack_events.sender_of({"type": "block_actions", "user": {"id": "U2"}}) == "U2"
    assert slack_events.sender_of({"type": "event_callback", "event": {"bot_id": "B1"}}) is None
    assert slack_events.sender_of({}) is None

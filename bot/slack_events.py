"""Slack's side of the gateway: verify, deduplicate and acknowledge Slack's requests.

Slack posts events and button clicks to ``/webhooks/slack/webhook`` on the
gateway, the same public address as the widget. For each request the
gateway:

1. verifies Slack's signature (HMAC-SHA256 of ``v0:timestamp:body`` with the
   signing secret) and rejects requests more than five minutes old;
2. answers ``url_verification`` challenges itself;
3. claims the event's ``event_id`` in an :class:`EventLedger`, so a retry of an
   event that was already delivered is acknowledged without a second answer;
4. forwards the first delivery to Rasa's Slack channel (which answers in the
   background), without Slack's retry headers, and acknowledges Slack at once.

If Rasa cannot take the event, the claim is released and Slack gets a 503, so
its own retry delivers the event later: nothing is answered twice, nothing
is dropped.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import parse_qs

from bot.schemas import ValidationError, parse_json

#: Slack rejects nothing older than this; neither do we accept it.
MAX_AGE_S = 5 * 60
#: How long a delivered event id is remembered (Slack retries within minutes).
LEDGER_TTL_S = 60 * 60
#: Headers Rasa's Slack channel needs to verify the request again.
FORWARDED_HEADERS = ("Content-Type", "X-Slack-Signature", "X-Slack-Request-Timestamp")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Return Slack's ``v0=`` signature of a request body."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    timestamp: str | None,
    sig: str | None,
    body: bytes,
    now: Callable[[], float] = time.time,
) -> str | None:
    """Check a request's signature and age.

    Returns:
        ``None`` if the request is authentic and fresh, else why it is not.
    """
    if not timestamp or not sig:
        return "missing X-Slack-Signature or X-Slack-Request-Timestamp"
    try:
        sent = int(timestamp)
    except ValueError:
        return "X-Slack-Request-Timestamp is not a number"
    if abs(now() - sent) > MAX_AGE_S:
        return "request is older than five minutes (possible replay)"
    if not hmac.compare_digest(signature(secret, timestamp, body), sig):
        return "signature does not match"
    return None


def parse(content_type: str, body: bytes) -> dict[str, Any]:
    """Decode an Events API (JSON) or interactivity (form with ``payload``) body.

    Returns:
        The decoded object, or ``{}`` for a body of another content type.

    Raises:
        ValidationError: If a JSON or form body can't be decoded (not JSON, not
            UTF-8, no ``payload`` field, or JSON the parser can't take).
    """
    try:
        if content_type == "application/json":
            data = parse_json(body)
        elif content_type == "application/x-www-form-urlencoded":
            data = parse_json(parse_qs(body.decode("utf-8", "strict"))["payload"][0])
        else:
            return {}
    except (KeyError, IndexError, UnicodeDecodeError) as exc:
        raise ValidationError("a Slack form body needs a 'payload' field of JSON") from exc
    return data if isinstance(data, dict) else {}


def sender_of(payload: dict[str, Any]) -> str | None:
    """The Slack user a request speaks for: Rasa's Slack channel uses it as the conversation's sender."""
    event = payload.get("event")
    user = event.get("user") if isinstance(event, dict) else None
    if user is None and isinstance(payload.get("user"), dict):
        user = payload["user"].get("id")
    return user if isinstance(user, str) and user else None


class EventLedger(Protocol):
    """Remembers which Slack events were delivered, across retries."""

    async def claim(self, event_id: str) -> bool:
        """Mark an event as being delivered; False if it already was."""
        ...

    async def release(self, event_id: str) -> None:
        """Forget a claim whose delivery failed, so a retry can deliver it."""
        ...

    async def close(self) -> None:
        """Release resources."""
        ...


class MemoryLedger:
    """An :class:`EventLedger` for one gateway process (the embedded profile)."""

    def __init__(self, ttl_s: float = LEDGER_TTL_S, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl_s
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()

    async def claim(self, event_id: str) -> bool:
        """Claim an event id; False if it was claimed within the time-to-live."""
        now = self._clock()
        while self._seen and next(iter(self._seen.values())) < now - self._ttl:
            self._seen.popitem(last=False)
        if event_id in self._seen:
            return False
        self._seen[event_id] = now
        return True

    async def release(self, event_id: str) -> None:
        """Forget an event id."""
        self._seen.pop(event_id, None)

    async def close(self) -> None:
        """Nothing to release."""


class RedisLedger:
    """An :class:`EventLedger` shared by every gateway (the production profile)."""

    def __init__(self, url: str, ttl_s: float = LEDGER_TTL_S) -> None:
        from redis.asyncio import Redis

        self._redis = Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._ttl = int(ttl_s)

    @staticmethod
    def _key(event_id: str) -> str:
        return f"senpai:slack:event:{event_id}"

    async def claim(self, event_id: str) -> bool:
        """Claim atomically with ``SET NX EX``."""
        return bool(await self._redis.set(self._key(event_id), b"1", nx=True, ex=self._ttl))

    async def release(self, event_id: str) -> None:
        """Delete the claim."""
        await self._redis.delete(self._key(event_id))

    async def close(self) -> None:
        """Close the connection pool."""
        await self._redis.aclose()

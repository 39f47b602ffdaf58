"""Talking to Rasa and the action server, and shaping Rasa's replies for the API."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.gateway_texts import NO_REPLY
from contracts import logs
from contracts.reply import ERROR, SMALLTALK, kind_of, lang_of, message_id, meta_of, role_of
from settings import rasa_replica_names

#: How long a replica that failed is tried only after the others.
REPLICA_BACKOFF_S = 5.0
#: How many senders' replicas a sticky client remembers (least recently seen forgotten first).
MAX_PINNED_SENDERS = 100_000


class RasaUnavailable(RuntimeError):
    """Rasa did not answer in time, or answered with an error."""


class RasaClient:
    """Forwards user messages to Rasa over one shared session, spread over the replicas.

    Every replica shares the tracker store, so any replica can serve any turn
    of any conversation. With a shared lock store (the production profile's
    Redis) messages go round robin. Without one (``sticky``: the embedded
    profile, where each replica's lock store is its own memory), each sender
    is pinned to one replica, so that replica's lock still orders that
    sender's messages: its first message goes to the replica with the fewest
    requests in flight, and every later one follows it there. Another replica
    takes over only while its own is down. A replica that refuses the
    connection is skipped (nothing reached it, so trying the next is safe); a
    replica that fails after the message may have been sent is not retried, so
    a message is never processed twice: that one request gets a clear error.
    Either way the replica is set aside for :data:`REPLICA_BACKOFF_S`, so the
    requests after it go to the replicas that work.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        rasa_urls: Sequence[str],
        action_url: str,
        health_timeout_s: float,
        token: str | None = None,
        *,
        sticky: bool = False,
        observe: Callable[[str, str], None] | None = None,
    ) -> None:
        """Set up the client.

        ``observe(replica, outcome)`` is told what became of every call
        (an outcome of :data:`contracts.metrics.RASA_OUTCOMES`).
        """
        if not rasa_urls:
            raise ValueError("at least one Rasa URL is needed")
        self._session = session
        self._replicas = tuple(rasa_urls)
        self._turn = itertools.count()
        self._down_until: dict[str, float] = {}
        self._action_url = action_url
        self._health_timeout = aiohttp.ClientTimeout(total=health_timeout_s)
        self._token = token
        self._sticky = sticky
        self._pinned: OrderedDict[str, str] = OrderedDict()
        self._in_flight = dict.fromkeys(self._replicas, 0)
        self._names = dict(zip(self._replicas, rasa_replica_names(len(self._replicas)), strict=True))
        self._observe = observe or (lambda replica, outcome: None)

    @property
    def replicas(self) -> tuple[str, ...]:
        """The Rasa base URLs, in configuration order."""
        return self._replicas

    def _rotation(self, sender: str | None = None) -> list[str]:
        """The replicas to try for one request, replicas set aside last.

        The first is the sender's own replica when routing is sticky, else the next in turn.
        """
        start = next(self._turn) % len(self._replicas)
        now = time.monotonic()
        aside = {base for base, until in self._down_until.items() if until > now}
        order = sorted([*self._replicas[start:], *self._replicas[:start]], key=lambda base: base in aside)
        if self._sticky and sender is not None:
            home = self._pinned.get(sender)
            if home is None:  # no await since the lookup: a burst of new messages all agree
                home = min(order, key=lambda base: (base in aside, self._in_flight[base]))
                self._pinned[sender] = home
                if len(self._pinned) > MAX_PINNED_SENDERS:
                    self._pinned.popitem(last=False)
            self._pinned.move_to_end(sender)
            if home not in aside:
                order.remove(home)
                order.insert(0, home)
        return order

    def _set_aside(self, base: str) -> None:
        self._down_until[base] = time.monotonic() + REPLICA_BACKOFF_S

    async def _request(
        self,
        method: str,
        path: str,
        client_timeout: aiohttp.ClientTimeout | None = None,
        sender: str | None = None,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        """Send one request to the sender's replica or the next in turn; return its status and body.

        Raises:
            RasaUnavailable: If every replica refuses the connection, or the one
                that took the request fails or times out.
        """
        if client_timeout is not None:  # otherwise the session's own time-outs apply
            kwargs["timeout"] = client_timeout
        kwargs["headers"] = {**kwargs.get("headers", {}), **context_headers()}
        refused = 0
        for base in self._rotation(sender):
            self._in_flight[base] += 1
            name = self._names[base]
            try:
                async with self._session.request(method, f"{base}{path}", **kwargs) as resp:
                    body = await resp.read()
                    self._observe(name, "ok" if resp.status < 500 else "http_error")
                    return resp.status, body
            except aiohttp.ClientConnectorError:
                self._observe(name, "refused")
                self._set_aside(base)
                refused += 1
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
                self._observe(name, "dropped")
                self._set_aside(base)  # it died or dropped us; the message may have reached it
                raise RasaUnavailable(f"Rasa dropped the connection: {type(exc).__name__}") from exc
            except (TimeoutError, aiohttp.ClientError) as exc:
                self._observe(name, "timeout" if isinstance(exc, TimeoutError) else "http_error")
                raise RasaUnavailable(f"Rasa did not answer: {type(exc).__name__}") from exc
            finally:
                self._in_flight[base] -= 1
        raise RasaUnavailable(f"Rasa is unreachable ({refused} replica(s) refused the connection)")

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        """Like :meth:`_request`, for Rasa's JSON APIs: the decoded body of a 200 answer."""
        status, body = await self._request(method, path, **kwargs)
        if status != 200:
            raise RasaUnavailable(f"Rasa answered HTTP {status}")
        try:
            return json.loads(body)
        except ValueError as exc:
            raise RasaUnavailable("Rasa answered with a body that is not JSON") from exc

    async def forward(
        self,
        path: str,
        body: bytes,
        headers: Mapping[str, str],
        timeout_s: float,
        sender: str | None = None,
    ) -> tuple[int, bytes]:
        """Pass a request through to Rasa unchanged (Slack's webhook), with its own time-out.

        ``sender`` is the conversation it belongs to (the Slack user), for sticky routing.
        """
        return await self._request(
            "POST",
            path,
            client_timeout=aiohttp.ClientTimeout(total=timeout_s),
            sender=sender,
            data=body,
            headers={**headers},
        )

    async def events(self, sender: str) -> list[dict[str, Any]]:
        """Return the conversation's events from Rasa's tracker API (needs the token).

        Raises:
            RasaUnavailable: If the API is off, the token is missing or wrong, or Rasa is down.
        """
        if self._token is None:
            raise RasaUnavailable("no Rasa API token is configured (SENPAI_RASA_TOKEN)")
        data = await self._call(
            "GET", f"/conversations/{quote(sender, safe='')}/tracker", params={"token": self._token}
        )
        events = data.get("events") if isinstance(data, dict) else None
        return [e for e in events or [] if isinstance(e, dict)]

    async def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        """Send one user message and return Rasa's bot messages.

        Raises:
            RasaUnavailable: On a connection error, a time-out or a non-200 reply.
        """
        data = await self._call(
            "POST", "/webhooks/rest/webhook", sender=sender, json={"sender": sender, "message": message}
        )
        if not isinstance(data, list):
            raise RasaUnavailable("Rasa answered with an unexpected body")
        return [m for m in data if isinstance(m, dict)]

    async def _up(self, url: str) -> bool:
        try:
            async with self._session.get(url, timeout=self._health_timeout) as resp:
                return resp.status == 200
        except (TimeoutError, aiohttp.ClientError):
            return False

    def replica_name(self, number: int) -> str:
        """Name of the ``number``-th replica (from 0) in health reports."""
        return rasa_replica_names(len(self._replicas))[number]

    async def health(self) -> dict[str, bool]:
        """Check every Rasa replica and the action server concurrently."""
        checks = [self._up(f"{base}/") for base in self._replicas]
        *rasa, actions = await asyncio.gather(*checks, self._up(f"{self._action_url}/health"))
        parts = {self.replica_name(i): up for i, up in enumerate(rasa)}
        parts["actions"] = actions
        return parts


def context_headers() -> dict[str, str]:
    """The headers that carry this request's id and its sender's pseudonym to Rasa."""
    headers = {}
    if (rid := logs.request_id.get()) is not None:
        headers[logs.REQUEST_ID_HEADER] = rid
    if (name := logs.sender.get()) is not None:
        headers[logs.PSEUDONYM_HEADER] = name
    return headers


def with_ids(sender: str, reply: dict[str, Any]) -> dict[str, Any]:
    """Give every message of a shaped reply its id (for feedback)."""
    for message in reply["messages"]:
        message["id"] = message_id(sender, message["text"])
    return reply


def message_ids(sender: str, events: Sequence[dict[str, Any]]) -> set[str]:
    """The ids of every bot message in a conversation (what feedback may rate)."""
    return {m["id"] for m in history(sender, events) if m["from"] == "bot"}


def history(sender: str, events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Turn tracker events into the widget's conversation history.

    User messages that were button payloads for intents (``/inform_role{...}``)
    are left out; bot messages keep their kind, citations and buttons.
    """
    out: list[dict[str, Any]] = []
    for event in events:
        text = event.get("text")
        if event.get("event") == "user" and isinstance(text, str) and not text.startswith("/"):
            out.append({"from": "user", "text": text})
        elif event.get("event") == "bot" and isinstance(text, str):
            data = event.get("data") or {}
            meta = meta_of(data.get("custom") if isinstance(data, dict) else None)
            citations = meta.get("citations")
            message = {
                "from": "bot",
                "text": text,
                "kind": kind_of(meta) or SMALLTALK,
                "citations": citations if isinstance(citations, list) else [],
                "buttons": _buttons(data.get("buttons") if isinstance(data, dict) else None),
            }
            if (role := role_of(meta)) is not None:
                message["role"] = role
            if (lang := lang_of(meta)) is not None:
                message["lang"] = lang
            message["id"] = message_id(sender, text)
            out.append(message)
    return out


def _buttons(raw: Any) -> list[dict[str, str]]:
    if not isinstance(raw, list):
        return []
    return [
        {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
        for b in raw
        if isinstance(b, dict) and b.get("payload")
    ]


def _merge(parts: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {
        "text": "\n\n".join(p["text"] for p in parts if p["text"]),
        "citations": [],
        "buttons": [b for p in parts for b in p["buttons"]],
    }


def shape_reply(messages: Sequence[dict[str, Any]], *, japanese: bool = False) -> dict[str, Any]:
    """Turn Rasa's REST messages into the gateway's chat response.

    Rasa's REST channel splits a text on blank lines and sends an action's
    custom payload as a message of its own after the text. Text parts before a
    ``senpai`` payload are joined back into one message that carries the
    payload's citations. The reply's kind is its first payload's, or the first
    that is not small talk (an acknowledgement before an answer). Messages with no payload
    (the domain's small talk) stay as they are.

    Args:
        messages: Rasa's bot messages.
        japanese: Whether the user wrote in Japanese (the "no reply" text follows it).

    Returns:
        ``{"kind": ..., "messages": [...]}``, plus ``role`` when a payload says
        which role Senpai has for the user and ``lang`` (``en`` or ``ja``) the
        language it replied in; kind ``error`` if Rasa said nothing.
    """
    out: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    kind: str | None = None
    role: str | None = None
    lang: str | None = None
    for message in messages:
        meta = meta_of(message.get("custom"))
        if meta:
            if kind_of(meta) is not None and kind in (None, SMALLTALK):
                kind = kind_of(meta)  # an acknowledgement before an answer: the reply is the answer
            role = role_of(meta) or role
            lang = lang_of(meta) or lang
            merged = _merge(pending) if pending else {"text": "", "citations": [], "buttons": []}
            citations = meta.get("citations")
            merged["citations"] = citations if isinstance(citations, list) else []
            out.append(merged)
            pending = []
        elif isinstance(message.get("text"), str) or message.get("buttons"):
            pending.append({"text": message.get("text") or "", "buttons": _buttons(message.get("buttons"))})
    out.extend(_merge([p]) for p in pending)
    if not out:
        text = NO_REPLY["ja" if japanese else "en"]
        error = {"kind": ERROR, "messages": [{"text": text, "citations": [], "buttons": []}]}
        return error | {"lang": "ja"} if japanese else error
    reply: dict[str, Any] = {"kind": kind or SMALLTALK, "messages": out}
    if role is not None:
        reply["role"] = role
    if lang is not None:
        reply["lang"] = lang
    return reply

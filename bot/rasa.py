"""Talking to Rasa and the action server, and shaping Rasa's replies for the API."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from typing import Any

import aiohttp

KINDS = frozenset({"answer", "fallback", "smalltalk", "clarify", "error"})

NO_REPLY_TEXT = "I can't reach my notes right now, please try again in a moment."


class RasaUnavailable(RuntimeError):
    """Rasa did not answer in time, or answered with an error."""


class RasaClient:
    """Forwards user messages to Rasa's REST channel over one shared session."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        rasa_url: str,
        action_url: str,
        health_timeout_s: float,
        token: str | None = None,
    ) -> None:
        self._session = session
        self._rasa_url = rasa_url
        self._action_url = action_url
        self._health_timeout = aiohttp.ClientTimeout(total=health_timeout_s)
        self._token = token

    async def events(self, sender: str) -> list[dict[str, Any]]:
        """Return the conversation's events from Rasa's tracker API (needs the token).

        Raises:
            RasaUnavailable: If the API is off, the token is missing or wrong, or Rasa is down.
        """
        if self._token is None:
            raise RasaUnavailable("no Rasa API token is configured (SENPAI_RASA_TOKEN)")
        url = f"{self._rasa_url}/conversations/{sender}/tracker"
        try:
            async with self._session.get(url, params={"token": self._token}) as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"Rasa's tracker API answered HTTP {resp.status}")
                data = await resp.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise RasaUnavailable(f"Rasa is unreachable: {type(exc).__name__}") from exc
        events = data.get("events") if isinstance(data, dict) else None
        return [e for e in events or [] if isinstance(e, dict)]

    async def send(self, sender: str, message: str) -> list[dict[str, Any]]:
        """Send one user message and return Rasa's bot messages.

        Raises:
            RasaUnavailable: On a connection error, a time-out or a non-200 reply.
        """
        url = f"{self._rasa_url}/webhooks/rest/webhook"
        try:
            async with self._session.post(url, json={"sender": sender, "message": message}) as resp:
                if resp.status != 200:
                    raise RasaUnavailable(f"Rasa answered HTTP {resp.status}")
                data = await resp.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
            raise RasaUnavailable(f"Rasa is unreachable: {type(exc).__name__}") from exc
        if not isinstance(data, list):
            raise RasaUnavailable("Rasa answered with an unexpected body")
        return [m for m in data if isinstance(m, dict)]

    async def _up(self, url: str) -> bool:
        try:
            async with self._session.get(url, timeout=self._health_timeout) as resp:
                return resp.status == 200
        except (TimeoutError, aiohttp.ClientError):
            return False

    async def health(self) -> dict[str, bool]:
        """Check Rasa and the action server concurrently."""
        rasa, actions = await asyncio.gather(
            self._up(f"{self._rasa_url}/"), self._up(f"{self._action_url}/health")
        )
        return {"rasa": rasa, "actions": actions}


def message_id(sender: str, text: str) -> str:
    """Return a stable id for a bot message, the same in a reply and in the history."""
    return hashlib.sha256(f"{sender}\n{text}".encode()).hexdigest()[:20]


def with_ids(sender: str, reply: dict[str, Any]) -> dict[str, Any]:
    """Give every message of a shaped reply its id (for feedback)."""
    for message in reply["messages"]:
        message["id"] = message_id(sender, message["text"])
    return reply


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
            custom = data.get("custom") if isinstance(data, dict) else None
            meta = custom.get("senpai", {}) if isinstance(custom, dict) else {}
            citations = meta.get("citations") if isinstance(meta.get("citations"), list) else []
            message = {
                "from": "bot",
                "text": text,
                "kind": meta.get("kind", "smalltalk") if meta.get("kind") in KINDS else "smalltalk",
                "citations": citations,
                "buttons": _buttons(data.get("buttons") if isinstance(data, dict) else None),
            }
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


def shape_reply(messages: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Turn Rasa's REST messages into the gateway's chat response.

    Rasa's REST channel splits a text on blank lines and sends an action's
    custom payload as a message of its own after the text. Text parts before a
    ``senpai`` payload are joined back into one message that carries the
    payload's citations; its kind is the reply's kind. Messages with no payload
    (the domain's small talk) stay as they are.

    Args:
        messages: Rasa's bot messages.

    Returns:
        ``{"kind": ..., "messages": [...]}``; kind ``error`` if Rasa said nothing.
    """
    out: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    kind: str | None = None
    for message in messages:
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("senpai"), dict):
            meta = custom["senpai"]
            if kind is None and meta.get("kind") in KINDS:
                kind = meta["kind"]
            merged = _merge(pending) if pending else {"text": "", "citations": [], "buttons": []}
            citations = meta.get("citations")
            merged["citations"] = citations if isinstance(citations, list) else []
            out.append(merged)
            pending = []
        elif isinstance(message.get("text"), str) or message.get("buttons"):
            pending.append({"text": message.get("text") or "", "buttons": _buttons(message.get("buttons"))})
    out.extend(_merge([p]) for p in pending)
    if not out:
        return {"kind": "error", "messages": [{"text": NO_REPLY_TEXT, "citations": [], "buttons": []}]}
    return {"kind": kind or "smalltalk", "messages": out}

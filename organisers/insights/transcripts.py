"""Conversations for reading and export, filtered by date, channel, role, reply kind and passage."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from contracts.senders import channel_of
from organisers.insights.overview import roles_by_sender
from organisers.insights.queries import RANGE, Store, loads


@dataclass(frozen=True)
class Filters:
    """What to show; an empty field lets everything through."""

    channel: str = ""
    role: str = ""
    kind: str = ""
    passage: str = ""


@dataclass
class Transcript:
    """One conversation's messages in the range, under its pseudonym."""

    name: str
    channel: str
    role: str
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def kinds(self) -> set[str]:
        """The kinds of reply it got."""
        return {m["kind"] for m in self.messages if m["from"] == "bot"}

    @property
    def passages(self) -> set[str]:
        """The passages its answers cited."""
        return {pid for m in self.messages for pid in m.get("passages", [])}


def transcripts(
    store: Store, since: float, until: float, name: Callable[[str], str], filters: Filters = Filters()
) -> list[Transcript]:
    """Every conversation with messages in the range that passes the filters, latest first."""
    q = store.sql
    roles = roles_by_sender(store, until)
    found: dict[str, Transcript] = {}
    for sender, kind, at, text, reply_kind, citations in store.rows(
        f"SELECT sender_id, type_name, timestamp, {q.text}, {q.kind}, {q.citations} FROM events"
        f" WHERE type_name IN ('user', 'bot') AND {RANGE} ORDER BY id",
        (since, until),
    ):
        sender = str(sender)
        if kind == "user" and str(text or "").startswith("/"):
            continue  # a button payload such as /inform_role{...}
        channel = channel_of(sender)
        convo = found.setdefault(sender, Transcript(name(sender), channel, roles.get(sender, "unknown")))
        message: dict[str, Any] = {
            "from": "user" if kind == "user" else "bot",
            "at": float(at),
            "text": text or "",
        }
        if kind == "bot":
            message["kind"] = str(reply_kind or "smalltalk")
            message["passages"] = [
                c["passage_id"] for c in loads(citations) or [] if isinstance(c, dict) and "passage_id" in c
            ]
        convo.messages.append(message)
    chosen = [t for t in found.values() if _passes(t, filters)]
    return sorted(chosen, key=lambda t: -t.messages[-1]["at"])


def _passes(t: Transcript, f: Filters) -> bool:
    return (
        (not f.channel or t.channel == f.channel)
        and (not f.role or t.role == f.role)
        and (not f.kind or f.kind in t.kinds)
        and (not f.passage or f.passage in t.passages)
    )


def message_rows(found: list[Transcript]) -> list[list[Any]]:
    """Every message of the transcripts as export rows: pseudonym, time, who, text, reply kind, passages."""
    return [
        [t.name, m["at"], m["from"], m["text"], m.get("kind", ""), " ".join(m.get("passages", []))]
        for t in found
        for m in t.messages
    ]


MESSAGE_HEADER = ("conversation", "time", "from", "text", "kind", "passages")

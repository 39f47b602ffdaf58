"""``senpai loadtest``: many simulated ALTs on ``/api/chat`` at once, and nothing lost.

Each simulated user holds one conversation: a greeting, questions Senpai
answers, follow-ups ("tell me more", "where is that from?") and questions it
must decline, sent one after another as fast as replies come back. The
report gives errors, latency percentiles, throughput, and **lost messages**:
user messages sent against user events found afterwards in Rasa's tracker
store (SQLite for the embedded profile, PostgreSQL for production), read
directly from the database.
"""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from contracts.senders import conversation_of
from senpai.benchmarks.stats import percentile

#: What the simulated users say; user ``n`` starts at a different point of each list.
QUESTIONS = (
    "What is the Dabbler identity?",
    "When did the JET Programme start?",
    "How can I work well with my JTE?",
    "What do ALTs want from orientations?",
    "what is a japan enthusiast",
    "why are ALTs called assistants",
    "what does the research say about celebrity ALTs",
    "How many people were interviewed in the studies?",
)
OUT_OF_SCOPE = (
    "how do I pay my residence tax",
    "what's the weather in Osaka tomorrow?",
    "how do I reverse a list in python",
)
FOLLOW_UPS = ("tell me more", "where is that from?")


def script(user: int, messages: int) -> list[str]:
    """The messages one simulated user sends: a mix of answers, follow-ups, fallbacks and small talk."""
    pattern = [
        "hi",
        "Q",
        "tell me more",
        "where is that from?",
        "OOS",
        "Q",
        "tell me more",
        "Q",
        "OOS",
        "thanks",
    ]
    out = []
    for n in range(messages):
        step = pattern[n % len(pattern)]
        if step == "Q":
            out.append(QUESTIONS[(user + n) % len(QUESTIONS)])
        elif step == "OOS":
            out.append(OUT_OF_SCOPE[(user + n) % len(OUT_OF_SCOPE)])
        else:
            out.append(step)
    return out


@dataclass
class Outcome:
    """One request: how long it took, what came back."""

    seconds: float
    status: int
    kind: str


@dataclass
class Report:
    """What a load test measured."""

    profile: str
    users: int
    messages_per_user: int
    sent: int
    errors: int
    error_kinds: dict[str, int]
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    throughput_per_s: float
    wall_s: float
    stored: int | None = None
    lost: int | None = None
    kinds: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return asdict(self)

    def table(self) -> str:
        """The report as aligned text."""
        rows = [
            ("profile", self.profile),
            ("simulated users", f"{self.users} x {self.messages_per_user} messages"),
            ("messages sent", str(self.sent)),
            ("errors", f"{self.errors} {self.error_kinds or ''}".strip()),
            ("latency p50 / p95 / p99", f"{self.p50_ms:.0f} / {self.p95_ms:.0f} / {self.p99_ms:.0f} ms"),
            ("slowest", f"{self.max_ms:.0f} ms"),
            ("throughput", f"{self.throughput_per_s:.1f} messages/s over {self.wall_s:.1f} s"),
            ("user events in the tracker store", "?" if self.stored is None else str(self.stored)),
            ("lost messages", "?" if self.lost is None else str(self.lost)),
            ("reply kinds", ", ".join(f"{k} {v}" for k, v in sorted(self.kinds.items()))),
        ]
        width = max(len(label) for label, _ in rows)
        return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


@dataclass(frozen=True)
class Sent:
    """One message sent to ``/api/chat``.

    Attributes:
        seconds: Until the reply was read.
        status: The HTTP status, or 0 when no reply came (a network error or a time-out).
        kind: The reply's ``kind`` (``?`` if it has none), or the network error's name.
        sender: The sender id the reply carries, if any.
    """

    seconds: float
    status: int
    kind: str
    sender: str | None


async def chat_once(session: aiohttp.ClientSession, url: str, sender: str | None, text: str) -> Sent:
    """Send one message (a new conversation when ``sender`` is ``None``) and time the reply."""
    payload = {"message": text} if sender is None else {"sender": sender, "message": text}
    start = time.perf_counter()
    try:
        async with session.post(f"{url}/api/chat", json=payload) as resp:
            body = await resp.json(content_type=None)
            found = body if isinstance(body, dict) else {}
            issued = found.get("sender") if isinstance(found.get("sender"), str) else None
            return Sent(time.perf_counter() - start, resp.status, str(found.get("kind", "?")), issued)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return Sent(time.perf_counter() - start, 0, type(exc).__name__, None)


async def _user(
    session: aiohttp.ClientSession, url: str, messages: list[str], outcomes: list[Outcome], senders: set[str]
) -> None:
    """One simulated user: the first message starts a conversation, the rest go on with its issued id."""
    sender: str | None = None
    for text in messages:
        sent = await chat_once(session, url, sender, text)
        outcomes.append(Outcome(sent.seconds, sent.status, sent.kind))
        if sender is None and sent.sender is not None:
            sender = sent.sender
            senders.add(sender)


async def drive(
    url: str, users: int, messages: int, timeout_s: float = 60.0
) -> tuple[list[Outcome], set[str]]:
    """Run ``users`` conversations of ``messages`` turns against a gateway at once.

    Returns:
        Every turn's outcome, and the sender ids the gateway issued, so the
        tracker store can be counted afterwards (:func:`count_user_events`).
    """
    outcomes: list[Outcome] = []
    senders: set[str] = set()
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    connector = aiohttp.TCPConnector(limit=users)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await asyncio.gather(
            *(_user(session, url, script(n, messages), outcomes, senders) for n in range(users))
        )
    return outcomes, senders


def summarise(profile: str, users: int, messages: int, outcomes: Sequence[Outcome], wall_s: float) -> Report:
    """Turn raw outcomes into a report (without the tracker-store count)."""
    latencies = [o.seconds * 1000 for o in outcomes]
    failed = [o for o in outcomes if o.status != 200 or o.kind == "error"]
    error_kinds: dict[str, int] = {}
    for o in failed:
        key = f"HTTP {o.status}" if o.status != 200 else "kind error"
        if o.status == 0:
            key = o.kind
        error_kinds[key] = error_kinds.get(key, 0) + 1
    kinds: dict[str, int] = {}
    for o in outcomes:
        if o.status == 200:
            kinds[o.kind] = kinds.get(o.kind, 0) + 1
    return Report(
        profile=profile,
        users=users,
        messages_per_user=messages,
        sent=len(outcomes),
        errors=len(failed),
        error_kinds=error_kinds,
        p50_ms=statistics.median(latencies) if latencies else 0.0,
        p95_ms=percentile(latencies, 0.95),
        p99_ms=percentile(latencies, 0.99),
        max_ms=max(latencies, default=0.0),
        throughput_per_s=len(outcomes) / wall_s if wall_s else 0.0,
        wall_s=wall_s,
        kinds=kinds,
    )


def count_user_events(
    senders: set[str], *, sqlite_path: Path | None = None, database_url: str | None = None
) -> int:
    """Count the user events of a run's conversations straight from the tracker store's database.

    Args:
        senders: The sender ids the gateway issued during the run.
        sqlite_path: The embedded profile's tracker store.
        database_url: The production profile's.
    """
    conversations = sorted(conversation_of(sender) for sender in senders)
    if not conversations:
        return 0
    query = "SELECT COUNT(*) FROM events WHERE type_name = 'user' AND sender_id IN ({})"
    if database_url is not None:
        import psycopg

        with psycopg.connect(database_url) as db:
            row = db.execute(query.format(", ".join(["%s"] * len(conversations))), conversations).fetchone()
    elif sqlite_path is not None:
        with sqlite3.connect(sqlite_path) as db:
            row = db.execute(query.format(", ".join("?" * len(conversations))), conversations).fetchone()
    else:
        raise ValueError("give the SQLite file or the PostgreSQL URL of the tracker store")
    return int(row[0]) if row else 0

"""How long personal data lives: the retention period, and forgetting one person on request.

Conversations live in Rasa's tracker store (the ``events`` table) and ratings
in the ``feedback`` table: two SQLite files in the embedded profile, one
PostgreSQL database in production. :func:`expire` deletes both older than
``SENPAI_RETENTION_DAYS`` (``senpai up`` runs it at start and then daily), and
the organisers' changes nobody kept (ignored questions, undone or failed
changes: what people typed); :func:`forget` deletes everything of one
conversation (``senpai forget``). Nothing else is copied elsewhere.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from contracts import senders, stores
from organisers.insights.queries import DAY_S
from settings import Settings


@dataclass(frozen=True)
class Deleted:
    """How many rows went: conversation events and ratings."""

    events: int = 0
    feedback: int = 0
    curation: int = 0

    def __str__(self) -> str:
        kept = f", and {self.curation} organisers' change(s) nobody kept" if self.curation else ""
        return f"{self.events} conversation event(s) and {self.feedback} rating(s){kept}"


def conversation_id(who: str) -> str:
    """The tracker store's id of a conversation, from what an organiser or user has in hand.

    Args:
        who: A web sender id as the widget keeps it (``w1…``), or a stored
            conversation id (``web:…``, ``slack:TEAM:USER``).

    Raises:
        ValueError: If ``who`` is neither.
    """
    who = who.strip()
    if senders.looks_issued(who):
        return senders.conversation_of(who)
    if senders.is_conversation(who):
        return who
    raise ValueError(
        f"{who!r} is not a conversation: give the widget's sender id (w1…) "
        "or a stored id (web:… or slack:TEAM:USER)"
    )


def expire(settings: Settings, days: int, now: float | None = None) -> Deleted:
    """Delete conversation events and ratings older than ``days`` days."""
    from organisers.curation.store import CurationStore

    cutoff = (time.time() if now is None else now) - days * DAY_S
    deleted = _delete(settings, "timestamp < {p}", "created_at < {p}", (cutoff,))
    return replace(deleted, curation=CurationStore.of(settings).expire(cutoff))


def forget(settings: Settings, conversation: str) -> Deleted:
    """Delete every event and rating of one conversation (see :func:`conversation_id`)."""
    return _delete(settings, "sender_id = {p}", "sender = {p}", (conversation,))


def _delete(settings: Settings, events_where: str, feedback_where: str, args: Sequence[object]) -> Deleted:
    if settings.database is not None:
        url = settings.database.as_url()
        with stores.connect(url) as db:  # one transaction: both go, or neither
            return Deleted(
                _delete_in(db, url, "events", events_where, args),
                _delete_in(db, url, "feedback", feedback_where, args),
            )
    return Deleted(
        _delete_file(settings.tracker_db, "events", events_where, args),
        _delete_file(settings.feedback_db, "feedback", feedback_where, args),
    )


def _delete_file(path: Path, table: str, where: str, args: Sequence[object]) -> int:
    if not path.exists():
        return 0
    with stores.connect(path) as db:
        return _delete_in(db, path, table, where, args)


def _delete_in(db: Any, store: str | Path, table: str, where: str, args: Sequence[object]) -> int:
    if not stores.table_exists(db, store, table):  # nothing stored yet
        return 0
    return int(db.execute(stores.sql(store, f"DELETE FROM {table} WHERE {where}"), tuple(args)).rowcount)


async def expire_daily(settings: Settings, say: Callable[[str], None]) -> None:
    """Expire old data now and then every day, for as long as the task runs (``senpai up``)."""
    while True:
        try:
            deleted = await asyncio.to_thread(expire, settings, settings.retention_days)
        except Exception as exc:  # a store that can't be reached now is tried again tomorrow
            say(f"retention: could not delete old data ({type(exc).__name__}: {exc})")
        else:
            say(f"retention: deleted {deleted} older than {settings.retention_days} days")
        await asyncio.sleep(DAY_S)

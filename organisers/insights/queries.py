"""The queries behind the insights, for SQLite (embedded profile) and PostgreSQL (production).

Every figure is computed in SQL over a date range where SQL can; the rows
that need reading one by one (a fallback and the question before it, the
citations of answers) are selected by the same range. Senders never leave
this module as they are stored: :func:`pseudonym` turns them into stable
names that say nothing about the person.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import json
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts import reply, senders, stores
from knowledge.text.patterns import scrub
from settings import Settings

DAY_S = 86_400
#: The condition of a query over a date range (``{p}`` the dialect's parameter): since included, until not.
RANGE = "timestamp >= {p} AND timestamp < {p}"

#: Rasa 3.6's ``events`` table (``rasa.core.tracker_store.SQLTrackerStore.SQLEvent``), which the queries
#: read; ``{id}`` is the dialect's auto-increment key. Rasa creates it; tests and benchmarks fill one.
EVENTS_TABLE = """
CREATE TABLE events (
    id {id},
    sender_id VARCHAR(255) NOT NULL,
    type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT,
    intent_name VARCHAR(255),
    action_name VARCHAR(255),
    data TEXT
)
"""


def day_start(text: str) -> float:
    """A ``YYYY-MM-DD`` date as the Unix time its day starts (UTC).

    Raises:
        ValueError: If it is not such a date.
    """
    return float(calendar.timegm(time.strptime(text, "%Y-%m-%d")))


def day(seconds: float) -> str:
    """A Unix time as its UTC date."""
    return time.strftime("%Y-%m-%d", time.gmtime(seconds))


@dataclass(frozen=True)
class Dialect:
    """What differs between SQLite and PostgreSQL in the queries."""

    param: str
    day: str
    kind: str
    lang: str
    missed: str
    citations: str
    text: str


def _sqlite_path(field: str) -> str:
    return "$." + ".".join((*reply.EVENT_PATH, field))


def _postgres_path(field: str) -> str:
    return "ARRAY[" + ", ".join(f"'{part}'" for part in (*reply.EVENT_PATH, field)) + "]"


SQLITE = Dialect(
    param="?",
    day="date(timestamp, 'unixepoch')",
    kind=f"json_extract(data, '{_sqlite_path('kind')}')",
    lang=f"json_extract(data, '{_sqlite_path('lang')}')",
    missed=f"json_extract(data, '{_sqlite_path('missed')}')",
    citations=f"json_extract(data, '{_sqlite_path('citations')}')",
    text="json_extract(data, '$.text')",
)
POSTGRES = Dialect(
    param="%s",
    day="to_char(to_timestamp(timestamp) AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    kind=f"(data::jsonb #>> {_postgres_path('kind')})",
    lang=f"(data::jsonb #>> {_postgres_path('lang')})",
    missed=f"(data::jsonb #> {_postgres_path('missed')})::text",
    citations=f"(data::jsonb #> {_postgres_path('citations')})::text",
    text="(data::jsonb ->> 'text')",
)


class Store:
    """The tracker store and the feedback table, opened per query (the stack keeps writing)."""

    def __init__(self, tracker: str | Path, feedback: str | Path | None = None) -> None:
        """Open SQLite files (paths), or one PostgreSQL database (a ``postgresql://`` URL)."""
        self.postgres = stores.is_postgres(tracker)
        self.tracker, self.feedback = tracker, feedback if feedback is not None else tracker
        self.sql = POSTGRES if self.postgres else SQLITE

    @classmethod
    def of(cls, settings: Settings) -> Store:
        """The tracker store and feedback table of the settings' profile."""
        if settings.database is not None:
            return cls(settings.database.as_url())
        return cls(settings.tracker_db, settings.feedback_db)

    def _connect(self, where: str | Path) -> Any:
        return stores.connect(where, read_only=True)

    def rows(
        self, query: str, args: Sequence[object] = (), *, feedback: bool = False
    ) -> list[tuple[Any, ...]]:
        """Run one query (``{p}`` stands for a parameter); an absent store or table reads as empty."""
        where = self.feedback if feedback else self.tracker
        if not self.postgres and not Path(where).exists():
            return []
        try:
            with self._connect(where) as db:
                found = db.execute(query.format(p=self.sql.param), tuple(args)).fetchall()
                # A stored message may hold a lone surrogate (a JSON escape): no page may break on it.
                return [tuple(scrub(v) if isinstance(v, str) else v for v in row) for row in found]
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise
        except Exception as exc:
            if type(exc).__name__ == "UndefinedTable":
                return []
            raise


def names_key(secret: bytes) -> bytes:
    """The key of :func:`pseudonym`, derived from the secret that signs sender ids (so every host agrees)."""
    return hashlib.sha256(b"senpai-names\0" + secret).digest()


def pseudonym(sender: str, key: bytes) -> str:
    """A stable name for a conversation that reveals neither a Slack user id nor a widget sender id."""
    channel = senders.channel_of(sender)
    digest = hmac.new(key, b"senpai-pseudonym\0" + sender.encode(), hashlib.sha256).hexdigest()[:8]
    return f"{channel}-{digest}"


def loads(value: Any) -> Any:
    """A JSON value as the database returned it (text, or already parsed)."""
    if value is None or not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return None

"""Durable storage of thumbs up/down on answers.

The embedded profile keeps them in a SQLite file in the data directory
(:class:`FeedbackStore`, written off the event loop); the production profile
keeps them in the PostgreSQL database that holds the conversations
(:class:`PostgresFeedbackStore`), so every gateway writes to one place and the
organisers read one table. Both commit a rating before the request is answered.
"""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from contracts import stores

SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sender TEXT NOT NULL,
    message_id TEXT NOT NULL,
    rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
    comment TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_sender ON feedback (sender);
"""


class FeedbackUnavailable(RuntimeError):
    """The feedback database cannot be reached right now."""


class Feedback(Protocol):
    """Where ratings go."""

    async def add(self, sender: str, message_id: str, rating: int, comment: str | None) -> int:
        """Store one rating and return its id."""
        ...

    async def list(self, sender: str | None = None) -> list[dict[str, Any]]:
        """Return stored ratings, oldest first, optionally for one sender."""
        ...

    async def aclose(self) -> None:
        """Release the database."""
        ...


KEYS = ("id", "sender", "message_id", "rating", "comment", "created_at")


class FeedbackStore:
    """One SQLite file; every write is committed before the request is answered."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = stores.sqlite(self.path, shared=True)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()

    def _add(self, sender: str, message_id: str, rating: int, comment: str | None) -> int:
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO feedback (sender, message_id, rating, comment, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (sender, message_id, rating, comment, time.time()),
            )
            return int(cur.lastrowid or 0)

    async def add(self, sender: str, message_id: str, rating: int, comment: str | None) -> int:
        """Store one rating and return its id."""
        return await asyncio.to_thread(self._add, sender, message_id, rating, comment)

    def _list(self, sender: str | None) -> list[dict[str, Any]]:
        query = "SELECT id, sender, message_id, rating, comment, created_at FROM feedback"
        args: tuple[str, ...] = ()
        if sender is not None:
            query += " WHERE sender = ?"
            args = (sender,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY id", args).fetchall()
        return [dict(zip(KEYS, row, strict=True)) for row in rows]

    async def list(self, sender: str | None = None) -> list[dict[str, Any]]:
        """Return stored ratings, oldest first, optionally for one sender."""
        return await asyncio.to_thread(self._list, sender)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    async def aclose(self) -> None:
        """Close the database (the :class:`Feedback` interface)."""
        self.close()


PG_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id BIGSERIAL PRIMARY KEY,
    sender TEXT NOT NULL,
    message_id TEXT NOT NULL,
    rating SMALLINT NOT NULL CHECK (rating IN (-1, 1)),
    comment TEXT,
    created_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_sender ON feedback (sender);
"""


class PostgresFeedbackStore:
    """Ratings in PostgreSQL, shared by every gateway (the production profile).

    One connection, opened on first use and reopened after a failure; a
    failure surfaces as :class:`FeedbackUnavailable` so the caller can answer
    503 instead of losing the rating silently.
    """

    def __init__(self, url: str) -> None:
        self._url = url
        self._conn: Any = None
        self._lock = asyncio.Lock()

    async def _connection(self) -> Any:
        if self._conn is None or self._conn.closed:
            self._conn = await stores.connect_async(self._url)
            await self._conn.execute(PG_SCHEMA)
        return self._conn

    async def _run(self, query: str, args: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        import psycopg

        async with self._lock:
            try:
                conn = await self._connection()
                cursor = await conn.execute(query, args)
                return list(await cursor.fetchall())
            except (psycopg.Error, OSError) as exc:
                if self._conn is not None:
                    await self._conn.close()
                self._conn = None
                raise FeedbackUnavailable(f"feedback database error: {type(exc).__name__}") from exc

    async def add(self, sender: str, message_id: str, rating: int, comment: str | None) -> int:
        """Store one rating (committed) and return its id."""
        rows = await self._run(
            "INSERT INTO feedback (sender, message_id, rating, comment, created_at)"
            " VALUES (%s, %s, %s, %s, %s) RETURNING id",
            (sender, message_id, rating, comment, time.time()),
        )
        return int(rows[0][0])

    async def list(self, sender: str | None = None) -> list[dict[str, Any]]:
        """Return stored ratings, oldest first, optionally for one sender."""
        query = "SELECT id, sender, message_id, rating, comment, created_at FROM feedback"
        args: tuple[Any, ...] = ()
        if sender is not None:
            query += " WHERE sender = %s"
            args = (sender,)
        rows = await self._run(query + " ORDER BY id", args)
        return [dict(zip(KEYS, row, strict=True)) for row in rows]

    async def aclose(self) -> None:
        """Close the connection."""
        async with self._lock:
            if self._conn is not None:
                await self._conn.close()
                self._conn = None

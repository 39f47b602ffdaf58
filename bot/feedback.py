"""Durable storage of thumbs up/down on answers (SQLite, off the event loop)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

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


class FeedbackStore:
    """One SQLite file; every write is committed before the request is answered."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
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
        keys = ("id", "sender", "message_id", "rating", "comment", "created_at")
        return [dict(zip(keys, row, strict=True)) for row in rows]

    async def list(self, sender: str | None = None) -> list[dict[str, Any]]:
        """Return stored ratings, oldest first, optionally for one sender."""
        return await asyncio.to_thread(self._list, sender)

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

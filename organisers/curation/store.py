"""The curation store: every organiser's change, with who, what, when and its state.

A change is ``live`` (part of the index), ``undone``, ``failed`` (its build
failed, so it never served) or ``exported`` (written into the YAML by
``senpai curate export``, so the store holds nothing the YAML doesn't). The
embedded profile keeps a SQLite file in the data directory; the production
profile a table in the PostgreSQL database of the conversations.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts import stores
from settings import Settings

LIVE, UNDONE, FAILED, EXPORTED = "live", "undone", "failed", "exported"
#: Every state a change can be in.
STATES = (LIVE, UNDONE, FAILED, EXPORTED)

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS curation_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    data TEXT NOT NULL,
    who TEXT NOT NULL,
    created_at REAL NOT NULL,
    state TEXT NOT NULL,
    ended_by TEXT,
    ended_at REAL,
    note TEXT
)
"""
POSTGRES_SCHEMA = stores.postgres_schema(SQLITE_SCHEMA)
COLUMNS = "id, kind, data, who, created_at, state, ended_by, ended_at, note"


@dataclass(frozen=True)
class Record:
    """One change as stored.

    Attributes:
        id: Its number, in the order changes were made.
        kind: ``attach``, ``not_covered``, ``draft`` or ``ignore``.
        data: The change itself (see :mod:`knowledge.content.curation`).
        who: Who made it.
        created_at: When (seconds since the epoch).
        state: ``live``, ``undone``, ``failed`` or ``exported``.
        ended_by: Who undid or exported it.
        ended_at: When it was undone, failed or was exported.
        note: Why it failed, or what undid it.
    """

    id: int
    kind: str
    data: dict[str, Any]
    who: str
    created_at: float
    state: str
    ended_by: str | None = None
    ended_at: float | None = None
    note: str | None = None

    @classmethod
    def of(cls, row: tuple[Any, ...]) -> Record:
        """A record from a row of :data:`COLUMNS`."""
        rid, kind, data, who, created, state, ended_by, ended_at, note = row
        return cls(int(rid), kind, json.loads(data), who, float(created), state, ended_by, ended_at, note)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict of the record."""
        return dict(vars(self))


class CurationStore:
    """The changes, in SQLite (a path) or PostgreSQL (a ``postgresql://`` URL); every write commits."""

    def __init__(self, where: str | Path) -> None:
        self.postgres = stores.is_postgres(where)
        self.where = where
        if not self.postgres:
            Path(where).parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(POSTGRES_SCHEMA if self.postgres else SQLITE_SCHEMA)

    @classmethod
    def of(cls, settings: Settings) -> CurationStore:
        """The store of the settings' profile."""
        if settings.database is not None:
            return cls(settings.database.as_url())
        return cls(settings.curation_db)

    def _connect(self) -> Any:
        return stores.connect(self.where)

    def _sql(self, query: str) -> str:
        return query.replace("?", stores.param(self.where))

    def add(self, data: Mapping[str, Any], who: str, state: str = LIVE) -> Record:
        """Record a change (already checked) and return it."""
        now = time.time()
        blob = json.dumps(dict(data), ensure_ascii=False, sort_keys=True)
        query = "INSERT INTO curation_changes (kind, data, who, created_at, state) VALUES (?, ?, ?, ?, ?)"
        with self._connect() as db:
            if self.postgres:
                row = db.execute(self._sql(query + " RETURNING id"), (data["kind"], blob, who, now, state))
                rid = int(row.fetchone()[0])
            else:
                rid = int(db.execute(query, (data["kind"], blob, who, now, state)).lastrowid or 0)
        return Record(rid, str(data["kind"]), json.loads(blob), who, now, state)

    def end(self, rid: int, state: str, who: str, note: str | None = None) -> None:
        """Move a change to ``undone``, ``failed`` or ``exported``."""
        query = "UPDATE curation_changes SET state = ?, ended_by = ?, ended_at = ?, note = ? WHERE id = ?"
        with self._connect() as db:
            db.execute(self._sql(query), (state, who, time.time(), note, rid))

    def get(self, rid: int) -> Record | None:
        """One change, or ``None``."""
        with self._connect() as db:
            row = db.execute(
                self._sql(f"SELECT {COLUMNS} FROM curation_changes WHERE id = ?"), (rid,)
            ).fetchone()
        return Record.of(row) if row else None

    def changes(self, state: str | None = None, limit: int = 500) -> list[Record]:
        """Changes in the order they were made (``state`` filters), the last ``limit`` of them."""
        where = " WHERE state = ?" if state else ""
        query = f"SELECT {COLUMNS} FROM curation_changes{where} ORDER BY id DESC LIMIT {int(limit)}"
        with self._connect() as db:
            rows = db.execute(self._sql(query), (state,) if state else ()).fetchall()
        return [Record.of(r) for r in reversed(rows)]

    def counts(self) -> dict[str, int]:
        """How many changes are in each state (every state listed, 0 when none)."""
        with self._connect() as db:
            rows = db.execute("SELECT state, COUNT(*) FROM curation_changes GROUP BY state").fetchall()
        found = {str(state): int(n) for state, n in rows}
        return {state: found.get(state, 0) for state in STATES} | found

    def expire(self, cutoff: float) -> int:
        """Delete, from before ``cutoff``, what nobody kept: ignores, undone and failed changes.

        Their questions are what people typed, so they follow the retention
        period of the conversations; live and exported changes are knowledge.
        """
        query = (
            "DELETE FROM curation_changes WHERE created_at < ? "
            f"AND (kind = 'ignore' OR state IN ('{UNDONE}', '{FAILED}'))"
        )
        with self._connect() as db:
            return int(db.execute(self._sql(query), (cutoff,)).rowcount or 0)

    def live(self) -> list[Record]:
        """The changes the index is built with, oldest first."""
        return self.changes(LIVE, limit=1_000_000)

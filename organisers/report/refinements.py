"""Organisers' refinements of the report: a theme given to a source, a quoted question hidden.

Each is recorded like a curation change (who, when, ``live`` or ``undone``,
who undid it and when), in the store the curation changes live in: a table
of the SQLite file in the data directory, or of the production PostgreSQL
database. Undoing one keeps its record.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from contracts import stores
from organisers.report.themes import Themes, parse_source
from settings import Settings

THEME: Final = "theme"
HIDE: Final = "hide"
LIVE: Final = "live"
UNDONE: Final = "undone"

SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS report_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    value TEXT NOT NULL,
    who TEXT NOT NULL,
    created_at REAL NOT NULL,
    state TEXT NOT NULL,
    ended_by TEXT,
    ended_at REAL
)
"""
POSTGRES_SCHEMA = stores.postgres_schema(SQLITE_SCHEMA)
COLUMNS = "id, kind, target, value, who, created_at, state, ended_by, ended_at"


@dataclass(frozen=True)
class Refinement:
    """One recorded refinement.

    Attributes:
        id: Its number.
        kind: ``theme`` (``target`` is ``topic:ID``, ``passage:ID`` or
            ``not_covered:ID``, ``value`` the theme) or ``hide`` (``target``
            is the question's folded key, ``value`` the question as asked).
        who: Who made it.
        created_at: When.
        state: ``live`` or ``undone``.
        ended_by: Who undid it.
        ended_at: When it was undone.
    """

    id: int
    kind: str
    target: str
    value: str
    who: str
    created_at: float
    state: str
    ended_by: str | None = None
    ended_at: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return dict(vars(self))


class Refinements:
    """The refinements, in SQLite (a path) or PostgreSQL (a ``postgresql://`` URL)."""

    def __init__(self, where: str | Path) -> None:
        self.where = where
        self.postgres = stores.is_postgres(where)
        if not self.postgres:
            Path(where).parent.mkdir(parents=True, exist_ok=True)
        with stores.connect(where) as db:
            db.execute(POSTGRES_SCHEMA if self.postgres else SQLITE_SCHEMA)

    @classmethod
    def of(cls, settings: Settings) -> Refinements:
        """The store of the settings' profile (beside the curation changes)."""
        return cls(settings.database.as_url() if settings.database is not None else settings.curation_db)

    def _sql(self, query: str) -> str:
        return query.replace("?", stores.param(self.where))

    def add(self, kind: str, target: str, value: str, who: str) -> Refinement:
        """Record a refinement (checked) and return it.

        Raises:
            organisers.report.themes.ThemeError: On a malformed theme refinement.
        """
        if kind == THEME:
            source, key = parse_source(target)
            Themes().set(source, key, value)  # checks the theme
            target = f"{source}:{key}"
        elif kind != HIDE or not target:
            raise ValueError(f"a refinement is '{THEME}' or '{HIDE}' with a target")
        now = time.time()
        query = (
            "INSERT INTO report_changes (kind, target, value, who, created_at, state)"
            " VALUES (?, ?, ?, ?, ?, ?)"
        )
        args = (kind, target, value, who, now, LIVE)
        with stores.connect(self.where) as db:
            if self.postgres:
                rid = int(
                    db.execute(
                        self._sql(query + " RETURNING id"), (kind, target, value, who, now, LIVE)
                    ).fetchone()[0]
                )
            else:
                rid = int(db.execute(query, args).lastrowid or 0)
        return Refinement(rid, kind, target, value, who, now, LIVE)

    def undo(self, rid: int, who: str) -> bool:
        """Undo a live refinement; ``False`` if there is none with that id."""
        query = "UPDATE report_changes SET state = ?, ended_by = ?, ended_at = ? WHERE id = ? AND state = ?"
        with stores.connect(self.where) as db:
            return bool(db.execute(self._sql(query), (UNDONE, who, time.time(), rid, LIVE)).rowcount)

    def all(self) -> list[Refinement]:
        """Every refinement, oldest first."""
        with stores.connect(self.where) as db:
            rows = db.execute(f"SELECT {COLUMNS} FROM report_changes ORDER BY id").fetchall()
        return [
            Refinement(
                int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), float(r[5]), str(r[6]), r[7], r[8]
            )
            for r in rows
        ]

    def apply(self, themes: Themes) -> set[str]:
        """Give ``themes`` every live theme refinement, in order; return the hidden questions' keys."""
        hidden: set[str] = set()
        for r in self.all():
            if r.state != LIVE:
                continue
            if r.kind == THEME:
                themes.set(*parse_source(r.target), r.value)
            elif r.kind == HIDE:
                hidden.add(r.target)
        return hidden

"""Opening the database a store lives in: a SQLite file, or PostgreSQL named by a URL.

Every store (Rasa's tracker store the insights read, feedback, curation,
retention and migrations) is reached the same way: ``where`` is a path for
SQLite or a ``postgresql://`` URL. PostgreSQL's driver (``psycopg``) is
imported only when one is used. Queries are written with ``{p}`` for each
parameter (:func:`sql` fills in the store's own style).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

#: How long a connection waits for the server (seconds); a locked SQLite file is waited for twice that.
TIMEOUT_S = 5


def is_postgres(where: str | Path) -> bool:
    """Whether a store's location is a PostgreSQL URL (rather than a SQLite path)."""
    return str(where).startswith(("postgresql://", "postgres://"))


def param(where: str | Path) -> str:
    """The store's parameter placeholder: ``%s`` for PostgreSQL, ``?`` for SQLite."""
    return "%s" if is_postgres(where) else "?"


def postgres_schema(sqlite_schema: str) -> str:
    """A ``CREATE TABLE`` written for SQLite, in PostgreSQL's types (auto-increment ids, doubles)."""
    return sqlite_schema.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY").replace(
        "REAL", "DOUBLE PRECISION"
    )


def sql(where: str | Path, query: str) -> str:
    """A query written with ``{p}`` for each parameter, in the store's own placeholder style."""
    return query.replace("{p}", param(where))


def sqlite(where: str | Path, *, read_only: bool = False, shared: bool = False) -> sqlite3.Connection:
    """Open a SQLite file, each statement committing on its own unless a ``with`` block groups them.

    Args:
        where: The file.
        read_only: Never create or write it.
        shared: Usable from any thread (a connection kept open and guarded by its owner).
    """
    if read_only:
        return sqlite3.connect(f"file:{where}?mode=ro", uri=True, timeout=TIMEOUT_S * 2)
    return sqlite3.connect(where, timeout=TIMEOUT_S * 2, check_same_thread=not shared, isolation_level=None)


@contextmanager
def connect(where: str | Path, *, read_only: bool = False) -> Iterator[Any]:
    """A DB-API connection to a store for one block: one transaction, committed if the block succeeds.

    Args:
        where: A SQLite path or a PostgreSQL URL.
        read_only: SQLite only: open the file read-only (it must exist).
    """
    if is_postgres(where):
        import psycopg

        with psycopg.connect(str(where), connect_timeout=TIMEOUT_S) as pg:
            yield pg
        return
    lite = sqlite(where, read_only=read_only)
    try:
        lite.execute("BEGIN")
        yield lite
        lite.execute("COMMIT")
    except BaseException:
        if lite.in_transaction:
            lite.execute("ROLLBACK")
        raise
    finally:
        lite.close()


async def connect_async(url: str) -> Any:
    """An autocommitting asynchronous connection to PostgreSQL (the caller closes it)."""
    import psycopg

    return await psycopg.AsyncConnection.connect(url, autocommit=True, connect_timeout=TIMEOUT_S)


def table_exists(db: Any, where: str | Path, table: str) -> bool:
    """Whether a store already has a table (Rasa creates its tables on first use)."""
    if is_postgres(where):
        row = db.execute("SELECT to_regclass(%s) IS NOT NULL", (table,)).fetchone()
    else:
        row = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    return bool(row and row[0])

"""Index builds shared by every host: a PostgreSQL table of builds, and which one is current.

The production profile publishes each build here as well as to its own data
directory, so every action server, on any host, serves the same knowledge:

- ``index_builds``: one row a build, keyed by its directory's name, with the
  SHA-256 of its archive, the model it was built with, its passage count and
  the archive itself (a gzipped tar of the build directory);
- ``index_current``: one row naming the current build (the ETag a host polls).

:func:`publish` stores a build and makes it current in one transaction, then
prunes all but the newest few. :func:`current` is the cheap poll.
:func:`fetch` unpacks a build into a data directory only after checking its
hash, its model and its passage count; the caller then points ``current`` at
it, as a local build does. Standard library only (``psycopg`` is imported by
:mod:`contracts.stores` when a URL is opened).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from contracts import stores

#: Builds kept in the store: the current one and those just before it.
KEEP: Final = 3
#: The file in every build directory that names its model and counts its passages.
META_FILE: Final = "meta.json"
#: Where a host keeps its builds under its index directory (as a local publish does).
BUILDS_DIR: Final = "builds"

SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS index_builds (
    id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    model TEXT NOT NULL,
    passages INTEGER NOT NULL,
    archive BYTEA NOT NULL,
    published_at DOUBLE PRECISION NOT NULL
);
CREATE TABLE IF NOT EXISTS index_current (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    build TEXT NOT NULL REFERENCES index_builds (id),
    published_at DOUBLE PRECISION NOT NULL
);
"""


class BuildStoreError(RuntimeError):
    """A build in the store is missing, damaged, or not what its row says it is."""


@dataclass(frozen=True)
class Build:
    """One stored build, without its archive."""

    id: str
    content_hash: str
    model: str
    passages: int


def pack(directory: Path) -> bytes:
    """A gzipped tar of a build directory, the same bytes for the same files (sorted, no times or owners)."""
    directory = Path(directory)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=6) as tar:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            info = tarfile.TarInfo(path.relative_to(directory).as_posix())
            info.size = path.stat().st_size
            info.mode = 0o644
            with path.open("rb") as handle:
                tar.addfile(info, handle)
    return buffer.getvalue()


def _meta(directory: Path) -> dict[str, Any]:
    try:
        meta = json.loads((Path(directory) / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BuildStoreError(f"{directory} has no readable {META_FILE} ({exc})") from exc
    if not isinstance(meta, dict) or not isinstance(meta.get("model"), str):
        raise BuildStoreError(f"{directory}/{META_FILE} does not name a model")
    return meta


#: The stores whose tables this process has already made sure of (a poll each second needs no DDL).
_READY: set[str] = set()


def ensure_schema(url: str) -> None:
    """Create the two tables if they are not there yet (once per store and process)."""
    if url in _READY:
        return
    with stores.connect(url) as db:
        db.execute(SCHEMA)
    _READY.add(url)


def publish(url: str, directory: Path, keep: int = KEEP) -> Build:
    """Store a build directory and make it current, then prune all but the newest ``keep`` builds."""
    directory = Path(directory)
    meta = _meta(directory)
    archive = pack(directory)
    build = Build(
        directory.name, hashlib.sha256(archive).hexdigest(), meta["model"], int(meta.get("passages", 0))
    )
    now = time.time()
    ensure_schema(url)
    with stores.connect(url) as db:
        db.execute(
            "INSERT INTO index_builds (id, content_hash, model, passages, archive, published_at) "
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO NOTHING",
            (build.id, build.content_hash, build.model, build.passages, archive, now),
        )
        db.execute(
            "INSERT INTO index_current (singleton, build, published_at) VALUES (TRUE, %s, %s) "
            "ON CONFLICT (singleton) DO UPDATE "
            "SET build = EXCLUDED.build, published_at = EXCLUDED.published_at",
            (build.id, now),
        )
        db.execute(
            "DELETE FROM index_builds WHERE id <> %s AND id NOT IN "
            "(SELECT id FROM index_builds ORDER BY published_at DESC LIMIT %s)",
            (build.id, max(1, keep)),
        )
    return build


def current(url: str) -> Build | None:
    """The current build's row (no archive), or ``None`` when nothing has been published."""
    ensure_schema(url)
    with stores.connect(url) as db:
        row = db.execute(
            "SELECT b.id, b.content_hash, b.model, b.passages FROM index_current c "
            "JOIN index_builds b ON b.id = c.build"
        ).fetchone()
    return Build(row[0], row[1], row[2], int(row[3])) if row else None


def stored(url: str) -> list[Build]:
    """Every build in the store, newest first."""
    ensure_schema(url)
    with stores.connect(url) as db:
        rows = db.execute(
            "SELECT id, content_hash, model, passages FROM index_builds ORDER BY published_at DESC"
        ).fetchall()
    return [Build(r[0], r[1], r[2], int(r[3])) for r in rows]


def fetch(url: str, build: Build, index_dir: Path) -> Path:
    """Unpack a stored build into ``index_dir/builds/<id>``, checked first, and return its directory.

    A build already unpacked there is returned as it is. Nothing is left behind
    when a check fails.

    Raises:
        BuildStoreError: If the build is gone, its archive's hash differs from
            its row's, or its files name another model or passage count.
    """
    target = Path(index_dir) / BUILDS_DIR / build.id
    if (target / META_FILE).is_file():
        return target
    with stores.connect(url) as db:
        row = db.execute("SELECT archive FROM index_builds WHERE id = %s", (build.id,)).fetchone()
    if row is None:
        raise BuildStoreError(f"build {build.id} is no longer in the store")
    archive = bytes(row[0])
    if hashlib.sha256(archive).hexdigest() != build.content_hash:
        raise BuildStoreError(f"build {build.id}: its archive does not match its hash; not serving it")
    tmp = target.parent / f".{build.id}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            tar.extractall(tmp, filter="data")
        meta = _meta(tmp)
        if meta.get("model") != build.model or int(meta.get("passages", -1)) != build.passages:
            raise BuildStoreError(
                f"build {build.id}: its files say model {meta.get('model')!r} with {meta.get('passages')} "
                f"passages, its row {build.model!r} with {build.passages}; not serving it"
            )
        os.replace(tmp, target)
    except (tarfile.TarError, OSError) as exc:
        raise BuildStoreError(f"build {build.id} could not be unpacked ({exc})") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target

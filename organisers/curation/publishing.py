"""Where a build goes, and the lock that keeps changes one at a time, on one host or many.

The embedded profile publishes to its data directory and serialises changes
with a lock file there. The production profile (``DATABASE_URL``) also puts
every build in the shared store (:mod:`contracts.builds`), from which every
host's action server fetches it, and serialises changes with a PostgreSQL
advisory lock, so two gateways (or a gateway and ``senpai curate``) on two
hosts never build at once.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from contracts import builds, stores
from knowledge import Index, point_current, publish, save_build
from settings import Settings

#: The advisory lock's key: any 64-bit number the other users of the database don't use ("senpai_c").
ADVISORY_KEY = 0x73656E7061695F63


def publish_build(settings: Settings, index: Index) -> Path:
    """Publish a build where every host of the profile serves it, and return its directory.

    In production the build is stored in the shared store before this host's
    ``current`` moves, so a store that refuses it leaves every host, this one
    included, serving the previous build.
    """
    if settings.database is None:
        return publish(index, settings.index_dir)
    target = save_build(index, settings.index_dir)
    builds.publish(settings.database.as_url(), target)
    point_current(settings.index_dir, target.name)
    return target


@contextmanager
def change_lock(settings: Settings) -> Iterator[None]:
    """Hold the lock that lets one change build at a time: across hosts in production, else on this one."""
    if settings.database is not None:
        with stores.connect(settings.database.as_url()) as db:
            db.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_KEY,))
            try:
                yield
            finally:
                db.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_KEY,))
        return
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.data_dir / "curation.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)

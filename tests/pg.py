"""A throwaway PostgreSQL database on the local server, for tests that need a real one.

Tests that use it skip, saying why, where PostgreSQL is not running.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

PG = ("127.0.0.1", 5432)
ADMIN_URL = os.environ.get("SENPAI_TEST_PG_ADMIN_URL", "postgresql://root@127.0.0.1:5432/postgres")


def reachable(address: tuple[str, int]) -> bool:
    """Whether something listens at ``address``."""
    try:
        socket.create_connection(address, timeout=1).close()
    except OSError:
        return False
    return True


@contextmanager
def throwaway_database(prefix: str = "senpai_test") -> Iterator[str]:
    """Create an empty database, yield its URL, and drop it afterwards (skip if PostgreSQL is absent)."""
    if not reachable(PG):
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432")
    psycopg = pytest.importorskip("psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    try:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        pytest.skip(f"cannot create a test database with {ADMIN_URL}: {exc}")
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

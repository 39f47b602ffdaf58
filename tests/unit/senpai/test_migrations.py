"""Moving old Slack conversations into the Slack namespace, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from organisers.insights.queries import EVENTS_TABLE
from senpai.migrations import migrate_slack_conversations
from settings import ServiceURL, Settings
from tests.pg import throwaway_database


def user(sender: str, channel: str, text: str) -> tuple[str, str, str | None, str]:
    data = {"event": "user", "text": text, "input_channel": channel, "metadata": {}}
    return (sender, "user", None, json.dumps(data))


ROWS = [
    ("U0LEGACY", "action", "action_session_start", "{}"),
    user("U0LEGACY", "slack", "hello"),
    ("U0LEGACY", "slot", "role", json.dumps({"event": "slot", "name": "role", "value": "jte"})),
    user("slack:T0NEW:U0NEW", "slack", "already namespaced"),
    user("web:abcdefghijklmnopqrstuv", "rest", "a web user"),
    user("w-0123456789abcdef01234567", "rest", "an old web id, never moved"),
    user("UALSOWEB", "rest", "a web id that looks like a Slack id"),
]


class FakeSlackAuth:
    def __init__(self) -> None:
        self.team: str | None = "T0TEAM"

    async def auth_test(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != "Bearer xoxb-test" or self.team is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        return web.json_response({"ok": True, "team_id": self.team})


@pytest.fixture
async def slack() -> AsyncIterator[tuple[FakeSlackAuth, str]]:
    fake = FakeSlackAuth()
    app = web.Application()
    app.router.add_post("/api/auth.test", fake.auth_test)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    yield fake, str(server.make_url("/api/"))
    await server.close()


def slack_settings(base: Settings, api: str) -> Settings:
    return base.with_overrides(slack_bot_token="xoxb-test", slack_signing_secret="s", slack_api_url=api)


def sqlite_store(tmp_path: Path) -> tuple[Settings, Callable[[], list[tuple[Any, ...]]]]:
    settings = Settings(data_dir=tmp_path)
    with sqlite3.connect(settings.tracker_db) as db:
        db.execute(EVENTS_TABLE.format(id="INTEGER PRIMARY KEY"))
        db.executemany(
            "INSERT INTO events (sender_id, type_name, action_name, data) VALUES (?, ?, ?, ?)", ROWS
        )

    def rows() -> list[tuple[Any, ...]]:
        with sqlite3.connect(settings.tracker_db) as db:
            return db.execute("SELECT sender_id, type_name, data FROM events ORDER BY id").fetchall()

    return settings, rows


@pytest.fixture
def postgres_store() -> Iterator[tuple[Settings, Callable[[], list[tuple[Any, ...]]]]]:
    import psycopg

    with throwaway_database("senpai_migrate") as url:
        with psycopg.connect(url) as db:
            db.execute(EVENTS_TABLE.format(id="SERIAL PRIMARY KEY"))
            with db.cursor() as cur:
                cur.executemany(
                    "INSERT INTO events (sender_id, type_name, action_name, data) VALUES (%s, %s, %s, %s)",
                    ROWS,
                )
        database = ServiceURL("postgresql", "127.0.0.1", 5432, url.rsplit("/", 1)[1], "root", "")

        def rows() -> list[tuple[Any, ...]]:
            with psycopg.connect(url) as db:
                return db.execute("SELECT sender_id, type_name, data FROM events ORDER BY id").fetchall()

        yield Settings(database=database), rows


def moved(before: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The rows as they should be afterwards: the legacy Slack conversation renamed, all else as it was."""
    return [("slack:T0TEAM:U0LEGACY", *row[1:]) if row[0] == "U0LEGACY" else row for row in before]


async def check(
    settings: Settings, rows: Callable[[], list[tuple[Any, ...]]], slack: tuple[Any, str]
) -> None:
    fake, api = slack
    before = rows()
    # Without Slack configured nothing moves (the workspace is unknown).
    assert "until Slack is configured" in await migrate_slack_conversations(settings)
    assert rows() == before
    # Slack refusing the token: nothing moves, and the next start tries again.
    fake.team = None
    assert "not moved yet" in await migrate_slack_conversations(slack_settings(settings, api))
    assert rows() == before
    fake.team = "T0TEAM"
    note = await migrate_slack_conversations(slack_settings(settings, api))
    assert note == "moved 1 Slack conversation(s) to slack:T0TEAM:USER ids"
    assert rows() == moved(before)
    assert await migrate_slack_conversations(slack_settings(settings, api)) == ""  # idempotent
    assert rows() == moved(before)


async def test_sqlite_store(tmp_path: Path, slack: tuple[Any, str]) -> None:
    await check(*sqlite_store(tmp_path), slack)


async def test_postgresql_store(
    postgres_store: tuple[Settings, Callable[[], list[tuple[Any, ...]]]], slack: tuple[Any, str]
) -> None:
    await check(*postgres_store, slack)


async def test_a_store_rasa_has_not_created_yet_is_left_alone(tmp_path: Path) -> None:
    assert await migrate_slack_conversations(Settings(data_dir=tmp_path)) == ""
    assert not (tmp_path / "tracker.db").exists()

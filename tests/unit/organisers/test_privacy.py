"""Retention and forgetting one person, on SQLite (the embedded profile) and PostgreSQL (production)."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.feedback import FeedbackStore, PostgresFeedbackStore
from bot.sender_keys import SenderKeys
from organisers.privacy import DAY_S, conversation_id, expire, forget
from senpai.benchmarks.insights_store import fill_events
from senpai.cli import main
from settings import ServiceURL, Settings
from tests.pg import throwaway_database

NOW = time.time()
OLD = NOW - 200 * DAY_S
A, B = "web:aaaaaaaaaaaaaaaaaaaaaa", "slack:T0TEAM:U0BEE"


def event(sender: str, text: str, at: float) -> tuple[str, str, float, str]:
    return (sender, "user", at, json.dumps({"event": "user", "text": text, "timestamp": at}))


EVENT_ROWS = [
    event(A, "an old question of A", OLD),
    event(A, "a recent question of A", NOW - DAY_S),
    event(B, "a recent question of B", NOW - 2 * DAY_S),
]

Store = tuple[Settings, Callable[[str], list[Any]]]


def _rate_old_and_new(store: Any, run: Callable[[Any], Any], age: Callable[[float], None]) -> None:
    """A rating by A made 200 days ago, and one by B made now, through the gateway's own store."""
    run(store.add(A, "m-a", -1, "too vague"))
    age(OLD)
    run(store.add(B, "m-b", 1, None))


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    import asyncio

    settings = Settings(data_dir=tmp_path)
    with sqlite3.connect(settings.tracker_db) as db:
        fill_events(db, EVENT_ROWS)
    store = FeedbackStore(settings.feedback_db)

    def age(at: float) -> None:
        with sqlite3.connect(settings.feedback_db) as db:
            db.execute("UPDATE feedback SET created_at = ?", (at,))

    _rate_old_and_new(store, asyncio.run, age)

    def rows(query: str) -> list[Any]:
        path = settings.feedback_db if "feedback" in query else settings.tracker_db
        with sqlite3.connect(path) as db:
            return db.execute(query).fetchall()

    yield settings, rows


@pytest.fixture
def postgres_store() -> Iterator[Store]:
    import asyncio

    import psycopg

    with throwaway_database("senpai_privacy") as url:
        with psycopg.connect(url) as db:
            fill_events(db, EVENT_ROWS, postgres=True)

        def age(at: float) -> None:
            with psycopg.connect(url) as db:
                db.execute("UPDATE feedback SET created_at = %s", (at,))

        store = PostgresFeedbackStore(url)

        async def both() -> None:
            await store.add(A, "m-a", -1, "too vague")
            age(OLD)
            await store.add(B, "m-b", 1, None)
            await store.aclose()

        asyncio.run(both())

        def rows(query: str) -> list[Any]:
            with psycopg.connect(url) as db:
                return db.execute(query).fetchall()

        database = ServiceURL("postgresql", "127.0.0.1", 5432, url.rsplit("/", 1)[1], "root", "")
        yield Settings(database=database), rows


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> Store:
    fixture: Store = request.getfixturevalue(f"{request.param}_store")
    return fixture


def test_retention_deletes_what_is_older_and_nothing_else(store: Store) -> None:
    settings, rows = store
    deleted = expire(settings, 180, now=NOW)
    assert (deleted.events, deleted.feedback) == (1, 1)
    texts = sorted(json.loads(d)["text"] for (d,) in rows("SELECT data FROM events"))
    assert texts == ["a recent question of A", "a recent question of B"]
    assert rows("SELECT sender, message_id FROM feedback") == [(B, "m-b")]
    assert expire(settings, 180, now=NOW).events == 0  # nothing left that old


def test_forget_deletes_one_conversation_and_nothing_else(store: Store) -> None:
    settings, rows = store
    deleted = forget(settings, A)
    assert (deleted.events, deleted.feedback) == (2, 1)
    assert {s for (s,) in rows("SELECT sender_id FROM events")} == {B}
    assert rows("SELECT sender FROM feedback") == [(B,)]


def test_forget_takes_the_id_a_user_has(tmp_path: Path) -> None:
    token = SenderKeys(b"s" * 32).issue()
    assert conversation_id(token) == SenderKeys(b"s" * 32).conversation(token)
    assert conversation_id(" slack:T1:U2 ") == "slack:T1:U2"
    for bad in ("", "UOWNER42", "web:", "DROP TABLE events"):
        with pytest.raises(ValueError, match="is not a conversation"):
            conversation_id(bad)


def test_the_forget_command(sqlite_store: Store, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    settings, rows = sqlite_store
    monkeypatch.setenv("SENPAI_DATA_DIR", str(settings.data_dir))
    assert main(["forget", "UOWNER42"]) == 2
    assert "is not a conversation" in capsys.readouterr().err
    assert main(["forget", B]) == 0
    assert "deleted 1 conversation event(s) and 1 rating(s)" in capsys.readouterr().out
    assert {s for (s,) in rows("SELECT sender_id FROM events")} == {A}


def test_a_store_with_nothing_yet_is_left_alone(tmp_path: Path) -> None:
    assert str(expire(Settings(data_dir=tmp_path / "new"), 30)) == "0 conversation event(s) and 0 rating(s)"


def test_retention_has_a_limit_by_default_and_refuses_nonsense() -> None:
    from settings import SettingsError

    assert Settings.from_env({}).retention_days == 180
    assert Settings.from_env({"SENPAI_RETENTION_DAYS": "30"}).retention_days == 30
    with pytest.raises(SettingsError, match="SENPAI_RETENTION_DAYS"):
        Settings.from_env({"SENPAI_RETENTION_DAYS": "0"})


def test_retention_deletes_the_organisers_changes_nobody_kept(store: Store) -> None:
    from organisers.curation.store import EXPORTED, FAILED, UNDONE, CurationStore

    settings, _ = store
    curation = CurationStore.of(settings)
    made = [
        curation.add({"kind": "attach", "passage": "p", "questions": ["live"]}, "o"),
        curation.add({"kind": "attach", "passage": "p", "questions": ["exported"]}, "o"),
        curation.add({"kind": "ignore", "questions": ["my name is Aiko Tanaka"]}, "o"),
        curation.add({"kind": "attach", "passage": "p", "questions": ["undone"]}, "o"),
        curation.add({"kind": "draft", "passage": {}, "questions": ["failed"]}, "o"),
    ]
    curation.end(made[1].id, EXPORTED, "dev")
    curation.end(made[3].id, UNDONE, "o")
    curation.end(made[4].id, FAILED, "o")
    assert expire(settings, 180).curation == 0  # nothing is that old yet
    later = time.time() + 181 * 86400
    assert expire(settings, 180, now=later).curation == 3  # the ignore, the undone and the failed
    assert {r.data["questions"][0] for r in curation.changes()} == {"live", "exported"}  # knowledge stays

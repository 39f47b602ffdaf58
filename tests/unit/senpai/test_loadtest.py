"""The load test's own arithmetic: scripts, percentiles, errors, and counting the tracker store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from senpai import loadtest
from senpai.benchmarks.stats import percentile
from senpai.loadtest import Outcome
from tests.unit.fakes import KEYS


def test_each_user_mixes_answers_follow_ups_fallbacks_and_small_talk() -> None:
    messages = loadtest.script(3, 10)
    assert len(messages) == 10 and messages[0] == "hi" and messages[-1] == "thanks"
    assert {"tell me more", "where is that from?"} <= set(messages)
    assert any(m in loadtest.OUT_OF_SCOPE for m in messages)
    assert loadtest.script(3, 10) != loadtest.script(4, 10)  # users do not move in lock step


def test_percentiles_by_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 0.5), percentile(values, 0.95)) == (50.0, 95.0)
    assert percentile(values, 0.99) == 99.0 and percentile([], 0.5) == 0.0


def test_errors_count_http_failures_error_replies_and_transport_errors() -> None:
    outcomes = [
        Outcome(0.1, 200, "answer"),
        Outcome(0.2, 200, "error"),
        Outcome(0.3, 503, "error"),
        Outcome(5.0, 0, "TimeoutError"),
    ]
    report = loadtest.summarise("embedded", 2, 2, outcomes, wall_s=2.0)
    assert report.errors == 3
    assert report.error_kinds == {"kind error": 1, "HTTP 503": 1, "TimeoutError": 1}
    assert report.throughput_per_s == 2.0 and report.kinds == {"answer": 1, "error": 1}


def test_user_events_are_counted_in_rasas_sqlite_tracker_store(tmp_path: Path) -> None:
    ours = [KEYS.issue(), KEYS.issue()]
    db_path = tmp_path / "tracker.db"
    with sqlite3.connect(db_path) as db:
        db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id TEXT, type_name TEXT)")
        db.executemany(
            "INSERT INTO events (sender_id, type_name) VALUES (?, ?)",
            [
                (KEYS.conversation(ours[0]), "user"),
                (KEYS.conversation(ours[0]), "bot"),
                (KEYS.conversation(ours[1]), "user"),
                (KEYS.conversation(KEYS.issue()), "user"),  # another run's
            ],
        )
    assert loadtest.count_user_events(set(ours), sqlite_path=db_path) == 2
    assert loadtest.count_user_events(set(), sqlite_path=db_path) == 0

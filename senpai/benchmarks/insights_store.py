"""``senpai bench --insights``: the insights page and the orientation report on a busy store.

100,000 messages in 5,000 conversations. A throwaway store is filled with
simulated conversations over 90 days, in Rasa's own ``events`` layout, on
SQLite and on the local PostgreSQL. Then the overview and the orientation
report are computed for the last 30 days and for all time, and the
missed questions (one in twenty turns, about 5,000 in all, each worded
differently) are clustered.
Each figure sits beside its floor: reading every event of the range once,
with nothing computed.
"""

from __future__ import annotations

import functools
import json
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from knowledge.encoders.base import Encoder
from organisers.insights.missed import cluster
from organisers.insights.overview import missed, overview
from organisers.insights.queries import DAY_S, EVENTS_TABLE, Store
from organisers.report.cohort import Cohort, questions
from organisers.report.tally import build
from organisers.report.themes import Themes
from senpai.benchmarks.stats import rss_mb

#: Themes of the questions nobody covers, each asked in several ways.
MISSED = [
    ["where can I park at school", "is there a car park for teachers", "can I drive to school and park"],
    ["how do I renew my visa", "visa extension for JET", "when do I extend my residence card"],
    ["do I pay for school lunch", "how much is kyushoku", "can I bring a bento instead of school lunch"],
    [
        "how do I send money home",
        "cheapest way to transfer money abroad",
        "international bank transfer from japan",
    ],
    ["is it going to snow this week", "weather forecast for tomorrow", "when does the rainy season start"],
    ["how do I get a phone contract", "best sim card for foreigners", "which phone plan should I choose"],
]
PLACES = ["in my town", "at my school", "as an ALT", "this year", "for JET people", "near the station"]
ANSWERED = ["When did JET start?", "What is the Dabbler identity?", "What do ALTs want from JTEs?"]


def events(conversations: int, turns: int, now: float, seed: int = 7) -> Iterator[tuple[Any, ...]]:
    """Rows of simulated conversations: each turn a user message and a reply, one in twenty missed."""
    rng = random.Random(seed)
    for c in range(conversations):
        sender = f"slack:T1:U{c:05d}" if c % 5 == 0 else f"web:{c:022d}"
        at = now - rng.uniform(0, 90 * DAY_S)
        if c % 7 == 0:
            yield (sender, "slot", at, json.dumps({"event": "slot", "name": "role", "value": "jte"}))
        for t in range(turns):
            at += rng.uniform(5, 60)
            if rng.random() < 0.05:
                theme = rng.randrange(len(MISSED))
                # Each asked in its own words, as people do: nothing for the clustering to deduplicate.
                text = f"{rng.choice(MISSED[theme])} {rng.choice(PLACES)} {c % 97}{t}?"
                meta: dict[str, Any] = {"kind": "fallback", "citations": [], "lang": "en"}
                meta["missed"] = {"not_covered": f"topic-{theme}", "nearest": "jet-start-1987", "score": 0.1}
                reply = "I'm sorry, I don't know that."
            else:
                text = ANSWERED[t % len(ANSWERED)]
                citation = {
                    "passage_id": f"passage-{t % 40}",
                    "title": "A passage",
                    "source": "S",
                    "section": "F",
                }
                meta = {"kind": "answer", "citations": [citation], "lang": "en"}
                reply = f"An answer about {t % 40}."
            yield (sender, "user", at, json.dumps({"event": "user", "timestamp": at, "text": text}))
            data = {
                "event": "bot",
                "timestamp": at + 0.2,
                "text": reply,
                "data": {"custom": {"senpai": meta}},
            }
            yield (sender, "bot", at + 0.2, json.dumps(data))


def fill_events(db: Any, rows: list[tuple[Any, ...]], *, postgres: bool = False) -> None:
    """Create Rasa's ``events`` table on a connection and insert ``(sender, type, time, data)`` rows."""
    db.execute(EVENTS_TABLE.format(id="SERIAL PRIMARY KEY" if postgres else "INTEGER PRIMARY KEY"))
    mark = "%s" if postgres else "?"
    insert = (
        f"INSERT INTO events (sender_id, type_name, timestamp, data) VALUES ({mark}, {mark}, {mark}, {mark})"
    )
    if postgres:
        with db.cursor() as cur:
            cur.executemany(insert, rows)
    else:
        db.executemany(insert, rows)


@contextmanager
def sqlite_store(rows: list[tuple[Any, ...]]) -> Iterator[Store]:
    """A filled SQLite tracker store in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix="senpai-insights-") as tmp:
        path = Path(tmp) / "tracker.db"
        with sqlite3.connect(path) as db:
            fill_events(db, rows)
        yield Store(path, Path(tmp) / "feedback.sqlite3")


@contextmanager
def postgres_store(rows: list[tuple[Any, ...]], admin: str) -> Iterator[Store]:
    """A filled PostgreSQL tracker store in a throwaway database on the local server."""
    import psycopg

    name = f"senpai_insights_bench_{int(time.time())}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as db:
        db.execute(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    try:
        with psycopg.connect(url) as db:
            fill_events(db, rows, postgres=True)
        yield Store(url)
    finally:
        with psycopg.connect(admin, autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def timed(work: Callable[[], Any], trials: int) -> float:
    """Median seconds of ``trials`` runs of ``work``."""
    seconds = []
    for _ in range(trials):
        start = time.perf_counter()
        work()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def orientation_report(store: Store, since: float, until: float) -> dict[str, Any]:
    """The orientation report of a range, every question themed and tallied (no corpus titles)."""
    themes = Themes.load({})
    return build(questions(store, since, until, themes), since, until, Cohort(), {})


def measure_store(store: Store, now: float, encoders: dict[str, Encoder], trials: int) -> dict[str, Any]:
    """The overview and the clustering on one store, for 30 days and all time, beside the floor."""
    figures: dict[str, Any] = {}
    for label, since in (("30_days", now - 30 * DAY_S), ("all_time", 0.0)):
        every = "SELECT sender_id, data FROM events WHERE timestamp >= {p}"
        floor = timed(functools.partial(store.rows, every, (since,)), trials)
        page = timed(functools.partial(overview, store, since, now + 1), trials)
        orientation = timed(functools.partial(orientation_report, store, since, now + 1), trials)
        asked = missed(store, since, now + 1)
        start = time.perf_counter()
        clusters = cluster(asked, encoders)
        clustering = time.perf_counter() - start
        figures[label] = {
            "overview_s": round(page, 3),
            "read_every_event_s": round(floor, 3),
            "overview_ratio": round(page / floor, 3) if floor else None,
            "report_s": round(orientation, 3),
            "report_ratio": round(orientation / floor, 3) if floor else None,
            "missed_questions": len(asked),
            "clustering_s": round(clustering, 3),
            "clusters": len(clusters),
        }
    return figures


def measure(encoders: dict[str, Encoder], admin_url: str | None, quick: bool = False) -> dict[str, Any]:
    """Fill both stores and measure them (PostgreSQL is left out, saying why, if it can't be reached)."""
    now = time.time()
    rows = list(events(5000, 20, now))
    figures: dict[str, Any] = {"messages": sum(1 for r in rows if r[1] == "user"), "conversations": 5000}
    trials = 2 if quick else 3
    before = rss_mb_self()
    with sqlite_store(rows) as store:
        figures["sqlite"] = measure_store(store, now, encoders, trials)
    figures["rss_mb_growth"] = round(rss_mb_self() - before, 1)
    if admin_url is None:
        figures["postgres"] = "not measured: no PostgreSQL"
        return figures
    try:
        with postgres_store(rows, admin_url) as store:
            figures["postgres"] = measure_store(store, now, encoders, trials)
    except Exception as exc:  # the local server may be absent
        figures["postgres"] = f"not measured: {type(exc).__name__}: {exc}"
    return figures


def rss_mb_self() -> float:
    """This process's resident memory in MB."""
    import os

    return rss_mb(os.getpid())

"""The organisers' insights over a real tracker store (SQLite and PostgreSQL), and senpai insights."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.feedback import FeedbackStore
from organisers.insights.export import cluster_rows, safe_cell, to_csv
from organisers.insights.missed import cluster
from organisers.insights.overview import message_id, missed, overview
from organisers.insights.queries import Store, pseudonym
from senpai.benchmarks.insights_store import fill_events
from senpai.cli import main
from settings import Settings
from tests.pg import throwaway_database

DAY = 86_400
T0 = 1_796_000_000.0  # 2026-11-30
THEMES = {
    "parking": ["where can I park my car at school", "is there parking for teachers at my school",
                "can ALTs use the school car park"],
    "visa": ["how do I renew my visa", "visa extension for JET", "when should I apply to extend my visa"],
    "lunch": ["do I have to pay for school lunch", "can I bring my own lunch instead of school lunch",
              "is school lunch compulsory for ALTs"],
}  # fmt: skip


def user(sender: str, text: str, at: float, channel: str = "rest") -> tuple[Any, ...]:
    data = {"event": "user", "timestamp": at, "text": text, "input_channel": channel, "parse_data": {}}
    return (sender, "user", at, json.dumps(data))


def bot(sender: str, text: str, at: float, kind: str, **meta: Any) -> tuple[Any, ...]:
    custom = {"senpai": {"kind": kind, "citations": meta.pop("citations", []), **meta}}
    data = {"event": "bot", "timestamp": at, "text": text, "data": {"buttons": [], "custom": custom}}
    return (sender, "bot", at, json.dumps(data, ensure_ascii=False))


def slot(sender: str, name: str, value: Any, at: float) -> tuple[Any, ...]:
    return (sender, "slot", at, json.dumps({"event": "slot", "timestamp": at, "name": name, "value": value}))


def cite(pid: str, title: str) -> dict[str, Any]:
    return {"passage_id": pid, "title": title, "source": "Hiratsuka (2025)", "section": "Findings"}


def conversations() -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    at = T0
    # Three web conversations and one Slack one with answers; one JTE; one in Japanese.
    for n, sender in enumerate(["web:a", "web:b", "slack:T1:U1", "web:j"]):
        rows.append(user(sender, "hi", at))
        rows.append(bot(sender, "Hi, I'm Senpai!", at + 1, "smalltalk"))
        if sender == "web:b":
            rows.append(slot(sender, "role", "jte", at + 2))
        question = "JETはいつ始まりましたか？" if sender == "web:j" else "When did JET start?"
        rows.append(user(sender, question, at + 3))
        lang = "ja" if sender == "web:j" else "en"
        rows.append(
            bot(
                sender,
                f"JET began in 1987 ({n}).",
                at + 4,
                "answer",
                lang=lang,
                citations=[cite("jet-start", "Start")],
            )
        )
        at += 60
    # Missed questions on three themes, in new web conversations, one of them on an older day.
    for theme, questions in THEMES.items():
        for k, q in enumerate(questions):
            sender = f"web:{theme}{k}"
            when = T0 - 3 * DAY if (theme, k) == ("visa", 0) else at
            rows.append(user(sender, q, when))
            info = {
                "not_covered": "housing-daily-life" if theme == "parking" else None,
                "nearest": "jet-salary",
                "score": 0.12,
            }
            rows.append(bot(sender, "I'm sorry, I don't know that.", when + 1, "fallback", missed=info))
            at += 10
    # Something the insights must never take for a missed question: "tell me more" with nothing before it.
    rows.append(user("web:z", "tell me more", at))
    rows.append(bot("web:z", "I haven't answered anything yet.", at + 1, "fallback"))
    return rows


def rate(store: Any, sender: str, text: str, rating: int, comment: str | None = None) -> None:
    asyncio.run(store.add(sender, message_id(sender, text), rating, comment))


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[tuple[Store, Settings]]:
    settings = Settings(data_dir=tmp_path)
    with sqlite3.connect(settings.tracker_db) as db:
        fill_events(db, conversations())
    feedback = FeedbackStore(settings.feedback_db)
    rate(feedback, "web:a", "JET began in 1987 (0).", -1, '=HYPERLINK("http://evil")')
    rate(feedback, "web:b", "JET began in 1987 (1).", 1)
    with sqlite3.connect(settings.feedback_db) as db:
        db.execute("UPDATE feedback SET created_at = ?", (T0 + 100,))
    yield Store(settings.tracker_db, settings.feedback_db), settings


@pytest.fixture
def postgres_store() -> Iterator[tuple[Store, Settings]]:
    import psycopg

    from bot.feedback import PostgresFeedbackStore

    with throwaway_database("senpai_insights") as url:
        with psycopg.connect(url) as db:
            fill_events(db, conversations(), postgres=True)

        async def ratings() -> None:
            feedback = PostgresFeedbackStore(url)
            await feedback.add("web:a", message_id("web:a", "JET began in 1987 (0)."), -1, '=HYPERLINK("x")')
            await feedback.add("web:b", message_id("web:b", "JET began in 1987 (1)."), 1, None)
            await feedback.aclose()

        asyncio.run(ratings())
        with psycopg.connect(url) as db:
            db.execute("UPDATE feedback SET created_at = %s", (T0 + 100,))
        yield Store(url), Settings()


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest) -> tuple[Store, Settings]:
    found: tuple[Store, Settings] = request.getfixturevalue(f"{request.param}_store")
    return found


def test_the_overview_counts_what_the_tracker_store_holds(store: tuple[Store, Settings]) -> None:
    db, _ = store
    view = overview(db, T0 - DAY, T0 + DAY, {"jet-start": "jet_programme"})
    assert view.messages == 8 + 8 + 1  # two turns in each of four conversations, 8 missed, "tell me more"
    assert view.channels == {"web": 15, "slack": 2}
    assert view.roles == {"alt": 0, "jte": 1, "unknown": 12}
    assert view.languages == {"en": 16, "ja": 1}  # replies: 8 in the four conversations, 9 fallbacks
    rates = view.kind_rates()
    assert rates["answer"] == round(4 / 17, 4) and rates["fallback"] == round(9 / 17, 4)
    assert view.passages == [("jet-start", "Start", 4)] and view.topics == [("jet_programme", 4)]
    assert view.feedback == [("jet-start", 1, 1)]
    everything = overview(db, 0, T0 + DAY)
    assert everything.messages == view.messages + 1  # the visa question three days before


def test_missed_questions_are_the_fallbacks_to_questions(store: tuple[Store, Settings]) -> None:
    db, _ = store
    asked = missed(db, T0 - 5 * DAY, T0 + DAY)
    assert sorted(m.text for m in asked) == sorted(q for qs in THEMES.values() for q in qs)
    assert {m.not_covered for m in asked if "park" in m.text} == {"housing-daily-life"}
    assert all(m.nearest == "jet-salary" and m.score == 0.12 for m in asked)
    assert len(missed(db, T0 - DAY, T0 + DAY)) == 8  # the range holds


def test_three_themes_come_out_as_three_clusters(sqlite_store: tuple[Store, Settings], encoder: Any) -> None:
    db, _ = sqlite_store
    clusters = cluster(missed(db, 0, T0 + DAY), {"en": encoder})
    assert [c.size for c in clusters] == [3, 3, 3]
    by_theme = {frozenset(c.examples) for c in clusters}
    assert by_theme == {frozenset(qs) for qs in THEMES.values()}
    parking = next(c for c in clusters if "park" in c.examples[0])
    assert (
        parking.not_covered == "housing-daily-life"
        and parking.nearest == "jet-salary"
        and parking.score == 0.12
    )


def test_csv_never_hands_a_spreadsheet_a_formula() -> None:
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("http://evil")'):
        assert safe_cell(bad) == "'" + bad
    assert safe_cell("fine") == "fine" and safe_cell(3) == 3
    text = to_csv(("q", "n"), [("=cmd|' /C calc'!A0", 1), ('a, "quoted" question', 2)])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["q", "n"], ["'=cmd|' /C calc'!A0", "1"], ['a, "quoted" question', "2"]]


def test_pseudonyms_are_stable_and_reveal_nothing() -> None:
    key = b"k" * 32
    assert pseudonym("slack:T1:U0OWNER", key) == pseudonym("slack:T1:U0OWNER", key)
    assert pseudonym("slack:T1:U0OWNER", key).startswith("slack-") and "U0OWNER" not in pseudonym(
        "slack:T1:U0OWNER", key
    )
    assert pseudonym("web:abc", key) != pseudonym("web:abd", key) != pseudonym("web:abc", b"other" * 8)


def test_the_insights_command(
    sqlite_store: tuple[Store, Settings], monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    _, settings = sqlite_store
    monkeypatch.setenv("SENPAI_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SENPAI_ENCODER_BACKEND", "torch")
    monkeypatch.setenv("SENPAI_JAPANESE", "0")
    day = time.strftime("%Y-%m-%d", time.gmtime(T0))
    assert main(["insights", "--since", day, "--until", day]) == 0
    out = capsys.readouterr().out
    assert "17 messages" in out and "| slack | 2 |" in out and "- **3** (en)" in out
    assert main(["insights", "--since", day, "--until", day, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert sorted(r["size"] for r in rows) == ["2", "3", "3"]  # one visa question was asked days before
    assert main(["insights", "--since", day, "--until", day, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["channels"] == {"slack": 2, "web": 15} and len(data["missed_clusters"]) == 3
    assert main(["insights", "--since", "2026-12-01", "--until", "2026-11-01"]) == 2
    with pytest.raises(SystemExit):
        main(["insights", "--since", "yesterday"])
    assert cluster_rows([]) == []

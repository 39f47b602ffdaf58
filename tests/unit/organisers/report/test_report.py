"""The orientation report over a real tracker store: themes, small cells, filters, sessions, formats."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from knowledge.content.corpus import Passage
from knowledge.content.curation import key
from organisers.insights.queries import Store
from organisers.report import render
from organisers.report.assemble import passages_of, report
from organisers.report.cohort import Cohort
from organisers.report.refinements import HIDE, THEME, Refinements
from senpai.benchmarks.insights_store import fill_events
from senpai.cli import main
from settings import Settings
from tests.unit.organisers.report.cohort_data import events
from tests.unit.organisers.test_insights import DAY, T0

SINCE, UNTIL = T0 - DAY, T0 + 30 * DAY


@pytest.fixture(scope="module")
def passages() -> dict[str, Passage]:
    return passages_of(Settings())


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    found = Settings(data_dir=tmp_path)
    with sqlite3.connect(found.tracker_db) as db:
        fill_events(db, events())
    yield found


def make(
    settings: Settings, passages: dict[str, Passage], cohort: Cohort | None = None, **kw: Any
) -> dict[str, Any]:
    return report(
        settings, SINCE, UNTIL, cohort or Cohort(), passages=passages, store=Store.of(settings), **kw
    )


def themes(found: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["theme"]: t for t in found["themes"]}


def test_every_question_is_counted_under_its_theme_and_small_cells_are_not_shown(
    settings: Settings, passages: dict[str, Passage]
) -> None:
    found = make(settings, passages)
    got = themes(found)
    assert [t["theme"] for t in found["themes"]] == [
        "role_identity",
        "jtes",
        "jet_aims",
        "living_in_japan",
        "other",
    ]
    assert (found["questions"], found["answered"], found["missed"], found["conversations"]) == (
        26,
        16,
        10,
        26,
    )
    counts = {k: (v["questions"], v["answered"], v["missed"]) for k, v in got.items()}
    assert counts == {
        "role_identity": (6, 6, 0),
        "jtes": (5, 5, 0),
        "jet_aims": (5, 5, 0),
        "living_in_japan": (7, 0, 7),
        "other": (None, None, None),  # three conversations: fewer than five
    }
    assert got["other"]["suppressed"] and not got["jtes"]["suppressed"]
    assert got["living_in_japan"]["share"] == round(7 / 26, 4)
    assert got["living_in_japan"]["missed_share"] == round(7 / 10, 4)
    assert got["living_in_japan"]["by_role"] == {"alt": 5, "jte": None}  # two JTE conversations: not shown
    assert got["jtes"]["by_role"] == {"alt": None, "jte": 5}
    assert found["roles"]["jte"]["jtes"]["questions"] == 5
    assert found["comparison"] == (
        "The study found that orientations mostly covered living in Japan; this cohort asked about it in "
        "27% of questions, and about their role and identity in 23%, their JTEs in 19% and what JET is "
        "for in 19%."
    )
    assert got["living_in_japan"]["finding"]["passage_id"] == "pd-orientation-content"
    assert "Hiratsuka (2025)" in got["living_in_japan"]["finding"]["citation"]


def test_the_trend_is_by_week(settings: Settings, passages: dict[str, Passage]) -> None:
    weeks = make(settings, passages)["weeks"]
    assert [w["week"] for w in weeks] == ["2026-W49", "2026-W50"]
    assert (weeks[0]["role_identity"], weeks[0]["jtes"], weeks[0]["living_in_japan"]) == (6, 5, 5)
    assert (weeks[1]["jet_aims"], weeks[1]["living_in_japan"]) == (5, None)


@pytest.mark.parametrize(
    ("cohort", "expected"),
    [
        (
            Cohort(role="alt"),
            {"role_identity": 6, "jtes": None, "jet_aims": 5, "living_in_japan": 5, "other": None},
        ),
        (
            Cohort(role="jte"),
            {"role_identity": None, "jtes": 5, "jet_aims": None, "living_in_japan": None, "other": None},
        ),
        (
            Cohort(lang="ja"),
            {"role_identity": None, "jtes": 5, "jet_aims": None, "living_in_japan": None, "other": None},
        ),
        (
            Cohort(channel="slack"),
            dict.fromkeys(("role_identity", "jtes", "jet_aims", "living_in_japan", "other")),
        ),
    ],
)
def test_the_cohort_filters(
    settings: Settings, passages: dict[str, Passage], cohort: Cohort, expected: dict[str, Any]
) -> None:
    found = make(settings, passages, cohort)
    assert {k: v["questions"] for k, v in themes(found).items()} == expected
    assert found["cohort"] == cohort.as_dict()


def test_sessions_are_ranked_by_demand_and_misses_and_jtes_get_theirs(
    settings: Settings, passages: dict[str, Passage]
) -> None:
    sessions = make(settings, passages)["sessions"]
    assert [s["theme"] for s in sessions] == [
        "living_in_japan",
        "role_identity",
        "jtes",
        "jet_aims",
        "jte_session",
    ]
    living = sessions[0]
    assert living["open_with"] == ["How do I pay my residence tax?", "住民税はどう払いますか？"]
    assert "pd-orientation-content" in [p["passage_id"] for p in living["passages"]]
    role = sessions[1]
    assert [p["passage_id"] for p in role["passages"]] == [
        "identity-foreigner-overview",
        "pd-want-about-alts",
    ]
    assert role["why"] == "6 questions (23% of all), 0 of them not answered."
    assert sessions[-1]["passages"][0]["passage_id"] == "pd-jte-attendance-for-jtes"
    assert "7 questions" in sessions[-1]["why"]


def test_quotes_can_be_turned_off_and_a_hidden_question_is_never_quoted(
    settings: Settings, passages: dict[str, Passage]
) -> None:
    quoted = themes(make(settings, passages))["role_identity"]["top_questions"]
    assert quoted[0]["text"] == "Am I just a novelty foreigner here?" and quoted[0]["asked"] == 6
    assert all(name.startswith("web:") for name in quoted[0]["asked_by"])  # the caller's pseudonyms
    assert all(not t["top_questions"] for t in make(settings, passages, quotes=False)["themes"])
    refinements = Refinements.of(settings)
    refinements.add(HIDE, "am i just a novelty foreigner here", "Am I just a novelty foreigner here?", "org")

    refinements.add(
        HIDE, key("Am I just a novelty foreigner here?"), "Am I just a novelty foreigner here?", "org"
    )
    assert themes(make(settings, passages))["role_identity"]["top_questions"] == []
    assert themes(make(settings, passages))["role_identity"]["questions"] == 6  # still counted


def test_a_theme_refinement_moves_questions_and_undoing_it_moves_them_back(
    settings: Settings, passages: dict[str, Passage]
) -> None:
    refinements = Refinements.of(settings)
    change = refinements.add(THEME, "not_covered:money-tax-banking", "other", "Aiko (edit)")
    moved = themes(make(settings, passages))
    assert moved["living_in_japan"]["questions"] is None and moved["other"]["questions"] == 10
    assert refinements.undo(change.id, "Ben (edit)")
    back = themes(make(settings, passages))
    assert back["living_in_japan"]["questions"] == 7
    record = refinements.all()[0]
    assert (record.who, record.state, record.ended_by) == ("Aiko (edit)", "undone", "Ben (edit)")
    with pytest.raises(ValueError, match="theme must be one of"):
        refinements.add(THEME, "topic:jte", "parking", "x")
    with pytest.raises(ValueError, match="topic:ID, passage:ID or not_covered:ID"):
        refinements.add(THEME, "anything", "jtes", "x")


def test_every_format_carries_the_figures(settings: Settings, passages: dict[str, Passage]) -> None:
    found = make(settings, passages)
    rows = list(csv.reader(io.StringIO(render.as_csv(found))))
    assert rows[0] == list(render.CSV_HEADER)
    assert ["theme", "living_in_japan", "", "", "questions", "7"] in rows
    assert json.loads(render.as_json(found))["themes"][3]["missed"] == 7
    markdown = render.as_markdown(found)
    assert "| Living in Japan | 7 | 7 | 26.9% | 70.0% | 5 | <5 |" in markdown
    page = render.standalone(found)
    assert '<table class="figures" id="themes">' in page and "<script>" in page
    assert "Suggested sessions for the next orientation" in page


def test_the_report_follows_the_organisers_language(settings: Settings, passages: dict[str, Passage]) -> None:
    found = make(settings, passages, lang="ja")
    assert themes(found)["living_in_japan"]["label"] == "日本での生活"
    assert found["sessions"][0]["title"].startswith("日本での生活")
    assert "研究では、オリエンテーションの中心は日本での生活でした。" in found["comparison"]
    assert "次回のオリエンテーションで提案するセッション" in render.standalone(found)


def test_no_exported_cell_can_run_as_a_formula(tmp_path: Path, passages: dict[str, Passage]) -> None:
    from tests.unit.organisers.report.cohort_data import Group

    settings = Settings(data_dir=tmp_path)
    formula = Group("f", "alt", 5, '=HYPERLINK("http://evil")', "en", passage="identity-foreigner-overview")
    with sqlite3.connect(settings.tracker_db) as db:
        fill_events(db, events((formula,)))
    rows = list(csv.reader(io.StringIO(render.as_csv(make(settings, passages)))))
    asked = [r for r in rows if r[0] == "asked"]
    assert asked and all(not r[4].startswith("=") for r in asked)


def test_the_report_command(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SENPAI_DATA_DIR", str(settings.data_dir))
    assert main(["report", "--since", "2026-11-29", "--until", "2026-12-30", "--format", "json"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert {t["theme"]: t["questions"] for t in found["themes"]}["living_in_japan"] == 7
    assert all(
        q.startswith("web-") for t in found["themes"] for tq in t["top_questions"] for q in tq["asked_by"]
    )
    assert (
        main(
            ["report", "--since", "2026-11-29", "--until", "2026-12-30", "--role", "jte", "--format", "json"]
        )
        == 0
    )
    jte = json.loads(capsys.readouterr().out)
    assert jte["cohort"]["role"] == "jte" and {t["theme"]: t["questions"] for t in jte["themes"]}["jtes"] == 5
    assert main(["report", "--since", "2026-12-30", "--until", "2026-11-29"]) == 2


def test_refinements_live_in_postgresql_in_production() -> None:
    from tests.pg import throwaway_database

    with throwaway_database("senpai_report") as url:
        refinements = Refinements(url)
        change = refinements.add(THEME, "topic:studies", "jet_aims", "Aiko (edit)")
        refinements.add(HIDE, key("Is it just me?"), "Is it just me?", "Aiko (edit)")
        from organisers.report.themes import Themes

        themes = Themes()
        assert refinements.apply(themes) == {"is it just me"}
        assert themes.topics == {"studies": "jet_aims"}
        assert refinements.undo(change.id, "Ben (edit)") and not refinements.undo(change.id, "Ben (edit)")
        assert [r.state for r in Refinements(url).all()] == ["undone", "live"]

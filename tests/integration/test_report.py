"""The orientation report on the real stack: a scripted cohort, its exact counts, and the printed page.

The cohort is ALTs and JTEs, in English and Japanese, answered and missed,
across the four themes, each group in five conversations (the fewest a
shown figure may come from). The report's JSON and its page show exactly
those counts; the page prints on A4 with its charts as images beside their
tables (a Chromium PDF, rendered to PNG and checked).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from organisers.report.themes import Themes
from tests.integration.conftest import CHROMIUM, Stack, start_stack
from tests.integration.test_admin import get, sign_in

pytestmark = pytest.mark.integration

EDIT = "report-editing-token-0123"
READ = "report-reading-token-4567"


class Group(NamedTuple):
    name: str
    say_role: str
    question: str
    kind: str
    theme: str
    lang: str


#: Five conversations of each: who says they are who, what they ask, and what must come of it.
COHORT = (
    Group("alt-role", "I'm an ALT", "What is the Dabbler identity?", "answer", "role_identity", "en"),
    Group(
        "jte-jtes", "私はJTEです", "ALTはJTEのことをもっと知りたいと思っていますか？", "answer", "jtes", "ja"
    ),
    Group("alt-aims", "I'm an ALT", "What are the aims of the JET Programme?", "answer", "jet_aims", "en"),
    Group(
        "alt-tax",
        "I'm an ALT",
        "How do I pay my residence tax in Japan?",
        "fallback",
        "living_in_japan",
        "en",
    ),
    Group("jte-tax", "私はJTEです", "住民税の払い方を教えてください。", "fallback", "living_in_japan", "ja"),
    Group("alt-ja", "私はALTです", "ダブラーとはどういう意味ですか？", "answer", "role_identity", "ja"),
    Group("jte-en", "I'm a JTE", "How do I pay residence tax in Japan?", "fallback", "living_in_japan", "en"),
)
EACH = 5


def today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, dict[str, Any]]]:
    running = start_stack(
        tmp_path_factory.mktemp("report"),
        {
            "SENPAI_ADMIN_TOKEN": EDIT,
            "SENPAI_ADMIN_READ_TOKEN": READ,
            "SENPAI_RASA_REPLICAS": "1",
            "SENPAI_RATE_IP_PER_MIN": "100000",
        },
    )
    from organisers.report.assemble import passages_of
    from settings import Settings

    passages = passages_of(Settings())
    themes = Themes.load({pid: p.topic for pid, p in passages.items()})
    try:
        for group in COHORT:
            for n in range(EACH):
                name = f"{group.name}-{n}"
                running.chat(name, group.say_role)
                reply = running.chat(name, group.question)
                assert (reply["kind"], reply.get("lang")) == (group.kind, group.lang), (group, reply)
                if group.kind == "answer":
                    first = reply["messages"][0]["citations"][0]["passage_id"]
                    assert themes.of_passage(first) == group.theme, (group, first)
        yield running, {"passages": passages}
    finally:
        running.stop()


def report_json(stack: Stack, cookie: str, query: str = "") -> dict[str, Any]:
    status, body, headers = get(stack, f"/admin/report.json?since={today()}&until={today()}{query}", cookie)
    assert status == 200 and headers["Content-Type"].startswith("application/json"), body
    found: dict[str, Any] = json.loads(body)
    return found


def test_the_json_and_the_page_show_exactly_the_cohorts_counts(cohort: tuple[Stack, dict[str, Any]]) -> None:
    stack, _ = cohort
    status, cookie = sign_in(stack, READ)  # the read-only token may open the report
    assert status == 303
    cookie = cookie.split(";")[0]
    found = report_json(stack, cookie)
    got = {t["theme"]: t for t in found["themes"]}
    assert (found["questions"], found["answered"], found["missed"]) == (35, 20, 15)
    assert {k: (v["questions"], v["answered"], v["missed"]) for k, v in got.items()} == {
        "role_identity": (10, 10, 0),
        "jtes": (5, 5, 0),
        "jet_aims": (5, 5, 0),
        "living_in_japan": (15, 0, 15),
        "other": (None, None, None),
    }
    assert got["living_in_japan"]["by_role"] == {"alt": 5, "jte": 10}
    assert got["role_identity"]["by_role"] == {"alt": 10, "jte": None}
    assert got["jtes"]["by_role"] == {"alt": None, "jte": 5}
    assert got["living_in_japan"]["missed_share"] == 1.0
    assert found["comparison"] == (
        "The study found that orientations mostly covered living in Japan; this cohort asked about it in "
        "43% of questions, and about their role and identity in 29%, their JTEs in 14% and what JET is "
        "for in 14%."
    )
    assert found["sessions"][0]["theme"] == "living_in_japan"
    assert found["sessions"][-1]["theme"] == "jte_session"
    status, page, _ = get(stack, f"/admin/report?since={today()}&until={today()}", cookie)
    assert status == 200
    rows = re.findall(
        r'<tr data-theme="(\w+)"><th scope="row">[^<]+</th>\s*<td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>',
        page,
    )
    assert {theme: tuple(map(int, n)) for theme, *n in rows} == {
        k: (v["questions"], v["answered"], v["missed"]) for k, v in got.items() if v["questions"] is not None
    }
    # The filters: JTEs only, and Japanese only.
    jte = {t["theme"]: t["questions"] for t in report_json(stack, cookie, "&role=jte")["themes"]}
    assert jte == {"role_identity": None, "jtes": 5, "jet_aims": None, "living_in_japan": 10, "other": None}
    ja = {t["theme"]: t["questions"] for t in report_json(stack, cookie, "&lang=ja")["themes"]}
    assert ja == {"role_identity": 5, "jtes": 5, "jet_aims": None, "living_in_japan": 5, "other": None}
    status, ja_page, _ = get(stack, f"/admin/report?since={today()}&until={today()}&labels=ja", cookie)
    assert status == 200 and "オリエンテーション報告" in ja_page and "日本での生活" in ja_page
    status, exported, headers = get(stack, f"/admin/report.csv?since={today()}&until={today()}", cookie)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert "theme,living_in_japan,,,questions,15" in exported.replace("\r", "")


def test_nobody_without_a_token_sees_the_report_and_the_read_token_cannot_change_it(
    cohort: tuple[Stack, dict[str, Any]],
) -> None:
    stack, _ = cohort
    assert get(stack, "/admin/report")[0] == 303  # to the sign-in form
    assert get(stack, "/admin/report.json")[0] == 401
    assert get(stack, "/admin/report.csv")[0] == 401
    _, cookie = sign_in(stack, READ)
    status, page, _ = get(stack, f"/admin/report?since={today()}&until={today()}", cookie.split(";")[0])
    assert status == 200 and "/admin/report/hide" not in page  # no hide buttons for the read-only token


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
def test_the_report_prints_on_a4_with_its_charts_as_images(
    cohort: tuple[Stack, dict[str, Any]], browser: Any, tmp_path: Path
) -> None:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    stack, _ = cohort
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.set_default_timeout(60_000)
    page.goto(stack.url + "/admin/")
    page.get_by_label("Organiser token").fill(EDIT)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Overview").wait_for()
    page.goto(f"{stack.url}/admin/report?since={today()}&until={today()}")
    page.wait_for_selector("img.chart-image")
    assert page.locator("img.chart-image").count() == 3 and page.locator("canvas.chart").count() == 0
    screenshot = Path(os.environ.get("SENPAI_SCREENSHOT_REPORT", str(tmp_path / "report.png")))
    # An organiser hides a question: it leaves the quotes, and the record says who did it.
    hidden = page.locator("#theme-living_in_japan td").first.inner_text().split(" (")[0]
    page.locator("#theme-living_in_japan form").first.get_by_role("button", name="Hide").click()
    page.wait_for_selector("img.chart-image")
    assert hidden not in page.locator("#theme-living_in_japan").inner_text()
    assert f"hidden: “{hidden}”" in page.inner_text("main")
    pdf = tmp_path / "report.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    document = pdfium.PdfDocument(str(pdf))
    assert 1 <= len(document) <= 6
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    for expected in ("Orientation report", "Suggested sessions for the next orientation", "Living in Japan"):
        assert expected in text
    assert "Sign out" not in text and "Refining the themes" not in text  # the screen's controls don't print
    images = sum(
        len(list(document[i].get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))) for i in range(len(document))
    )
    assert images >= 3
    first = document[0]
    width, height = first.get_size()
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2, (width, height)  # A4: 210 x 297 mm
    rendered = first.render(scale=1.5).to_pil()
    rendered.save(tmp_path / "report-page-1.png")
    assert all(abs(got - want * 1.5) <= 1 for got, want in zip(rendered.size, (width, height), strict=True))
    assert len(set(rendered.convert("L").getdata())) > 10  # not a blank page
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    rendered.save(screenshot)
    page.close()

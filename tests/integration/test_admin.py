"""The organisers' insights page on the real stack: the same counts as the store, and a real browser."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import CHROMIUM, CHROMIUM_ARGS, Stack, start_stack
from tests.unit.organisers import test_insights as seed

pytestmark = pytest.mark.integration

TOKEN = "organiser-token-for-the-test"
THEMES = seed.THEMES
ANSWERED = [
    "When did the JET Programme start?",
    "What is the Dabbler identity?",
    "JETプログラムの目的は何ですか？",
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("admin"), {"SENPAI_ADMIN_TOKEN": TOKEN})
    try:
        for n, question in enumerate(ANSWERED):
            body = running.chat(f"answered-{n}", question)
            assert body["kind"] == "answer", body
        first = running.chat("rater", ANSWERED[0])
        rating = {"sender": running.token("rater"), "message_id": first["messages"][0]["id"], "rating": -1}
        assert (
            running.request("POST", "/api/feedback", json.dumps(rating | {"comment": "too short"}).encode())[
                0
            ]
            == 201
        )
        for theme, questions in THEMES.items():
            for k, question in enumerate(questions):
                body = running.chat(f"{theme}-{k}", question)
                assert body["kind"] == "fallback", (question, body)
        yield running
    finally:
        running.stop()


def get(stack: Stack, path: str, cookie: str = "") -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(stack.url + path, headers={"Cookie": cookie} if cookie else {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=60) as resp:
            return resp.status, resp.read().decode(), dict(resp.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), dict(exc.headers)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def sign_in(stack: Stack, token: str = TOKEN, origin: str | None = None) -> tuple[int, str]:
    data = f"token={token}".encode()
    headers = {"Origin": origin or stack.url.rstrip("/"), "Content-Type": "application/x-www-form-urlencoded"}
    request = urllib.request.Request(stack.url + "/admin/sign-in", data=data, headers=headers)
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as resp:
            return resp.status, resp.headers.get("Set-Cookie", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Set-Cookie", "") or ""


def today() -> str:
    return time.strftime("%Y-%m-%d", time.gmtime())


def test_the_counts_match_the_tracker_store_and_three_themes_make_three_clusters(stack: Stack) -> None:
    status, cookie = sign_in(stack)
    assert status == 303
    cookie = cookie.split(";")[0]
    with sqlite3.connect(stack.data_dir / "tracker.db") as db:
        stored = db.execute(
            "SELECT COUNT(*) FROM events WHERE type_name = 'user' AND data NOT LIKE '%\"text\": \"/%'"
        ).fetchone()[0]
    status, page, _ = get(stack, f"/admin/?since={today()}&until={today()}", cookie)
    assert status == 200 and f"<strong>{stored}</strong> messages" in page
    assert '<th scope="row">ja</th><td>1</td>' in page  # one reply in Japanese
    status, missed, _ = get(stack, f"/admin/missed?since={today()}&until={today()}", cookie)
    sizes = sorted(int(n) for n in re.findall(r"<strong>(\d+)</strong> asked", missed))
    assert sizes == [3, 3, 3], missed
    status, exported, headers = get(
        stack, f"/admin/export.csv?what=clusters&since={today()}&until={today()}", cookie
    )
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert status == 200 and headers["Content-Type"].startswith("text/csv") and len(rows) == 3
    assert {frozenset(r["examples"].split(" | ")) for r in rows} == {frozenset(q) for q in THEMES.values()}


def test_no_token_no_entry_and_no_cross_site_post(stack: Stack) -> None:
    assert get(stack, "/admin/missed")[0] == 303  # to the sign-in form
    assert get(stack, "/admin/export.csv")[0] == 401
    assert sign_in(stack, "not-the-token-at-all")[0] == 401
    assert sign_in(stack, origin="https://evil.example")[0] == 403


@pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (`make test` installs it)"
)
def test_an_organiser_signs_in_and_sees_the_charts_and_the_missed_questions(
    stack: Stack, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.set_default_timeout(60_000)
        page.goto(stack.url + "/admin/missed")  # not signed in: the sign-in form, not the list
        page.get_by_label("Organiser token").fill("not-the-token-at-all")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("alert").wait_for()
        assert "not right" in page.get_by_role("alert").inner_text()
        assert page.locator("ol.clusters").count() == 0
        page.get_by_label("Organiser token").fill(TOKEN)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Overview").wait_for()
        page.wait_for_selector("canvas.chart[data-drawn='1']")
        assert page.locator("canvas.chart[data-drawn='1']").count() == 2
        page.evaluate("window.scrollTo(0, 0)")
        path = Path(os.environ.get("SENPAI_SCREENSHOT_INSIGHTS", str(tmp_path / "insights.png")))
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path), full_page=False)
        assert path.stat().st_size > 10_000
        page.get_by_role("link", name="Missed questions").click()
        page.get_by_role("heading", name="Missed questions").wait_for()
        assert page.locator("ol.clusters > li").count() == 3
        assert "where can I park my car at school" in page.locator("ol.clusters").inner_text()
        forged = page.request.post(
            stack.url + "/admin/sign-out", form={"csrf": "x"}, headers={"Origin": "https://evil.example"}
        )
        assert forged.status == 403
        browser.close()

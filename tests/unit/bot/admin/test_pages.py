"""The /admin/ insights page: access, sessions, CSRF, pages and exports, on a real SQLite store."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.app import create_app
from bot.feedback import FeedbackStore
from senpai.benchmarks.insights_store import fill_events
from settings import Settings
from tests.unit.fakes import SENDER_SECRET, Client, FakeRasa
from tests.unit.organisers import test_insights as seed

TOKEN = "organiser-token-0123456789"
READ = "read-only-token-0123456789"
DAY = "2026-11-30"


@pytest.fixture
def admin_settings(fake_rasa: FakeRasa, tmp_path: Path) -> Settings:
    settings = Settings(
        rasa_urls=(fake_rasa.url,),
        action_url=fake_rasa.url,
        rasa_token="tok",
        sender_secret=SENDER_SECRET,
        data_dir=tmp_path,
        admin_token=TOKEN,
        admin_read_token=READ,
        encoder_backend="torch",
        japanese=False,
    )
    rows = [*seed.conversations(), seed.user("web:eq", "=1+1 is JET worth it?", seed.T0 + 5000)]
    with sqlite3.connect(settings.tracker_db) as db:
        fill_events(db, rows)
    feedback = FeedbackStore(settings.feedback_db)
    asyncio.run(
        feedback.add("web:a", seed.message_id("web:a", "JET began in 1987 (0)."), -1, "<b>too</b> vague")
    )
    with sqlite3.connect(settings.feedback_db) as db:
        db.execute("UPDATE feedback SET created_at = ?", (seed.T0 + 100,))
    return settings


Make = Callable[[web.Application], Awaitable[Client]]


@pytest.fixture
async def admin(aiohttp_client: Make, admin_settings: Settings) -> Client:
    return await aiohttp_client(create_app(admin_settings))


def origin(client: Client) -> dict[str, str]:
    return {"Origin": str(client.make_url("")).rstrip("/")}


async def sign_in(client: Client, token: str = TOKEN) -> Any:
    return await client.post(
        "/admin/sign-in", data={"token": token}, headers=origin(client), allow_redirects=False
    )


async def test_no_token_no_admin(client: Client) -> None:
    assert (await client.get("/admin/")).status == 404
    assert (await client.post("/admin/sign-in", data={"token": "x" * 20})).status == 404


async def test_signing_in_sets_a_strict_http_only_cookie(admin: Client) -> None:
    page = await admin.get("/admin/")
    assert page.status == 200 and "Organiser token" in await page.text()
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    resp = await sign_in(admin)
    assert resp.status == 303 and resp.headers["Location"] == "/admin/"
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/admin/" in cookie
    page = await admin.get(f"/admin/?since={DAY}&until={DAY}")
    text = await page.text()
    assert (
        "<strong>18</strong> messages" in text and "can edit" in text
    )  # the seeded day, and one more message
    assert (
        "<script>" not in text and 'src="/static/vendor/chart-4.6.1.umd.min.js"' in text
    )  # no inline script
    assert re.search(r"<th scope=\"row\">slack</th><td>2</td>", text) and "jet-start" in text


async def test_wrong_tokens_are_refused_then_slowed_down(admin: Client) -> None:
    for _ in range(5):
        assert (await sign_in(admin, "wrong-token-wrong-token")).status == 401
    blocked = await sign_in(admin, TOKEN)  # even the right token waits now
    assert blocked.status == 429 and int(blocked.headers["Retry-After"]) > 0


async def test_cross_site_posts_are_refused(admin: Client) -> None:
    forged = await admin.post(
        "/admin/sign-in",
        data={"token": TOKEN},
        headers={"Origin": "https://evil.example"},
        allow_redirects=False,
    )
    assert forged.status == 403
    await sign_in(admin)
    page = await (await admin.get("/admin/")).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    no_token = await admin.post("/admin/sign-out", data={}, headers=origin(admin), allow_redirects=False)
    assert no_token.status == 403
    other_site = await admin.post(
        "/admin/sign-out", data={"csrf": csrf.group(1)}, headers={"Origin": "https://evil.example"}
    )
    assert other_site.status == 403
    out = await admin.post(
        "/admin/sign-out", data={"csrf": csrf.group(1)}, headers=origin(admin), allow_redirects=False
    )
    assert out.status == 303 and "Max-Age=0" in out.headers["Set-Cookie"]


async def test_the_read_only_token_reads(admin: Client) -> None:
    assert (await sign_in(admin, READ)).status == 303
    assert "read only" in await (await admin.get("/admin/")).text()


async def test_exports_need_a_session_and_follow_the_filters(admin: Client) -> None:
    assert (await admin.get("/admin/export.csv")).status == 401
    await sign_in(admin)
    resp = await admin.get(f"/admin/export.csv?what=messages&since={DAY}&until={DAY}&channel=slack")
    assert resp.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(await resp.text())))
    assert len(rows) == 4 and {r["conversation"][:6] for r in rows} == {"slack-"}  # pseudonyms, not ids
    assert "U1" not in await resp.text()
    every = list(
        csv.DictReader(
            io.StringIO(await (await admin.get(f"/admin/export.csv?since={DAY}&until={DAY}")).text())
        )
    )
    assert any(r["text"] == "'=1+1 is JET worth it?" for r in every)  # a formula is neutralised
    data = await (
        await admin.get(f"/admin/export.json?what=messages&since={DAY}&until={DAY}&role=jte")
    ).json()
    assert {r["conversation"] for r in data} and len({r["conversation"] for r in data}) == 1


async def test_missed_unhelpful_and_transcripts(admin: Client) -> None:
    assert (await admin.get("/admin/missed", allow_redirects=False)).status == 303  # not signed in
    await sign_in(admin)
    missed = await (await admin.get(f"/admin/missed?since=2026-11-20&until={DAY}")).text()
    assert missed.count("<strong>3</strong> asked") == 3 and "housing-daily-life" in missed
    unhelpful = await (await admin.get(f"/admin/unhelpful?since={DAY}&until={DAY}")).text()
    assert "When did JET start?" in unhelpful and "JET began in 1987 (0)." in unhelpful
    assert "&lt;b&gt;too&lt;/b&gt; vague" in unhelpful  # a comment is shown as text, never as HTML
    jte = await (await admin.get(f"/admin/transcripts?since={DAY}&until={DAY}&role=jte")).text()
    assert "1 conversations" in jte and "web-" in jte and "web:b" not in jte

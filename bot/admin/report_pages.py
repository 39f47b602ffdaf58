"""``/admin/report``: the orientation report, its exports, and the organisers' refinements of it.

Both tokens can read the report and its exports; only the editing token can
hide a quoted question or give a theme to a passage or topic, with a
same-origin POST carrying the session's CSRF token. Each refinement is
recorded with who made it and can be undone.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.admin.changes import editor
from bot.admin.pages import (
    ADMIN_SETTINGS,
    NAME_KEY,
    PAGES,
    STORE,
    base,
    date_range,
    passages,
    render,
    require,
    signed_in,
)
from knowledge.content.curation import key
from organisers.insights.queries import pseudonym
from organisers.report import render as report_render
from organisers.report.assemble import report
from organisers.report.cohort import Cohort
from organisers.report.refinements import HIDE, THEME, Refinements
from organisers.report.themes import THEMES, ThemeError

REFINEMENTS = web.AppKey("report_refinements", Refinements)
FILTERS = ("role", "channel", "lang")


def _labels(request: web.Request) -> str:
    """The organiser's language: ``?labels=ja``, else the browser's first choice."""
    chosen = request.query.get("labels")
    if chosen in ("en", "ja"):
        return chosen
    return "ja" if request.headers.get("Accept-Language", "").lower().startswith("ja") else "en"


def _cohort(request: web.Request) -> Cohort:
    q = request.query
    pick = {"role": ("alt", "jte"), "channel": ("web", "slack"), "lang": ("en", "ja")}
    return Cohort(
        **{name: q.get(name, "") if q.get(name, "") in allowed else "" for name, allowed in pick.items()}
    )


async def _report(request: web.Request) -> dict[str, Any]:
    since, until, _, _ = date_range(request.query)
    app = request.app
    found = await passages(request)
    names = app[NAME_KEY]
    return await asyncio.to_thread(
        report,
        app[ADMIN_SETTINGS],
        since,
        until,
        _cohort(request),
        lang=_labels(request),
        quotes=request.query.get("quotes", "1") != "0",
        name=lambda sender: pseudonym(sender, names),
        store=app[STORE],
        passages=found,
        refinements=app[REFINEMENTS],
    )


async def report_page(request: web.Request) -> web.Response:
    """The report for the range and cohort in the query, printable on A4."""
    session = require(request)
    values = base(request, session, "Orientation report")
    found = await _report(request)
    query = {k: v for k, v in request.query.items() if k in (*FILTERS, "since", "until", "labels", "quotes")}
    values.update(
        report=report_render.body(
            found,
            request.app[PAGES],
            can_hide=session.can_edit,
            csrf=session.csrf,
            back="/admin/report?" + urlencode(query),
        ),
        cohort=found["cohort"],
        labels=found["lang"],
        quotes=found["quotes"],
        export_query=urlencode(query),
        refinements=await asyncio.to_thread(request.app[REFINEMENTS].all),
        themes=THEMES,
    )
    return render(request, "report.html", **values)


async def report_export(request: web.Request) -> web.Response:
    """The report's figures as JSON (``report.json``) or CSV (``report.csv``), formula-safe."""
    if signed_in(request) is None:
        raise web.HTTPUnauthorized(text="sign in at /admin/ first")
    found = await _report(request)
    headers = {"Cache-Control": "no-store"}
    if request.path.endswith(".csv"):
        headers["Content-Disposition"] = 'attachment; filename="senpai-orientation-report.csv"'
        return web.Response(text=report_render.as_csv(found), content_type="text/csv", headers=headers)
    return web.Response(text=report_render.as_json(found), content_type="application/json", headers=headers)


def _back(form: Any) -> str:
    back = str(form.get("back", ""))
    return back if back.startswith("/admin/report") else "/admin/report"


async def hide(request: web.Request) -> web.StreamResponse:
    """Hide a quoted question from the report (recorded; undo restores it)."""
    form = await request.post()
    who = editor(request, form.get("csrf"))
    question = " ".join(str(form.get("question", "")).split())
    if not question:
        raise web.HTTPBadRequest(text="which question? ('question' is empty)")
    await asyncio.to_thread(request.app[REFINEMENTS].add, HIDE, key(question), question, who)
    raise web.HTTPSeeOther(_back(form))


async def give_theme(request: web.Request) -> web.StreamResponse:
    """Put a passage, a passage topic or a not-covered topic under another theme (recorded)."""
    form = await request.post()
    who = editor(request, form.get("csrf"))
    try:
        await asyncio.to_thread(
            request.app[REFINEMENTS].add, THEME, str(form.get("source", "")), str(form.get("theme", "")), who
        )
    except ThemeError as exc:
        raise web.HTTPBadRequest(text=str(exc)) from exc
    raise web.HTTPSeeOther(_back(form))


async def undo(request: web.Request) -> web.StreamResponse:
    """Undo one refinement; its record stays."""
    form = await request.post()
    who = editor(request, form.get("csrf"))
    rid = request.match_info["id"]
    if not await asyncio.to_thread(request.app[REFINEMENTS].undo, int(rid), who):
        raise web.HTTPNotFound(text=f"no live refinement {rid}")
    raise web.HTTPSeeOther(_back(form))


def add_routes(app: web.Application) -> None:
    """The report, its exports, and hiding, theming and undoing."""
    app.router.add_get("/report", report_page)
    app.router.add_get("/report.json", report_export)
    app.router.add_get("/report.csv", report_export)
    app.router.add_post("/report/hide", hide)
    app.router.add_post("/report/theme", give_theme)
    app.router.add_post("/report/undo/{id:\\d+}", undo)

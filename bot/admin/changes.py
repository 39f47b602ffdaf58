"""Fixing answers from the organisers' page: the fix form, the change history, undo, and the JSON API.

Every change needs the editing token's session, this site's origin and the
session's CSRF token (a form field, or the ``X-CSRF-Token`` header for the
JSON API). The work itself, checking, recording, rebuilding and publishing,
is :class:`organisers.curation.curator.Curator`'s, run in a thread.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiDictProxy

from bot.admin.pages import CURATOR, base, render, require, require_change
from bot.schemas import ValidationError, parse_json
from organisers.curation.curator import Outcome
from organisers.curation.store import LIVE

#: Hits shown as suggestions on the fix form.
SUGGESTIONS = 5


def add_routes(app: web.Application) -> None:
    """The fix form, the change history and the JSON API."""
    app.router.add_get("/fix", fix_page)
    app.router.add_post("/fix", fix)
    app.router.add_get("/changes", changes_page)
    app.router.add_post("/changes/{id:\\d+}/undo", undo)
    app.router.add_get("/api/session", api_session)
    app.router.add_get("/api/changes", api_changes)
    app.router.add_post("/api/changes", api_change)
    app.router.add_post("/api/changes/{id:\\d+}/undo", api_undo)


def editor(request: web.Request, csrf: object) -> str:
    """Who is changing knowledge; only the editing token's session, from this site, with its CSRF token."""
    session = require_change(request, {"csrf": csrf})
    if not session.can_edit:
        raise web.HTTPForbidden(
            text="the read-only token cannot change knowledge; sign in with the editing token"
        )
    return session.who


def _lines(value: object) -> list[str]:
    return [line.strip() for line in str(value or "").splitlines() if line.strip()]


def _given(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields that were filled in (an empty one reads as missing, as in the YAML)."""
    return {k: v for k, v in fields.items() if v not in ("", [], None, {})}


def change_of(form: MultiDictProxy[Any]) -> dict[str, Any]:
    """The change a fix form describes (see :mod:`knowledge.content.curation`)."""
    if form.get("change"):  # the confirmation of a change that had conflicts
        try:
            data = parse_json(str(form["change"]))
        except ValidationError:
            return {}  # checked as an empty change: "give at least one question"
        return data if isinstance(data, dict) else {}
    action = str(form.get("action", ""))
    change: dict[str, Any] = {"kind": action, "questions": [str(q) for q in form.getall("q", [])]}
    text = {k: str(v).strip() for k, v in form.items()}
    if action == "attach":
        change["passage"] = text.get("other_passage") or text.get("passage", "")
    elif action == "not_covered" and text.get("topic") == "new":
        change["new_topic"] = _given(
            {
                "id": text.get("new_id"),
                "title": text.get("new_title"),
                "who_to_ask": text.get("who_to_ask"),
                "title_ja": text.get("new_title_ja"),
                "who_to_ask_ja": text.get("who_to_ask_ja"),
                "examples": _lines(text.get("examples")),
                "examples_ja": _lines(text.get("examples_ja")),
            }
        )
    elif action == "not_covered":
        change["topic"] = text.get("topic", "")
    elif action == "draft":
        change["passage"] = _given(
            {
                "id": text.get("id"),
                "topic": text.get("draft_topic"),
                "audience": text.get("audience") or "all",
                "title": text.get("title"),
                "text": text.get("text"),
                "citation": _given(
                    {
                        "source": text.get("source"),
                        "section": text.get("section"),
                        "participant": text.get("participant"),
                    }
                ),
                "related": [r.strip() for r in text.get("related", "").replace(",", " ").split()],
                "title_ja": text.get("title_ja"),
                "text_ja": text.get("text_ja"),
                "questions_ja": _lines(text.get("questions_ja")),
            }
        )
    return change


async def fix_page(request: web.Request, outcome: Outcome | None = None, pending: Any = None) -> web.Response:
    """The fix form for some questions: suggested passages with their text, topics, ignore, draft."""
    session = require(request)
    values = base(request, session, "Fix an answer")
    questions = [q for q in request.query.getall("q", []) if q.strip()][:20]
    if pending is not None:
        questions = list(pending.get("questions", questions))
    index = await asyncio.to_thread(request.app[CURATOR].index)  # what serves: passages, topics, studies
    hits = await asyncio.to_thread(index.search, questions[0], SUGGESTIONS) if questions else []
    values.update(
        questions=questions,
        suggestions=[(h, h.passage) for h in hits],
        index=index,
        sources=sorted({c.source for p in index.passages for c in p.citations}),
        outcome=outcome,
        pending=json.dumps(pending, ensure_ascii=False) if pending is not None else None,
    )
    return render(request, "fix.html", outcome.status if outcome else 200, **values)


async def fix(request: web.Request) -> web.StreamResponse:
    """Make the change the fix form describes; conflicts ask for confirmation, refusals say why."""
    form = await request.post()
    who = editor(request, form.get("csrf"))
    change = change_of(form)
    outcome = await asyncio.to_thread(
        request.app[CURATOR].propose, change, who, confirm=form.get("confirm") == "1"
    )
    if outcome.ok and outcome.record is not None:
        raise web.HTTPSeeOther("/admin/changes?" + urlencode({"done": outcome.record.id}))
    return await fix_page(request, outcome, change)


async def changes_page(request: web.Request) -> web.Response:
    """Every change, newest first, with who, what, when, its state and an undo button; the last build."""
    values = base(request, require(request), "Changes")
    curator = request.app[CURATOR]
    records = await asyncio.to_thread(curator.store.changes)
    done = request.query.get("done", "")
    values.update(
        records=list(reversed(records)),
        build=curator.last_build,
        done=next((r for r in records if str(r.id) == done), None),
        message=request.query.get("message"),
        live=LIVE,
        when=lambda at: time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(at)) if at else "",
    )
    return render(request, "changes.html", **values)


async def undo(request: web.Request) -> web.StreamResponse:
    """Undo a change from the history page."""
    form = await request.post()
    who = editor(request, form.get("csrf"))
    outcome = await asyncio.to_thread(request.app[CURATOR].undo, int(request.match_info["id"]), who)
    raise web.HTTPSeeOther("/admin/changes?" + urlencode({"message": outcome.message}))


async def api_session(request: web.Request) -> web.Response:
    """The signed-in session: its role, name and the CSRF token API clients send back."""
    session = require(request)
    return web.json_response(
        {"role": session.role, "name": session.name, "can_edit": session.can_edit, "csrf": session.csrf},
        headers={"Cache-Control": "no-store"},
    )


async def api_changes(request: web.Request) -> web.Response:
    """Every change, oldest first, and the last build."""
    require(request)
    curator = request.app[CURATOR]
    records = await asyncio.to_thread(curator.store.changes)
    return web.json_response(
        {"changes": [r.to_dict() for r in records], "last_build": vars(curator.last_build)},
        headers={"Cache-Control": "no-store"},
    )


async def api_change(request: web.Request) -> web.Response:
    """Make a change given as JSON (``kind``, ``questions`` and its target; ``confirm`` past conflicts)."""
    who = editor(request, request.headers.get("X-CSRF-Token"))
    try:
        change = parse_json(await request.read())
    except ValidationError as exc:
        return web.json_response(
            {"ok": False, "message": f"the body must be a JSON object: {exc}"}, status=400
        )
    if not isinstance(change, dict):
        return web.json_response({"ok": False, "message": "the body must be a JSON object"}, status=400)
    confirm = bool(change.pop("confirm", False))
    outcome = await asyncio.to_thread(request.app[CURATOR].propose, change, who, confirm=confirm)
    return web.json_response(outcome.to_dict(), status=outcome.status)


async def api_undo(request: web.Request) -> web.Response:
    """Undo a change."""
    who = editor(request, request.headers.get("X-CSRF-Token"))
    outcome = await asyncio.to_thread(request.app[CURATOR].undo, int(request.match_info["id"]), who)
    return web.json_response(outcome.to_dict(), status=outcome.status)

"""What every admin page shares: the application's keys, rendering, the date range and the session."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from bot.admin.auth import Gatekeeper, Session, same_origin
from knowledge.encoders.base import Encoder
from organisers.curation.curator import Curator
from organisers.insights.queries import DAY_S, Store, day_start
from organisers.insights.queries import day as as_day
from settings import Settings

GATE = web.AppKey("gate", Gatekeeper)
STORE = web.AppKey("store", Store)
PAGES = web.AppKey("pages", jinja2.Environment)
NAME_KEY = web.AppKey("name_key", bytes)
#: The corpus's passages by id, read once for every page that needs them (topics, titles, citations).
PASSAGES = web.AppKey("passages", dict)
CURATOR = web.AppKey("curator", Curator)
ADMIN_SETTINGS = web.AppKey("admin_settings", Settings)


def render(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    """A page from its template (autoescaped), never cached."""
    page = request.app[PAGES].get_template(template).render(**values)
    response = web.Response(text=page, content_type="text/html", status=status)
    response.headers["Cache-Control"] = "no-store"
    # The gateway's default, no-referrer, makes a browser send "Origin: null" with a form's POST,
    # and the same-origin check needs the real origin; same-origin still sends nothing elsewhere.
    response.headers["Referrer-Policy"] = "same-origin"
    return response


def date_range(query: Mapping[str, str]) -> tuple[float, float, str, str]:
    """``since`` and ``until`` (days, ``until`` included) from the query; the last 30 days by default."""

    def day(name: str) -> float | None:
        try:
            return day_start(query.get(name, ""))
        except ValueError:
            return None

    end = day("until")
    until = end + DAY_S if end is not None else (time.time() // DAY_S + 1) * DAY_S
    since = day("since") or until - 30 * DAY_S
    since = min(since, until - DAY_S)
    return since, until, as_day(since), as_day(until - 1)


def base(request: web.Request, session: Session | None, title: str) -> dict[str, Any]:
    """What every page needs: the session, the range and its query string."""
    since, until, first, last = date_range(request.query)
    return {
        "title": title,
        "session": session,
        "since": first,
        "until": last,
        "range": (since, until),
        "range_query": urlencode({"since": first, "until": last}),
        "extra": [],
    }


def signed_in(request: web.Request) -> Session | None:
    """The organiser's session, if signed in."""
    return request.app[GATE].session(request)


def require_change(request: web.Request, form: Mapping[str, Any]) -> Session:
    """The session of a state-changing request, which must come from this site with its CSRF token."""
    session = signed_in(request)
    if session is None:
        raise web.HTTPUnauthorized(text="sign in first")
    if not same_origin(request) or form.get("csrf") != session.csrf:
        raise web.HTTPForbidden(text="cross-site request refused")
    return session


def require(request: web.Request) -> Session:
    """The session of a reading request; without one, the sign-in page."""
    session = signed_in(request)
    if session is None:
        raise web.HTTPSeeOther("/admin/")
    return session


async def passages(request: web.Request) -> dict[str, Any]:
    """The corpus's passages by id, read once (in a thread) and kept for the process.

    A corpus that fails to load (being edited) reads as empty and is read again next time: no page
    may go down for it.
    """
    found: dict[str, Any] = request.app[PASSAGES]
    if not found:
        from organisers.report.assemble import passages_of

        def read() -> dict[str, Any]:
            try:
                return passages_of(request.app[ADMIN_SETTINGS])
            except Exception:
                return {}

        found.update(await asyncio.to_thread(read))
    return found


async def encoders(request: web.Request) -> dict[str, Encoder]:
    """The encoders clustering and rebuilds use, loaded on first use (the gateway otherwise needs none)."""
    return await asyncio.to_thread(request.app[CURATOR].encoders)

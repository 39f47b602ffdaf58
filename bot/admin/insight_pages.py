"""The ``/admin/`` pages: sign-in, overview, missed questions, thumbs-down, transcripts and exports."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.admin.auth import same_origin, set_cookie
from bot.admin.pages import (
    CURATOR,
    GATE,
    NAME_KEY,
    STORE,
    base,
    date_range,
    encoders,
    passages,
    render,
    require,
    require_change,
    signed_in,
)
from bot.views import client_address
from contracts.reply import KINDS
from knowledge.content.curation import key
from organisers.insights import export
from organisers.insights.missed import Cluster, cluster
from organisers.insights.overview import bot_messages, feedback_rows, missed, overview
from organisers.insights.queries import pseudonym
from organisers.insights.transcripts import MESSAGE_HEADER, Filters, message_rows, transcripts


async def overview_page(request: web.Request) -> web.Response:
    """The overview, or the sign-in form."""
    session = signed_in(request)
    if session is None:
        return render(request, "sign_in.html", **base(request, None, "Sign in"))
    values = base(request, session, "Overview")
    since, until = values["range"]
    view = await asyncio.to_thread(overview, request.app[STORE], since, until, await topics(request))
    days = [d for d, _, _ in view.days]
    kind_days = sorted(view.kinds_by_day)
    values.update(
        view=view,
        rates=view.kind_rates(),
        days_labels=json.dumps(days),
        days_series=json.dumps(
            [
                {"label": "conversations", "data": [c for _, c, _ in view.days]},
                {"label": "messages", "data": [m for _, _, m in view.days]},
            ]
        ),
        kinds_labels=json.dumps(kind_days),
        kinds_series=json.dumps(
            [{"label": k, "data": [view.kinds_by_day[d].get(k, 0) for d in kind_days]} for k in KINDS]
        ),
    )
    return render(request, "overview.html", **values)


async def topics(request: web.Request) -> dict[str, str]:
    """Each passage's topic (from :func:`bot.admin.pages.passages`)."""
    return {pid: p.topic for pid, p in (await passages(request)).items()}


async def sign_in(request: web.Request) -> web.StreamResponse:
    """Check a token; a good one gets a session cookie, a wrong one counts against the address."""
    if not same_origin(request):
        raise web.HTTPForbidden(text="cross-site request refused")
    gate, address = request.app[GATE], client_address(request)
    wait = gate.blocked_for(address)
    if wait > 0:
        raise web.HTTPTooManyRequests(
            text=f"too many wrong tokens; try again in {int(wait) + 1} s",
            headers={"Retry-After": str(int(wait) + 1)},
        )
    form = await request.post()
    role = gate.sign_in(str(form.get("token", "")), address)
    if role is None:
        return render(
            request, "sign_in.html", 401, error="That token is not right.", **base(request, None, "Sign in")
        )
    response = web.HTTPSeeOther("/admin/")
    set_cookie(response, request, gate.cookie(role, str(form.get("name", ""))))
    return response


async def sign_out(request: web.Request) -> web.StreamResponse:
    """End the session (a state-changing request: same origin and the session's CSRF token)."""
    session = require_change(request, await request.post())
    response = web.HTTPSeeOther("/admin/")
    set_cookie(response, request, "", max_age=0)
    del session
    return response


async def clusters_of(request: web.Request, since: float, until: float) -> list[Cluster]:
    """The missed-question clusters of a range, less the questions organisers already acted on."""
    asked = await asyncio.to_thread(missed, request.app[STORE], since, until)
    handled = await asyncio.to_thread(request.app[CURATOR].handled)
    asked = [m for m in asked if key(m.text) not in handled]
    if not asked:
        return []
    found = await encoders(request)
    return await asyncio.to_thread(cluster, asked, found)


async def missed_page(request: web.Request) -> web.Response:
    """Missed questions, clustered by meaning, largest first."""
    values = base(request, require(request), "Missed questions")
    values["clusters"] = await clusters_of(request, *values["range"])
    return render(request, "missed.html", **values)


async def unhelpful_page(request: web.Request) -> web.Response:
    """Every thumbs-down: the question, the answer exactly as shown, its citations and the comment."""
    values = base(request, require(request), "Marked unhelpful")
    store, key = request.app[STORE], request.app[NAME_KEY]
    rated = [r for r in await asyncio.to_thread(feedback_rows, store, *values["range"]) if r[2] < 0]
    shown = await asyncio.to_thread(bot_messages, store, {r[0] for r in rated})
    values["rows"] = [
        {
            "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(at)),
            "name": pseudonym(sender, key),
            "question": shown.get(mid, {}).get("question", "(not found)"),
            "answer": shown.get(mid, {}).get("text", "(the message is no longer stored)"),
            "cited": ", ".join(
                f"{c.get('passage_id')} ({c.get('source')}, {c.get('section')})"
                for c in shown.get(mid, {}).get("citations", [])
                if isinstance(c, dict)
            )
            or "nothing",
            "comment": comment,
        }
        for sender, mid, _rating, comment, at in reversed(rated)
    ]
    return render(request, "unhelpful.html", **values)


def filters_of(request: web.Request) -> Filters:
    """The transcript filters in the query."""
    q = request.query
    return Filters(q.get("channel", ""), q.get("role", ""), q.get("kind", ""), q.get("passage", "").strip())


async def _transcripts(request: web.Request, since: float, until: float) -> list[Any]:
    key = request.app[NAME_KEY]
    return await asyncio.to_thread(
        transcripts, request.app[STORE], since, until, lambda s: pseudonym(s, key), filters_of(request)
    )


async def transcripts_page(request: web.Request) -> web.Response:
    """Conversations, filtered by date, channel, role, reply kind and passage."""
    values = base(request, require(request), "Transcripts")
    filters = filters_of(request)
    values.update(
        filters=filters,
        found=await _transcripts(request, *values["range"]),
        filter_query=urlencode(
            {
                "since": values["since"],
                "until": values["until"],
                **{k: v for k, v in vars(filters).items() if v},
            }
        ),
    )
    return render(request, "transcripts.html", **values)


async def _export(request: web.Request) -> tuple[tuple[str, ...], list[list[Any]], list[Any]]:
    if signed_in(request) is None:
        raise web.HTTPUnauthorized(text="sign in at /admin/ first")
    since, until, _, _ = date_range(request.query)
    if request.query.get("what") == "clusters":
        found = await clusters_of(request, since, until)
        return export.CLUSTER_HEADER, export.cluster_rows(found), found
    rows = message_rows(await _transcripts(request, since, until))
    return MESSAGE_HEADER, rows, rows


async def export_csv(request: web.Request) -> web.Response:
    """Messages or missed-question clusters as CSV (formula-safe), as filtered."""
    header, rows, _ = await _export(request)
    name = "senpai-clusters.csv" if request.query.get("what") == "clusters" else "senpai-messages.csv"
    return web.Response(
        text=export.to_csv(header, rows),
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


async def export_json(request: web.Request) -> web.Response:
    """Messages or missed-question clusters as JSON, as filtered."""
    header, rows, _ = await _export(request)
    data = [dict(zip(header, row, strict=True)) for row in rows]
    return web.json_response(
        data, dumps=lambda d: json.dumps(d, ensure_ascii=False), headers={"Cache-Control": "no-store"}
    )


def add_routes(app: web.Application) -> None:
    """Signing in and out, the overview, missed questions, thumbs-down, transcripts and exports."""
    app.router.add_get("/", overview_page)
    app.router.add_post("/sign-in", sign_in)
    app.router.add_post("/sign-out", sign_out)
    app.router.add_get("/missed", missed_page)
    app.router.add_get("/unhelpful", unhelpful_page)
    app.router.add_get("/transcripts", transcripts_page)
    app.router.add_get("/export.csv", export_csv)
    app.router.add_get("/export.json", export_json)

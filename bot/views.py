"""Request handlers of the gateway."""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

from bot import keys
from bot.rasa import RasaUnavailable, history, shape_reply, with_ids
from bot.schemas import ValidationError, parse_chat, parse_feedback, parse_json, parse_sender

logger = logging.getLogger("senpai.gateway")
STATIC = Path(__file__).parent / "static"


async def index(request: web.Request) -> web.FileResponse:
    """Serve the page where the chat can be tried."""
    return web.FileResponse(STATIC / "index.html")


async def healthz(request: web.Request) -> web.Response:
    """200 when Rasa and the action server both answer, else 503 naming what is down."""
    parts = await request.app[keys.RASA].health()
    body: dict[str, object] = {name: "ok" if up else "down" for name, up in parts.items()}
    if all(parts.values()):
        return web.json_response({"status": "ok", **body})
    down = [name for name, up in parts.items() if not up]
    return web.json_response({"status": "unavailable", "down": down, **body}, status=503)


def too_many(retry_after: float) -> web.Response:
    """A 429 answer with Retry-After in whole seconds."""
    seconds = max(1, int(retry_after + 0.999))
    return web.json_response(
        {"error": f"too many messages; please wait {seconds} s and try again"},
        status=429,
        headers={"Retry-After": str(seconds)},
    )


def limited(request: web.Request, sender: str) -> web.Response | None:
    """Apply the per-address and per-sender limits; return a 429 answer if one is hit."""
    for limiter, key in (
        (request.app[keys.IP_LIMIT], request.remote or "?"),
        (request.app[keys.SENDER_LIMIT], sender),
    ):
        wait = limiter.hit(key)
        if wait is not None:
            return too_many(wait)
    return None


async def chat(request: web.Request) -> web.Response:
    """Forward one user message to Rasa and return the shaped reply."""
    try:
        payload = parse_json(await request.read())
        req = parse_chat(payload)
    except ValidationError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    if (refusal := limited(request, req.sender)) is not None:
        return refusal
    try:
        messages = await request.app[keys.RASA].send(req.sender, req.message)
    except RasaUnavailable as exc:
        logger.warning("chat from %s failed: %s", req.sender, exc)
        return web.json_response(
            {"error": "Senpai's dialogue service is unavailable; please try again shortly.", "kind": "error"},
            status=503,
        )
    return web.json_response(with_ids(req.sender, shape_reply(messages)))


async def feedback(request: web.Request) -> web.Response:
    """Store a thumbs up or down on one bot message."""
    try:
        req = parse_feedback(parse_json(await request.read()))
    except ValidationError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    if (refusal := limited(request, req.sender)) is not None:
        return refusal
    feedback_id = await request.app[keys.FEEDBACK].add(req.sender, req.message_id, req.rating, req.comment)
    return web.json_response({"status": "stored", "id": feedback_id}, status=201)


async def conversation(request: web.Request) -> web.Response:
    """Return the conversation so far, so the widget survives a page reload."""
    try:
        sender = parse_sender(request.query.get("sender"))
    except ValidationError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    try:
        events = await request.app[keys.RASA].events(sender)
    except RasaUnavailable as exc:
        logger.warning("history for %s failed: %s", sender, exc)
        return web.json_response({"error": "history is unavailable right now"}, status=503)
    return web.json_response({"sender": sender, "messages": history(sender, events)})

"""Request handlers of the gateway."""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

from bot import keys
from bot.rasa import RasaUnavailable, shape_reply
from bot.schemas import ValidationError, parse_chat, parse_json

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


async def chat(request: web.Request) -> web.Response:
    """Forward one user message to Rasa and return the shaped reply."""
    try:
        payload = parse_json(await request.read())
        req = parse_chat(payload)
    except ValidationError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    try:
        messages = await request.app[keys.RASA].send(req.sender, req.message)
    except RasaUnavailable as exc:
        logger.warning("chat from %s failed: %s", req.sender, exc)
        return web.json_response(
            {"error": "Senpai's dialogue service is unavailable; please try again shortly.", "kind": "error"},
            status=503,
        )
    return web.json_response(shape_reply(messages))

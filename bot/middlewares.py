"""Gateway middlewares: request ids and counts, JSON errors (never a traceback), CORS, security headers."""

from __future__ import annotations

import json
import logging

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from bot import keys
from bot.gateway_texts import error, japanese_error
from contracts import logs

logger = logging.getLogger("senpai.gateway")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'self'; base-uri 'none'; form-action 'self'"
)


#: The routes counted as traffic: route name -> (channel, endpoint) of ``senpai_requests_total``.
COUNTED = {
    "chat": ("web", "chat"),
    "history": ("web", "history"),
    "feedback": ("web", "feedback"),
    "slack": ("slack", "slack_events"),
}
#: What a refusal's status means, for ``senpai_refused_total{reason}``.
REFUSED = {400: "bad_input", 401: "bad_input", 403: "unknown_sender", 413: "too_large", 429: "rate_limited"}


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give the request its id (the proxy's ``X-Request-ID``, or a new one) and count it.

    The id is the context of every log line of the request, goes to Rasa with
    its call, and comes back in the response's ``X-Request-ID``. A request to
    the chat, history, feedback or Slack endpoints is counted by channel, and
    a refusal of one by reason.
    """
    rid = logs.accepted_id(request.headers.get(logs.REQUEST_ID_HEADER))
    token, named = logs.request_id.set(rid), logs.sender.set(None)
    try:
        response = await handler(request)
    finally:
        logs.request_id.reset(token)
        logs.sender.reset(named)
    response.headers[logs.REQUEST_ID_HEADER] = rid
    route = request.match_info.route.name
    if route in COUNTED and request.method != "OPTIONS":
        metrics = request.app[keys.METRICS]
        metrics.request(*COUNTED[route])
        if (reason := REFUSED.get(response.status)) is not None:
            metrics.refused(reason)
    return response


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every error as ``{"error": "...", "error_ja": "..."}`` with its status; log unexpected ones."""
    try:
        return _in_japanese_too(await handler(request))
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        reason = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else exc.reason
        if exc.status == 413:
            reason = error("body_too_large")
        return _in_japanese_too(web.json_response({"error": reason}, status=exc.status, headers=_keep(exc)))
    except Exception:
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return _in_japanese_too(web.json_response({"error": "internal error"}, status=500))


def _in_japanese_too(response: web.StreamResponse) -> web.StreamResponse:
    """Add ``error_ja`` to a JSON error that has only the English ``error``."""
    if (
        response.status < 400
        or not isinstance(response, web.Response)
        or response.content_type != "application/json"
    ):
        return response
    try:
        data = json.loads(response.text or "")
    except ValueError:
        return response
    if isinstance(data, dict) and isinstance(data.get("error"), str) and "error_ja" not in data:
        data["error_ja"] = japanese_error(data["error"], response.status)
        response.text = json.dumps(data, ensure_ascii=False)
    return response


def _keep(exc: web.HTTPException) -> dict[str, str]:
    return {k: v for k, v in exc.headers.items() if k in ("Allow", "Retry-After")}


def cors(allowed: frozenset[str]) -> Middleware:
    """Allow cross-origin calls (the embedded widget) only from configured origins."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        preflight = request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
        if preflight:
            if origin not in allowed:
                return web.json_response({"error": "origin not allowed"}, status=403)
            response: web.StreamResponse = web.Response(status=204)
            response.headers["Access-Control-Allow-Methods"] = "GET, POST"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type, X-Senpai-Sender"
            response.headers["Access-Control-Max-Age"] = "600"
        else:
            response = await handler(request)
        if origin is not None and origin in allowed:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        return response

    return middleware


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Add ``X-Content-Type-Options``, a Content-Security-Policy and friends."""
    response = await handler(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response

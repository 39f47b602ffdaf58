"""Request handlers of the gateway."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from aiohttp import web

from bot import keys, slack_events
from bot.feedback import FeedbackUnavailable
from bot.gateway_texts import error
from bot.rasa import RasaUnavailable, history, message_ids, shape_reply, with_ids
from bot.schemas import ValidationError, parse_chat, parse_feedback, parse_json, parse_sender
from bot.sender_keys import UnknownSender
from contracts import logs
from contracts.reply import ERROR
from knowledge.text.language import has_japanese
from organisers.insights.queries import pseudonym

logger = logging.getLogger("senpai.gateway")
access = logging.getLogger(logs.ACCESS_LOGGER)
STATIC = Path(__file__).parent / "static"
#: Largest Slack request accepted (Slack's interactivity payloads carry the whole message).
SLACK_MAX_BODY_BYTES = 1024 * 1024
#: Slack wants an acknowledgement within 3 s; Rasa's channel answers in the background.
SLACK_FORWARD_TIMEOUT_S = 2.5
#: Header that may carry the sender id of ``GET /api/history`` (keeps it out of URLs and proxy logs).
SENDER_HEADER = "X-Senpai-Sender"


def unknown_sender() -> web.Response:
    """The 403 for a sender id this gateway did not issue: start a new conversation instead."""
    return web.json_response(
        {
            "error": error("unknown_sender"),
            "code": "unknown_sender",
        },
        status=403,
    )


async def read_body(request: web.Request, limit: int) -> bytes:
    """Read a request body of at most ``limit`` bytes.

    Raises:
        web.HTTPRequestEntityTooLarge: If the body is larger (a 413 for the client).
    """
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=size)
        chunks.append(chunk)
    return b"".join(chunks)


async def index(request: web.Request) -> web.FileResponse:
    """Serve the page where the chat can be tried."""
    return web.FileResponse(STATIC / "index.html")


async def index_ja(request: web.Request) -> web.FileResponse:
    """Serve the Japanese page: a JTE orientation, with the widget in Japanese."""
    return web.FileResponse(STATIC / "ja.html")


async def livez(request: web.Request) -> web.Response:
    """Answer while the gateway's event loop runs, whatever Rasa and the action server do (liveness)."""
    return web.json_response({"status": "alive"})


async def healthz(request: web.Request) -> web.Response:
    """Report each part: Rasa (every replica) and the action server.

    200 ``ok`` when everything answers; 200 ``degraded`` when some Rasa replicas
    are down but another can serve; 503 ``unavailable`` when the action server
    or every Rasa replica is down. ``down`` names the parts that are down.
    """
    parts = await request.app[keys.RASA].health()
    body: dict[str, object] = {name: "ok" if up else "down" for name, up in parts.items()}
    down = [name for name, up in parts.items() if not up]
    if not down:
        return web.json_response({"status": "ok", **body})
    rasa_up = any(up for name, up in parts.items() if name.startswith("rasa"))
    if parts.get("actions") and rasa_up:
        return web.json_response({"status": "degraded", "down": down, **body})
    return web.json_response({"status": "unavailable", "down": down, **body}, status=503)


def too_many(retry_after: float) -> web.Response:
    """A 429 answer with Retry-After in whole seconds."""
    seconds = max(1, int(retry_after + 0.999))
    return web.json_response(
        {"error": error("too_many", seconds=seconds)},
        status=429,
        headers={"Retry-After": str(seconds)},
    )


def client_address(request: web.Request) -> str:
    """The client's address: the peer, or what a trusted reverse proxy says it forwarded for."""
    peer = request.remote or "?"
    if peer in request.config_dict[keys.SETTINGS].trusted_proxies:
        forwarded = request.headers.get("X-Forwarded-For", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]  # the address our proxy saw; anything before it is the client's claim
    return peer


def limited(request: web.Request, sender: str | None) -> web.Response | None:
    """Apply the per-address and (for a known conversation) per-sender limits; a 429 answer if one is hit."""
    checks = [(request.app[keys.IP_LIMIT], client_address(request))]
    if sender is not None:
        checks.append((request.app[keys.SENDER_LIMIT], sender))
    for limiter, key in checks:
        wait = limiter.hit(key)
        if wait is not None:
            return too_many(wait)
    return None


async def chat(request: web.Request) -> web.Response:
    """Forward one user message to Rasa and return the shaped reply.

    A request without ``sender`` starts a new conversation: the reply carries
    the ``sender`` id to send with every later message. A sender id the
    gateway did not issue gets 403 ``unknown_sender``.
    """
    try:
        payload = parse_json(await read_body(request, request.app[keys.SETTINGS].max_body_bytes))
        req = parse_chat(payload)
    except ValidationError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    senders = request.app[keys.SENDERS]
    token = req.sender if req.sender is not None else senders.issue()
    try:
        conversation = senders.conversation(token)
    except UnknownSender:
        if (refusal := limited(request, None)) is not None:
            return refusal
        return unknown_sender()
    if (refusal := limited(request, conversation)) is not None:
        return refusal
    logs.sender.set(pseudonym(conversation, request.app[keys.NAMES]))  # this request's context only
    started = time.perf_counter()
    japanese = has_japanese(req.message)
    request.app[keys.PREFETCH].start(req.message, conversation)  # embed it while Rasa parses it
    try:
        messages = await request.app[keys.RASA].send(conversation, req.message)
    except RasaUnavailable as exc:
        logger.warning("chat failed: %s", exc)
        replied(request, ERROR, "ja" if japanese else "en", started)
        return web.json_response(
            {
                "error": error("unavailable"),
                "kind": ERROR,
                "lang": "ja" if japanese else "en",
                "sender": token,
            },
            status=503,
        )
    reply = shape_reply(messages, japanese=japanese)
    replied(request, reply["kind"], reply.get("lang") or ("ja" if japanese else "en"), started)
    return web.json_response({"sender": token, **with_ids(conversation, reply)})


def replied(request: web.Request, kind: str, lang: str, started: float) -> None:
    """Count one chat reply and write its access line (kind, language, seconds)."""
    seconds = time.perf_counter() - started
    request.app[keys.METRICS].reply("web", kind, lang, seconds)
    access.info(
        "chat reply %s (%s) in %.3f s", kind, lang, seconds, extra={"kind": kind, "duration": seconds}
    )


async def feedback(request: web.Request) -> web.Response:
    """Store a thumbs up or down on one bot message of the sender's own conversation."""
    try:
        req = parse_feedback(parse_json(await read_body(request, request.app[keys.SETTINGS].max_body_bytes)))
    except ValidationError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    try:
        conversation = request.app[keys.SENDERS].conversation(req.sender)
    except UnknownSender:
        return limited(request, None) or unknown_sender()
    if (refusal := limited(request, conversation)) is not None:
        return refusal
    try:
        events = await request.app[keys.RASA].events(conversation)
    except RasaUnavailable as exc:
        logger.warning("feedback not checked: %s", exc)
        return web.json_response({"error": error("feedback_not_stored")}, status=503)
    if req.message_id not in message_ids(conversation, events):
        return web.json_response(
            {"error": "'message_id' is not a message Senpai sent in this conversation"}, status=404
        )
    try:
        feedback_id = await request.app[keys.FEEDBACK].add(
            conversation, req.message_id, req.rating, req.comment
        )
    except FeedbackUnavailable as exc:
        logger.warning("feedback not stored: %s", exc)
        return web.json_response({"error": error("feedback_not_stored")}, status=503)
    return web.json_response({"status": "stored", "id": feedback_id}, status=201)


async def conversation(request: web.Request) -> web.Response:
    """Return the sender's own conversation so far, so the widget survives a page reload.

    The sender id comes from the ``X-Senpai-Sender`` header (what the widget
    sends) or the ``sender`` query parameter.
    """
    try:
        token = parse_sender(request.headers.get(SENDER_HEADER) or request.query.get("sender"))
    except ValidationError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    try:
        sender = request.app[keys.SENDERS].conversation(token)
    except UnknownSender:
        return limited(request, None) or unknown_sender()
    try:
        events = await request.app[keys.RASA].events(sender)
    except RasaUnavailable as exc:
        logger.warning("history failed: %s", exc)
        return web.json_response({"error": error("history_unavailable")}, status=503)
    return web.json_response({"sender": token, "messages": history(sender, events)})


async def slack_webhook(request: web.Request) -> web.Response:
    """Verify a Slack request, answer its challenge or deduplicate it, and pass it to Rasa."""
    settings = request.app[keys.SETTINGS]
    if not settings.slack_enabled or settings.slack_signing_secret is None:
        return web.json_response(
            {"error": "Slack is not configured on this server (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET)"},
            status=404,
        )
    body = await read_body(request, SLACK_MAX_BODY_BYTES)
    problem = slack_events.verify(
        settings.slack_signing_secret,
        request.headers.get("X-Slack-Request-Timestamp"),
        request.headers.get("X-Slack-Signature"),
        body,
    )
    if problem is not None:
        logger.warning("refused a Slack request from %s: %s", client_address(request), problem)
        return web.json_response({"error": f"not a valid Slack request: {problem}"}, status=401)
    try:
        payload = slack_events.parse(request.content_type, body)
    except ValidationError as exc:
        return web.json_response({"error": f"not a Slack payload: {exc}"}, status=400)
    if payload.get("type") == "url_verification":
        return web.json_response({"challenge": payload.get("challenge")})
    ledger = request.app[keys.SLACK_LEDGER]
    event_id = payload.get("event_id") if payload.get("type") == "event_callback" else None
    if isinstance(event_id, str) and not await ledger.claim(event_id):
        logger.info(
            "Slack delivered %s again (retry %s, %s); it was already answered",
            event_id,
            request.headers.get("X-Slack-Retry-Num", "-"),
            request.headers.get("X-Slack-Retry-Reason", "-"),
        )
        return web.json_response({"status": "already delivered"}, headers={"X-Slack-No-Retry": "1"})
    headers = {
        name: request.headers[name] for name in slack_events.FORWARDED_HEADERS if name in request.headers
    }
    try:
        status, _ = await request.app[keys.RASA].forward(
            "/webhooks/slack/webhook",
            body,
            headers,
            SLACK_FORWARD_TIMEOUT_S,
            sender=slack_events.sender_of(payload),
        )
    except RasaUnavailable as exc:
        if "unreachable" in str(exc) and isinstance(event_id, str):
            await ledger.release(event_id)  # nothing reached Rasa: let Slack's retry deliver it
            logger.warning("Slack event %s not delivered (%s); Slack will retry", event_id, exc)
            return web.json_response({"error": "Senpai is unavailable; please retry"}, status=503)
        # Rasa may have taken the event and be slow to say so: keep the claim, never answer twice.
        logger.warning("Slack event %s: Rasa was slow to acknowledge (%s)", event_id, exc)
        return web.json_response({"status": "accepted"})
    if status >= 500 and isinstance(event_id, str):
        await ledger.release(event_id)
        return web.json_response({"error": "Senpai could not take the event; please retry"}, status=503)
    if status >= 400:
        logger.warning("Rasa's Slack channel refused a request with HTTP %s", status)
        return web.json_response({"error": f"Rasa's Slack channel answered HTTP {status}"}, status=status)
    return web.json_response({"status": "ok"})

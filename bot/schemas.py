"""Validation of the gateway's request bodies, with messages a client can act on."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.gateway_texts import error
from knowledge.text.patterns import compile_tokens, scrub

#: Message ids (for feedback): what :func:`contracts.reply.message_id` makes.
MESSAGE_ID_RE = compile_tokens(r"[A-Za-z0-9_-]{1,64}")
MAX_MESSAGE_CHARS = 2000
#: Longest sender id looked at (an issued one has 46 characters; see :mod:`bot.sender_keys`).
MAX_SENDER_CHARS = 128


class ValidationError(ValueError):
    """The request body does not match the API contract."""


@dataclass(frozen=True)
class ChatRequest:
    """A validated ``POST /api/chat`` body; ``sender`` is ``None`` for a new conversation."""

    sender: str | None
    message: str


def parse_json(body: bytes | str) -> Any:
    """Decode a JSON body (UTF-8 bytes, or text already decoded): every JSON endpoint's one parser.

    Raises:
        ValidationError: If the body is empty, not UTF-8, not JSON, or JSON
            that Python's parser can't take: nested too deeply (it would
            recurse past its limit) or with a number of too many digits.
    """
    if not body.strip():
        raise ValidationError(error("bad_body", problem="is empty; send a JSON object"))
    try:
        return json.loads(body.decode("utf-8") if isinstance(body, bytes) else body)
    except UnicodeDecodeError as exc:
        raise ValidationError(error("bad_body", problem="is not valid UTF-8")) from exc
    except json.JSONDecodeError as exc:
        raise ValidationError(
            error("bad_body", problem=f"is not valid JSON ({exc.msg} at position {exc.pos})")
        ) from exc
    except RecursionError as exc:
        raise ValidationError(error("bad_body", problem="is not valid JSON (nested too deeply)")) from exc
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise ValidationError(error("bad_body", problem=f"is not valid JSON ({exc})")) from exc


@dataclass(frozen=True)
class FeedbackRequest:
    """A validated ``POST /api/feedback`` body."""

    sender: str
    message_id: str
    rating: int
    comment: str | None


MAX_COMMENT_CHARS = 1000


def _sender(payload: dict[str, Any]) -> str:
    """The sender id's text; whether the gateway issued it is :class:`bot.sender_keys.SenderKeys`' call."""
    sender = payload.get("sender")
    if sender is None:
        raise ValidationError("missing field 'sender' (the id a reply from /api/chat gave you)")
    if not isinstance(sender, str) or not sender or len(sender) > MAX_SENDER_CHARS:
        raise ValidationError("'sender' must be the id a reply from /api/chat gave you")
    return sender


def parse_sender(value: str | None) -> str:
    """Validate a sender id from a query string or header."""
    return _sender({"sender": value})


def _object(payload: Any, fields: set[str], what: str) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise ValidationError(error("bad_body", problem=f"must be a JSON object with {what}"))
    unknown = sorted(set(payload) - fields)
    if unknown:
        raise ValidationError(f"unknown field(s): {', '.join(unknown)}")
    return payload


def parse_feedback(payload: Any) -> FeedbackRequest:
    """Validate a feedback request.

    Raises:
        ValidationError: On a wrong shape or values out of range.
    """
    fields = {"sender", "message_id", "rating", "comment"}
    data = _object(payload, fields, "'sender', 'message_id' and 'rating'")
    sender = _sender(data)
    message_id = data.get("message_id")
    if not isinstance(message_id, str) or not MESSAGE_ID_RE.fullmatch(message_id):
        raise ValidationError("'message_id' must be 1-64 characters of A-Z, a-z, 0-9, '_' or '-'")
    rating = data.get("rating")
    if rating not in (1, -1) or isinstance(rating, bool):
        raise ValidationError("'rating' must be 1 (thumbs up) or -1 (thumbs down)")
    comment = data.get("comment")
    if comment is not None:
        if not isinstance(comment, str):
            raise ValidationError("'comment' must be a string")
        comment = comment.strip() or None
        if comment is not None and len(comment) > MAX_COMMENT_CHARS:
            raise ValidationError(f"'comment' must be at most {MAX_COMMENT_CHARS} characters")
        if comment is not None and scrub(comment) != comment:
            raise ValidationError("'comment' is not valid Unicode text (it has half of a surrogate pair)")
    return FeedbackRequest(sender, message_id, int(rating), comment)


def parse_chat(payload: Any) -> ChatRequest:
    """Validate a chat request.

    Args:
        payload: The decoded JSON body.

    Returns:
        The sender id (``None`` when the client starts a new conversation) and
        the message, stripped of surrounding white space.

    Raises:
        ValidationError: On a wrong shape, unknown fields, or values out of range.
    """
    payload = _object(payload, {"sender", "message"}, "'message' (and 'sender' after the first reply)")
    sender = _sender(payload) if payload.get("sender") is not None else None
    message = payload.get("message")
    if message is None:
        raise ValidationError(error("missing_message"))
    if not isinstance(message, str):
        raise ValidationError("'message' must be a string")
    message = message.strip()
    if not message:
        raise ValidationError(error("empty_message"))
    if len(message) > MAX_MESSAGE_CHARS:
        raise ValidationError(error("message_too_long", limit=MAX_MESSAGE_CHARS, got=len(message)))
    if scrub(message) != message:
        raise ValidationError("'message' is not valid Unicode text (it has half of a surrogate pair)")
    return ChatRequest(sender=sender, message=message)

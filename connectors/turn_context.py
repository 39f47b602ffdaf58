"""Each turn's context inside Rasa: its request id and sender pseudonym, in logs and the tracker.

The gateway sends a turn's id and its sender's pseudonym in headers
(:mod:`contracts.logs`). :func:`follow_turns` makes a channel's webhook take
them into the context of every log line Rasa writes for that turn, and write
one access line when the turn is answered; :func:`turn_metadata` puts them in
the user message's metadata, where the action server reads them.

:class:`SenpaiRestInput` is Rasa's REST channel (``/webhooks/rest/webhook``,
what the gateway calls) with both.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from contracts import logs

access = logging.getLogger(logs.ACCESS_LOGGER)


def turn_metadata(request: Request) -> dict[str, Any]:
    """The request id and pseudonym the gateway sent, as the user message's metadata."""
    rid = request.headers.get(logs.REQUEST_ID_HEADER)
    name = request.headers.get(logs.PSEUDONYM_HEADER)
    metadata: dict[str, Any] = {}
    if rid:
        metadata[logs.METADATA_KEY] = logs.accepted_id(rid)
    if name and len(name) <= logs.MAX_REQUEST_ID:
        metadata[logs.SENDER_KEY] = name
    return metadata


def follow_turns(blueprint: Blueprint, channel: str) -> Blueprint:
    """Make every request to ``blueprint`` log with its turn's context, and say when it was answered."""

    async def enter(request: Request) -> None:
        metadata = turn_metadata(request)
        logs.request_id.set(metadata.get(logs.METADATA_KEY))
        logs.sender.set(metadata.get(logs.SENDER_KEY))
        request.ctx.senpai_started = time.perf_counter()

    async def leave(request: Request, response: HTTPResponse) -> None:
        started = getattr(request.ctx, "senpai_started", None)
        if started is not None and request.method == "POST":
            seconds = time.perf_counter() - started
            access.info("%s turn handled in %.3f s", channel, seconds, extra={"duration": seconds})
        logs.request_id.set(None)  # the connection's next request is another turn
        logs.sender.set(None)

    blueprint.middleware("request")(enter)
    blueprint.middleware("response")(leave)
    return blueprint


class SenpaiRestInput(RestInput):
    """Rasa's REST channel, following each turn's request id into logs and the tracker."""

    @classmethod
    def name(cls) -> str:
        """Rasa's name of the channel (its webhook stays ``/webhooks/rest/webhook``)."""
        return "rest"

    def get_metadata(self, request: Request) -> dict[str, Any] | None:
        """The turn's request id and pseudonym (``None`` when the gateway sent neither)."""
        return turn_metadata(request) or None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's REST webhook, with each turn's context."""
        return follow_turns(super().blueprint(on_new_message), "rest")

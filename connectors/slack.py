"""Senpai's Slack channel for Rasa: Rasa's own connector, configured from the environment.

``credentials.yml`` names this class. It keeps Rasa's Slack connector (request
signing with the 5-minute replay window, ``url_verification``, interactivity,
answering in the background so Slack gets its acknowledgement at once) and
changes what an orientation workspace needs:

- **Secrets only from the environment.** ``SLACK_BOT_TOKEN`` and
  ``SLACK_SIGNING_SECRET`` are read here, never from a file. With either
  missing, the channel is off: its webhook answers 404 and nothing else
  changes, so ``rasa run`` and ``rasa shell`` need no Slack set-up.
- **Any Slack Web API.** ``SLACK_API_URL`` (default ``https://slack.com/api/``)
  points replies at GovSlack, or at a fake Slack in tests.
- **Threads where they belong.** A question in a channel (an @mention) is
  answered in its thread; a direct message is answered in the DM itself.
- **Never itself, never other bots.** Messages from bots, from Senpai's own
  user, and edits, joins and other message subtypes are ignored.
- **A namespace of its own.** A Slack user's conversation is stored as
  ``slack:TEAM:USER`` (Rasa's own channel uses the bare user id, ``U…``).
  Slack member ids are visible to everyone in a workspace, and the web chat
  API only ever reaches ``web:…`` conversations, so neither channel can read
  or continue the other's conversations (SECURITY.md).

Retries: Slack retries an event it thinks was not delivered. The gateway in
front of Rasa remembers delivered event ids, answers repeated deliveries
itself, and strips the retry headers from the first delivery it forwards, so
every event is processed exactly once (see ``bot/slack_events.py``).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from connectors.turn_context import follow_turns, turn_metadata
from contracts import senders

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"


def conversation_id(team: str | None, user: str | None) -> str | None:
    """The tracker store's id of a Slack user's conversation: ``slack:TEAM:USER``.

    ``_`` stands for a team Slack did not name. ``None`` stays ``None`` (Rasa
    then refuses the message, as it would without the namespace).
    """
    if not user:
        return None
    return senders.slack(team, user)


class SenpaiSlackBot(SlackBot):
    """Rasa's Slack output channel, posting to a configurable Web API URL."""

    def __init__(
        self,
        token: str,
        slack_channel: str | None = None,
        thread_id: str | None = None,
        proxy: str | None = None,
        api_url: str = DEFAULT_API_URL,
    ) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, base_url=api_url, proxy=proxy)

    async def _post_message(self, channel: str, **kwargs: Any) -> None:
        # `as_user` is a legacy argument that modern Slack apps must not send.
        kwargs.pop("as_user", None)
        if channel.startswith(senders.SLACK):  # no channel known: Rasa fell back on the conversation id
            channel = channel.rsplit(":", 1)[-1]  # a user id, which Slack takes as their DM
        await super()._post_message(channel, **kwargs)


class SlackOff(InputChannel):
    """The Slack channel while SLACK_BOT_TOKEN or SLACK_SIGNING_SECRET is unset."""

    @classmethod
    def name(cls) -> str:
        """Rasa's name of the channel (its webhook is ``/webhooks/slack/webhook``)."""
        return "slack"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Routes that say Slack is off."""
        off = Blueprint("slack_webhook_off", __name__)

        @off.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "off"})

        @off.route("/webhook", methods=["GET", "POST"])
        async def webhook(_: Request) -> HTTPResponse:
            return response.json(
                {"error": "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"},
                status=404,
            )

        return off


class SenpaiSlackInput(SlackInput):
    """Rasa's Slack input channel with Senpai's configuration and behaviour."""

    @classmethod
    def name(cls) -> str:
        """Rasa's name of the channel (its webhook is ``/webhooks/slack/webhook``)."""
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build the channel from the environment plus non-secret options in credentials.yml."""
        options = dict(credentials or {})
        for secret in ("slack_token", "slack_signing_secret"):
            if options.pop(secret, None):
                logger.warning(
                    "ignoring %s in credentials.yml: Senpai reads Slack secrets from the environment", secret
                )
        token = os.environ.get("SLACK_BOT_TOKEN", "").strip()
        signing_secret = os.environ.get("SLACK_SIGNING_SECRET", "").strip()
        if not (token and signing_secret):
            logger.info("Slack channel is off (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET are not both set)")
            return SlackOff()
        channel = cls(
            token,
            slack_channel=options.get("slack_channel"),
            proxy=options.get("proxy"),
            slack_retry_reason_header=options.get("slack_retry_reason_header", "x-slack-retry-reason"),
            slack_retry_number_header=options.get("slack_retry_number_header", "x-slack-retry-num"),
            errors_ignore_retry=options.get("errors_ignore_retry"),
            use_threads=bool(options.get("use_threads", True)),
            slack_signing_secret=signing_secret,
            conversation_granularity=options.get("conversation_granularity", "sender"),
        )
        channel.api_url = os.environ.get("SLACK_API_URL", "").strip() or DEFAULT_API_URL
        logger.info("Slack channel is on (Web API %s)", channel.api_url)
        return channel

    api_url: str = DEFAULT_API_URL

    @staticmethod
    def _is_user_message(slack_event: dict[str, Any]) -> bool:
        """A message a person wrote: not a bot's, not Senpai's own, not an edit or a join."""
        if not SlackInput._is_user_message(slack_event):
            return False
        event = slack_event.get("event") or {}
        if event.get("subtype") or event.get("bot_profile"):
            return False
        own = {a.get("user_id") for a in slack_event.get("authorizations") or [] if a.get("is_bot")}
        return not (event.get("user") and event.get("user") in own)

    async def process_message(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
        text: str,
        sender_id: str | None,
        metadata: dict[str, Any] | None,
    ) -> Any:
        """Rasa's handling, with the conversation id moved into the Slack namespace."""
        return await super().process_message(
            request, on_new_message, text, conversation_id(self._team(request), sender_id), metadata
        )

    def _team(self, request: Request) -> str | None:
        if request.headers.get("content-type") == "application/json":
            body = request.json or {}
            event = body.get("event") or {}
            return body.get("team_id") or event.get("team")
        payload = self._interaction(request)
        return (payload.get("team") or {}).get("id") or (payload.get("user") or {}).get("team_id")

    def get_metadata(self, request: Request) -> dict[str, Any]:
        """Rasa's metadata, with a thread only for messages in channels (or already in a thread)."""
        metadata = super().get_metadata(request)
        thread = None
        if request.headers.get("content-type") == "application/json":
            event = (request.json or {}).get("event") or {}
            in_dm = event.get("channel_type") == "im"
            thread = event.get("thread_ts") or (None if in_dm else event.get("ts"))
        elif request.headers.get("content-type") == "application/x-www-form-urlencoded":
            payload = self._interaction(request)
            message = payload.get("message") or {}
            channel = (payload.get("channel") or {}).get("id") or ""
            in_dm = channel.startswith("D")
            thread = message.get("thread_ts") or (None if in_dm else message.get("ts"))
        metadata["thread_id"] = thread
        return metadata | turn_metadata(request)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's Slack webhook, with each turn's request id in its log lines."""
        return follow_turns(super().blueprint(on_new_message), "slack")

    @staticmethod
    def _interaction(request: Request) -> dict[str, Any]:
        try:
            payload = json.loads(request.form["payload"][0])
        except (KeyError, IndexError, TypeError, ValueError):
            return {}
        return payload if isinstance(payload, dict) else {}

    def get_output_channel(self, channel: str | None = None, thread_id: str | None = None) -> OutputChannel:
        """Post replies through :class:`SenpaiSlackBot` to the configured Web API."""
        return SenpaiSlackBot(
            self.slack_token, channel or self.slack_channel, thread_id, self.proxy, api_url=self.api_url
        )

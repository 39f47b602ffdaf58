"""Send a reply shaped for the channel the user wrote in.

- The web (the gateway's REST channel): text and buttons, plus a custom
  payload with the reply's kind and citations, which the gateway turns into
  its JSON API and the widget into a "Source" line.
- Slack: one ``chat.postMessage`` with Block Kit (:mod:`actions.slack_blocks`); no
  raw payload ever reaches a Slack user.
- The terminal (``rasa shell``): text with a ``Source:`` line.
"""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.messages import Reply, custom_payload
from actions.slack_blocks import slack_message

#: Channels that show raw JSON to a person, so get text only.
TEXT_ONLY_CHANNELS = frozenset({"cmdline"})
SLACK = "slack"


class TurnDispatcher(CollectingDispatcher):  # type: ignore[misc]  # rasa-sdk ships no types for it
    """A dispatcher that also keeps what :func:`send` sent through it (for the turn's metrics)."""

    def __init__(self) -> None:
        super().__init__()
        self.replies: list[Reply] = []


def send(dispatcher: CollectingDispatcher, reply: Reply, channel: str | None) -> None:
    """Send a reply through the dispatcher, shaped for the input channel."""
    if isinstance(dispatcher, TurnDispatcher):
        dispatcher.replies.append(reply)
    if channel == SLACK:
        dispatcher.utter_message(json_message=slack_message(reply))
        return
    buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    if channel in TEXT_ONLY_CHANNELS:
        dispatcher.utter_message(text=reply.plain_text(), buttons=buttons)
        return
    dispatcher.utter_message(text=reply.text, buttons=buttons, json_message=custom_payload(reply))

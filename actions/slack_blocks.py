"""Replies as Slack messages: mrkdwn text, a citation line and buttons, in Block Kit.

Rasa's Slack channel posts an action's custom payload as the arguments of
``chat.postMessage``, so :func:`slack_message` builds exactly those arguments:
a plain ``text`` for notifications and screen readers, and ``blocks`` for the
message itself. Everything taken from the corpus is escaped for mrkdwn
(``&``, ``<`` and ``>``), so a passage can never turn into a mention, a link
or broken markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from actions.messages import Button, Reply, source_prefix
from knowledge import Passage
from knowledge.content.corpus import source_labels

#: Slack's limits: characters in a section's text, in a context element, in a
#: button's label and value, and buttons in one actions block.
MAX_SECTION_CHARS = 3000
MAX_CONTEXT_CHARS = 2000
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2000
MAX_BUTTONS = 5


def escape(text: str) -> str:
    """Escape the three characters that Slack's mrkdwn gives a meaning to."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def citation_line(passages: Sequence[Passage], lang: str = "en") -> str:
    """Return the mrkdwn ``Source:`` (``出典:``) line for the passages of an answer."""
    labels = [escape(label) for label in source_labels(passages)]
    return f":books: *{source_prefix(passages, lang)}:* " + "; ".join(labels)


def _button(number: int, button: Button) -> dict[str, Any]:
    return {
        "type": "button",
        "action_id": f"senpai_choice_{number}",
        "text": {"type": "plain_text", "text": _clip(button.title, MAX_BUTTON_LABEL), "emoji": True},
        "value": _clip(button.payload, MAX_BUTTON_VALUE),
    }


def slack_message(reply: Reply) -> dict[str, Any]:
    """Return the ``chat.postMessage`` arguments for a reply.

    Args:
        reply: What the action says, independent of the channel.

    Returns:
        ``{"text": ..., "blocks": [...]}``: one section per paragraph of the
        text (escaped mrkdwn), a context block with the citation if the reply
        has sources, and an actions block with up to five buttons.
    """
    blocks: list[dict[str, Any]] = []
    for paragraph in (p for p in reply.text.split("\n\n") if p.strip()):
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": _clip(escape(paragraph), MAX_SECTION_CHARS)},
            }
        )
    if reply.citations and reply.source_line:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": _clip(citation_line(reply.citations, reply.lang), MAX_CONTEXT_CHARS),
                    }
                ],
            }
        )
    if reply.buttons:
        blocks.append(
            {
                "type": "actions",
                "elements": [_button(i, b) for i, b in enumerate(reply.buttons[:MAX_BUTTONS])],
            }
        )
    return {"text": _clip(escape(reply.plain_text()), MAX_SECTION_CHARS), "blocks": blocks}

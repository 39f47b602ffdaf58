"""What an action says, independent of the channel, and how it is sent.

Actions build a :class:`Reply`; :func:`send` turns it into a Rasa message with
the text, buttons and a custom payload that carries the reply's kind and
citations to the gateway. The terminal (``rasa shell``) gets text only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk.executor import CollectingDispatcher

from knowledge import Passage

ANSWER = "answer"
FALLBACK = "fallback"
CLARIFY = "clarify"
SMALLTALK = "smalltalk"
ERROR = "error"

#: Channels that show raw JSON to a person, so get no custom payload.
TEXT_ONLY_CHANNELS = frozenset({"cmdline"})


@dataclass(frozen=True)
class Button:
    """A suggested reply; its payload is sent back as the user's message."""

    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    """One bot message: what kind of reply it is, its text and its sources."""

    kind: str
    text: str
    citations: Sequence[Passage] = field(default_factory=tuple)
    buttons: Sequence[Button] = field(default_factory=tuple)
    source_line: bool = True

    def plain_text(self) -> str:
        """Return the text with a ``Source: ...`` line, for channels without citations UI."""
        if not (self.source_line and self.citations):
            return self.text
        labels = list(dict.fromkeys(p.citation.label() for p in self.citations))
        prefix = "Source" if len(labels) == 1 else "Sources"
        return f"{self.text}\n\n{prefix}: " + "; ".join(labels)


def citation_dict(passage: Passage) -> dict[str, Any]:
    """Return the citation object the gateway API promises for a passage."""
    cite = passage.citation
    return {
        "passage_id": passage.id,
        "title": passage.title,
        "source": cite.short,
        "section": cite.section,
        "participant": cite.participant,
        "reference": cite.reference,
    }


def custom_payload(reply: Reply) -> dict[str, Any]:
    """Return the custom payload that tells the gateway the kind and citations."""
    return {
        "senpai": {
            "kind": reply.kind,
            "citations": [citation_dict(p) for p in reply.citations],
        }
    }


def send(dispatcher: CollectingDispatcher, reply: Reply, channel: str | None) -> None:
    """Send a reply through the dispatcher, shaped for the input channel."""
    buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    if channel in TEXT_ONLY_CHANNELS:
        dispatcher.utter_message(text=reply.plain_text(), buttons=buttons)
        return
    dispatcher.utter_message(text=reply.text, buttons=buttons, json_message=custom_payload(reply))

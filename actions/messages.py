"""What an action says, independent of the channel, and how it is sent.

Actions build a :class:`Reply`; :func:`actions.channels.send` shapes it for
the channel the user wrote in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from actions.texts import say
from contracts.reply import ANSWER, CLARIFY, ERROR, FALLBACK, SMALLTALK, payload
from knowledge import Passage
from knowledge.content.corpus import Citation, source_labels

__all__ = ["ANSWER", "CLARIFY", "ERROR", "FALLBACK", "SMALLTALK", "Button", "Reply"]


@dataclass(frozen=True)
class Button:
    """A suggested reply; its payload is sent back as the user's message."""

    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    """One bot message: what kind of reply it is, its text and its sources.

    Attributes:
        role: The role Senpai now has for the user (``alt`` or ``jte``), when
            known; the widget shows it on its role switch.
        lang: The language of the reply (``en`` or ``ja``).
        missed: On a fallback to a question, what the organisers' insights show
            about it: the not-covered topic that refused it, and the nearest
            passage with its score.
    """

    kind: str
    text: str
    citations: Sequence[Passage] = field(default_factory=tuple)
    buttons: Sequence[Button] = field(default_factory=tuple)
    source_line: bool = True
    role: str | None = None
    lang: str = "en"
    missed: dict[str, Any] | None = None

    def plain_text(self) -> str:
        """Return the text with a ``Source: ...`` (``出典: ...``) line, for channels without citations UI."""
        if not (self.source_line and self.citations):
            return self.text
        return f"{self.text}\n\n{source_prefix(self.citations, self.lang)}: " + "; ".join(
            source_labels(self.citations)
        )


def source_prefix(passages: Sequence[Passage], lang: str) -> str:
    """``Source`` or ``Sources`` (``出典`` in Japanese) for the source line of these passages."""
    return say(lang, "source" if len(source_labels(passages)) == 1 else "sources")


def citation_dict(passage: Passage, cite: Citation | None = None, lang: str = "en") -> dict[str, Any]:
    """Return the citation object the gateway API promises for a passage.

    Args:
        passage: The passage cited.
        cite: Which of its citations (default: its main one).
        lang: The language of the passage's title; the reference stays the study's own.
    """
    cite = cite or passage.citation
    return {
        "passage_id": passage.id,
        "title": passage.title_in(lang),
        "source": cite.short,
        "section": cite.section,
        "participant": cite.participant,
        "reference": cite.reference,
    }


def citation_dicts(passages: Sequence[Passage], lang: str = "en") -> list[dict[str, Any]]:
    """One citation object per source of each passage (a passage may draw on both studies)."""
    return [citation_dict(p, c, lang) for p in passages for c in p.citations]


def custom_payload(reply: Reply) -> dict[str, Any]:
    """The reply's custom payload (:mod:`contracts.reply`): its kind, citations, language and role."""
    return payload(
        reply.kind,
        citation_dicts(reply.citations, reply.lang),
        reply.lang,
        role=reply.role,
        missed=reply.missed,
    )

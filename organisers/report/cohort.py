"""The questions of a cohort: every question Senpai received in a range, answered or not, with its theme.

A question is a user message Senpai answered from a passage, or fell back
on (the fallbacks that carry a ``missed`` payload: a question, not "tell me
more" with nothing to follow). Small talk, and a clarifying question before
the user picks an option, are not questions; the option picked is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from contracts import senders
from contracts.reply import ANSWER
from organisers.insights.overview import replies, roles_by_sender
from organisers.insights.queries import Store, loads
from organisers.report.themes import Themes


@dataclass(frozen=True)
class Cohort:
    """Who the report is about: a channel (``web``, ``slack``), a role (``alt``, ``jte``), a language."""

    channel: str = ""
    role: str = ""
    lang: str = ""

    def admits(self, question: Question) -> bool:
        """Whether the question belongs to the cohort."""
        return (
            (not self.channel or question.channel == self.channel)
            and (not self.role or question.role == self.role)
            and (not self.lang or question.lang == self.lang)
        )

    def as_dict(self) -> dict[str, str | None]:
        """The filters, ``None`` where all are taken."""
        return {k: v or None for k, v in vars(self).items()}


@dataclass(frozen=True)
class Question:
    """One question and what became of it.

    Attributes:
        sender: The conversation (as stored; pseudonymise before showing).
        at: When it was asked.
        text: The question as asked.
        answered: Whether Senpai answered it from a passage.
        lang: The language Senpai replied in.
        role: The conversation's role by the end of the range (``alt``, ``jte``, ``unknown``).
        channel: ``web`` or ``slack``.
        theme: Its theme.
        passages: The passages it was answered from.
        week: Its ISO week, ``2026-W45``.
    """

    sender: str
    at: float
    text: str
    answered: bool
    lang: str
    role: str
    channel: str
    theme: str
    passages: tuple[str, ...] = ()
    week: str = ""


def iso_week(at: float) -> str:
    """The ISO week of a Unix time, ``2026-W45``."""
    year, week, _ = dt.datetime.fromtimestamp(at, dt.UTC).isocalendar()
    return f"{year}-W{week:02d}"


def questions(store: Store, since: float, until: float, themes: Themes) -> list[Question]:
    """Every question of the range, oldest first, each under its theme."""
    rows = replies(store, since, until, answers=True)
    roles = roles_by_sender(store, until)
    out = []
    for sender, at, text, kind, lang, citations, missed in rows:
        sender = str(sender)
        if kind == ANSWER:
            cited = tuple(
                dict.fromkeys(
                    c["passage_id"]
                    for c in loads(citations) or []
                    if isinstance(c, dict) and isinstance(c.get("passage_id"), str)
                )
            )
            theme = themes.of_passage(cited[0] if cited else None)
        else:
            cited = ()
            detail = loads(missed) or {}
            theme = themes.of_missed(detail.get("not_covered"), detail.get("nearest"))
        out.append(
            Question(
                sender,
                float(at),
                " ".join(str(text).split()),
                kind == ANSWER,
                str(lang or "en"),
                roles.get(sender, "unknown"),
                senders.channel_of(sender),
                theme,
                cited,
                iso_week(float(at)),
            )
        )
    return out

"""A scripted cohort in a real tracker store: who asked what, answered or missed, in which language."""

from __future__ import annotations

from typing import Any, NamedTuple

from tests.unit.organisers.test_insights import DAY, T0, bot, cite, slot, user

WEEK = 7 * DAY


class Group(NamedTuple):
    """Conversations of ``role`` asking ``question``: answered from ``passage``, or missed."""

    name: str
    role: str | None
    conversations: int
    question: str
    lang: str
    passage: str | None = None
    not_covered: str | None = None
    nearest: str | None = None
    week: int = 0


#: The cohort: ALTs and JTEs, English and Japanese, answered and missed, across the four themes and other.
COHORT = (
    Group(
        "alt-role",
        "alt",
        6,
        "Am I just a novelty foreigner here?",
        "en",
        passage="identity-foreigner-overview",
    ),
    Group(
        "jte-jtes", "jte", 5, "ALTは私たちに何を望んでいますか？", "ja", passage="jte-what-alts-want-to-know"
    ),
    Group("alt-aims", "alt", 5, "What is JET actually for?", "en", passage="jet-aims", week=1),
    Group("alt-living", "alt", 5, "How do I pay my residence tax?", "en", not_covered="money-tax-banking"),
    Group("jte-living", "jte", 2, "住民税はどう払いますか？", "ja", not_covered="money-tax-banking", week=1),
    Group("alt-other", None, 3, '=HYPERLINK("http://x")', "en", nearest="studies-overview"),
)


def events(cohort: tuple[Group, ...] = COHORT) -> list[tuple[Any, ...]]:
    """The cohort's events: a greeting, the role said, the question and Senpai's reply."""
    rows: list[tuple[Any, ...]] = []
    at = T0
    for group in cohort:
        for n in range(group.conversations):
            sender = f"web:{group.name}-{n}"
            when = at + group.week * WEEK
            rows.append(user(sender, "hello", when))
            rows.append(bot(sender, "Hi, I'm Senpai!", when + 1, "smalltalk"))
            if group.role:
                rows.append(slot(sender, "role", group.role, when + 2))
            rows.append(user(sender, group.question, when + 3))
            if group.passage:
                reply = bot(sender, f"An answer ({n}).", when + 4, "answer", lang=group.lang,
                            citations=[cite(group.passage, "A passage")])  # fmt: skip
            else:
                missed = {"not_covered": group.not_covered, "nearest": group.nearest, "score": 0.1}
                reply = bot(sender, "I don't know.", when + 4, "fallback", lang=group.lang, missed=missed)
            rows.append(reply)
            at += 60
    return rows

"""Who the user says they are, when they say it in passing: "I'm a JTE at a junior high, what ...".

NLU files such a message under its topic (``ask_jte``), not under
``inform_role``, so the domain's entity mapping never sets the ``role`` slot
from it. :func:`stated_role` reads the first-person statement itself. It only
accepts the user describing themselves ("I'm a JTE", "as an ALT", "I'm one of
the Japanese teachers of English"), never a role merely mentioned ("how do I
support my ALT?", "I'm not an ALT"), and never guesses from "I teach English",
which an ALT could say as well.
"""

from __future__ import annotations

import re

#: "I'm", "im", "I am", "I work as", or "As" opening a sentence or clause ("she sees
#: herself as an ALT" is not the user's role).
_SELF = r"(?:\bi\s*['’]?\s*m|\bim|\bi\s+am|\bi\s+work\s+as|(?:^|[.!?,;:]\s*)as)"
_MODIFIERS = (
    r"(?:(?:new|first[- ]year|second[- ]year|third[- ]year|current|jet|"
    r"junior[- ]high(?:[- ]school)?|senior[- ]high(?:[- ]school)?|high[- ]school|"
    r"elementary(?:[- ]school)?)\s+)*"
)
_JTE = r"(?:jte|japanese\s+teacher\s+of\s+english|japanese\s+english\s+teacher)"
_JTES = r"(?:jtes|japanese\s+teachers\s+of\s+english|japanese\s+english\s+teachers)"
_ALT = r"(?:alt|assistant\s+language\s+teacher)"
_ALTS = r"(?:alts|assistant\s+language\s+teachers)"
#: "I'm a JTE", "as an ALT", "I'm one of the JTEs": one of many, in the plural only after "one of the".
_STATEMENT = re.compile(
    rf"{_SELF}\s+(?:"
    rf"one\s+of\s+the\s+{_MODIFIERS}(?:(?P<jtes>{_JTES})|{_ALTS})"
    rf"|(?:an?\s+|the\s+)?{_MODIFIERS}(?:(?P<jte>{_JTE})|{_ALT})"
    rf")(?![\w'’])",
    re.IGNORECASE,
)


def stated_role(text: str) -> str | None:
    """Return the role the user first says they have (``alt`` or ``jte``), or ``None``.

    Args:
        text: The user's message.

    Returns:
        ``jte`` for "I'm a JTE ...", "as a Japanese teacher of English ...";
        ``alt`` for "I'm a new ALT ...", "as an assistant language teacher ...";
        ``None`` when the message describes no role of the user's own.
    """
    if text.startswith("/"):  # a button payload carries its role as an entity
        return None
    match = _STATEMENT.search(text)
    if match is None:
        return None
    return "jte" if match.group("jte") or match.group("jtes") else "alt"

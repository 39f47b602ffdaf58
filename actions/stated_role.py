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

from knowledge.language import normalise

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


#: Japanese: 「私はJTEです」「JTEをしています」「ALTの○○です」「日本人英語教師です」「外国語指導助手として」.
_JA_JTE = r"(?:jte|日本人英語教師|日本人の英語教師|日本人英語教員)"
_JA_ALT = r"(?:alt|外国語指導助手)"
_JA_STATEMENT = re.compile(
    rf"(?:^|私は|わたしは|僕は|ぼくは|自分は|で|[、。\s])\s*(?:(?P<jte>{_JA_JTE})|{_JA_ALT})"
    r"\s*(?:です|をしています|をしております|として|で(?:す|ございます)|やってます|をやっています)",
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
    text = normalise(text)
    match = _STATEMENT.search(text)
    if match is not None:
        return "jte" if match.group("jte") or match.group("jtes") else "alt"
    japanese = _JA_STATEMENT.search(text)
    if japanese is not None and not re.search(
        r"(?:では|じゃ)(?:ない|ありません)", text[japanese.end() - 4 :]
    ):
        return "jte" if japanese.group("jte") else "alt"
    return None

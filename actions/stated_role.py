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

from knowledge.text.language import normalise
from knowledge.text.patterns import SPACE, compile_re2

#: "I'm", "im", "I am", "I work as", or "As" opening a sentence or clause ("she sees
#: herself as an ALT" is not the user's role).
_SELF = (
    rf"(?:\bi{SPACE}*['’]?{SPACE}*m|\bim|\bi{SPACE}+am|\bi{SPACE}+work{SPACE}+as|(?:^|[.!?,;:]{SPACE}*)as)"
)
_MODIFIERS = (
    r"(?:(?:new|first[- ]year|second[- ]year|third[- ]year|current|jet|"
    r"junior[- ]high(?:[- ]school)?|senior[- ]high(?:[- ]school)?|high[- ]school|"
    r"elementary(?:[- ]school)?)" + SPACE + "+)*"
)
_S = SPACE + "+"
_JTE = rf"(?:jte|japanese{_S}teacher{_S}of{_S}english|japanese{_S}english{_S}teacher)"
_JTES = rf"(?:jtes|japanese{_S}teachers{_S}of{_S}english|japanese{_S}english{_S}teachers)"
_ALT = rf"(?:alt|assistant{_S}language{_S}teacher)"
_ALTS = rf"(?:alts|assistant{_S}language{_S}teachers)"
#: "I'm a JTE", "as an ALT", "I'm one of the JTEs": one of many, in the plural only after "one of the".
#: The role word must end the word: it is followed by something other than a letter, digit or
#: apostrophe, or by the end (RE2 has no lookahead, so that character is part of the match).
_STATEMENT = compile_re2(
    rf"{_SELF}{_S}(?:"
    rf"one{_S}of{_S}the{_S}{_MODIFIERS}(?:(?P<jtes>{_JTES})|{_ALTS})"
    rf"|(?:an?{_S}|the{_S})?{_MODIFIERS}(?:(?P<jte>{_JTE})|{_ALT})"
    rf")(?:[^\pL\pN_'’]|$)",
    ignore_case=True,
)


#: Japanese: 「私はJTEです」「JTEをしています」「ALTの○○です」「日本人英語教師です」「外国語指導助手として」.
_JA_JTE = r"(?:jte|日本人英語教師|日本人の英語教師|日本人英語教員)"
_JA_ALT = r"(?:alt|外国語指導助手)"
_JA_STATEMENT = compile_re2(
    rf"(?:^|私は|わたしは|僕は|ぼくは|自分は|で|[、。\s\p{{Z}}]){SPACE}*(?:(?P<jte>{_JA_JTE})|{_JA_ALT})"
    rf"{SPACE}*(?:です|をしています|をしております|として|で(?:す|ございます)|やってます|をやっています)",
    ignore_case=True,
)
#: A message that is only a role: the answer to "are you an ALT or a JTE?" ("JTE", "an ALT here").
_ONLY_ROLE = compile_re2(
    rf"{SPACE}*(?:an?{_S})?(?:(?P<jte>{_JTE}|{_JA_JTE})|{_ALT}|{_JA_ALT})(?:{_S}here)?{SPACE}*[.!。！]*{SPACE}*",
    ignore_case=True,
)
#: 「…ではない」「…じゃありません」 just after the statement: the user is not one.
_JA_DENIED = compile_re2(r"(?:では|じゃ)(?:ない|ありません)")


def stated_role(text: str) -> str | None:
    """Return the role the user first says they have (``alt`` or ``jte``), or ``None``.

    Args:
        text: The user's message.

    Returns:
        ``jte`` for "I'm a JTE ...", "as a Japanese teacher of English ...";
        ``alt`` for "I'm a new ALT ...", "as an assistant language teacher ...";
        ``None`` when the message describes no role of the user's own. A message
        that is only a role ("JTE", "an ALT") answers "which are you?".
    """
    if text.startswith("/"):  # a button payload carries its role as an entity
        return None
    text = normalise(text)
    alone = _ONLY_ROLE.fullmatch(text)
    if alone is not None:
        return "jte" if alone.group("jte") else "alt"
    match = _STATEMENT.search(text)
    if match is not None:
        return "jte" if match.group("jte") or match.group("jtes") else "alt"
    japanese = _JA_STATEMENT.search(text)
    if japanese is not None and not _JA_DENIED.search(text[japanese.end() - 4 :]):
        return "jte" if japanese.group("jte") else "alt"
    return None

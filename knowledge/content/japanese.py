"""The Japanese side of the corpus: its fields, their checks, and the texts embedded for them.

Every passage carries ``title_ja``, ``text_ja`` and ``questions_ja``, and every
not-covered topic ``title_ja``, ``who_to_ask_ja`` and ``examples_ja``: our own
Japanese rendering of our own English, with the same facts and citation. The
checks here refuse a missing or over-long field, and a rendering whose figures
disagree with the English (:mod:`knowledge.content.figures`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.content.figures import compare
from knowledge.content.schema import (
    MAX_SITUATION_CHARS,
    MAX_SITUATION_CHARS_JA,
    CorpusError,
    example_list,
    require_str,
    str_list,
)

#: Limits of the Japanese fields, in characters (Japanese has no spaces to count words by).
MAX_TITLE_JA = 60
MIN_TEXT_JA = 40
MAX_TEXT_JA = 700
MAX_WHO_TO_ASK_JA = 250
MAX_EXAMPLE_JA = 120

PASSAGE_FIELDS = ("title_ja", "text_ja", "questions_ja")
TOPIC_FIELDS = ("title_ja", "who_to_ask_ja", "examples_ja")


@dataclass(frozen=True)
class PassageJa:
    """A passage's Japanese fields, checked."""

    title: str
    text: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class TopicJa:
    """A not-covered topic's Japanese fields, checked."""

    title: str
    who_to_ask: str
    examples: tuple[str, ...]


def _figures_agree(english: str, japanese: str, field: str, file: Path, pid: str, kind: str) -> None:
    mismatch = compare(english, japanese)
    if mismatch:
        raise CorpusError(
            file, f"field '{field}' disagrees with the English figures ({mismatch})", pid, kind=kind
        )


def _limit(value: str, field: str, low: int, high: int, file: Path, pid: str, kind: str) -> None:
    if not low <= len(value) <= high:
        raise CorpusError(
            file, f"field '{field}' has {len(value)} characters; allowed: {low}-{high}", pid, kind=kind
        )


def tidy(value: str) -> str:
    """Japanese folded onto one line, without the spaces YAML's folded blocks put where lines broke.

    A space is dropped where it stands between two characters outside ASCII;
    every other run of white space becomes one space.
    """
    parts = value.split()
    if not parts:
        return ""
    out = [parts[0]]
    for part in parts[1:]:
        if out[-1][-1].isascii() or part[0].isascii():
            out.append(" ")
        out.append(part)
    return "".join(out)


def require_ja(data: Mapping[str, Any], key: str, file: Path, pid: str, *, kind: str) -> str:
    """A required Japanese string; a missing one names the field so a curator can add it."""
    if data.get(key) is None:
        raise CorpusError(file, f"missing Japanese field '{key}' (every {kind} is bilingual)", pid, kind=kind)
    return tidy(require_str(data, key, file, pid, kind=kind))


def parse_passage_ja(
    raw: Mapping[str, Any], english_title: str, english_text: str, file: Path, pid: str
) -> PassageJa:
    """Read and check a passage's Japanese fields against its English ones.

    Raises:
        CorpusError: On a missing or over-long field, or figures that disagree.
    """
    title = require_ja(raw, "title_ja", file, pid, kind="passage")
    _limit(title, "title_ja", 2, MAX_TITLE_JA, file, pid, "passage")
    text = require_ja(raw, "text_ja", file, pid, kind="passage")
    _limit(text, "text_ja", MIN_TEXT_JA, MAX_TEXT_JA, file, pid, "passage")
    _figures_agree(english_text, text, "text_ja", file, pid, "passage")
    _figures_agree(english_title, title, "title_ja", file, pid, "passage")
    questions = tuple(tidy(q) for q in str_list(raw, "questions_ja", file, pid))
    if not questions:
        raise CorpusError(file, "field 'questions_ja' needs at least one question in Japanese", pid)
    return PassageJa(title, text, questions)


def parse_topic_ja(raw: Mapping[str, Any], english_who: str, file: Path, tid: str) -> TopicJa:
    """Read and check a not-covered topic's Japanese fields.

    Raises:
        CorpusError: On a missing or over-long field, too few examples, or
            figures in ``who_to_ask_ja`` that disagree with ``who_to_ask``.
    """
    title = require_ja(raw, "title_ja", file, tid, kind="topic")
    _limit(title, "title_ja", 2, MAX_TITLE_JA, file, tid, "topic")
    who = require_ja(raw, "who_to_ask_ja", file, tid, kind="topic")
    _limit(who, "who_to_ask_ja", 10, MAX_WHO_TO_ASK_JA, file, tid, "topic")
    _figures_agree(english_who, who, "who_to_ask_ja", file, tid, "topic")
    examples = example_list(
        raw, "examples_ja", file, tid, max_chars=MAX_EXAMPLE_JA, what="questions in Japanese", clean=tidy
    )
    return TopicJa(title, who, examples)


def parse_situations(raw: Mapping[str, Any], file: Path, pid: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A passage's optional ``situations`` and ``situations_ja``: both or neither, none too long.

    Raises:
        CorpusError: On one without the other, or a situation over its limit.
    """
    english = str_list(raw, "situations", file, pid)
    japanese = tuple(tidy(s) for s in str_list(raw, "situations_ja", file, pid))
    if bool(english) != bool(japanese):
        missing = "situations_ja" if english else "situations"
        raise CorpusError(
            file, f"field '{missing}' is missing (situations are written in both languages)", pid
        )
    for key, items, limit in (
        ("situations", english, MAX_SITUATION_CHARS),
        ("situations_ja", japanese, MAX_SITUATION_CHARS_JA),
    ):
        for item in items:
            if len(item) > limit:
                raise CorpusError(file, f"a '{key}' item is over {limit} characters: {item[:40]!r}...", pid)
    return english, japanese

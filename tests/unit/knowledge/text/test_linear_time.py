"""No message can make Senpai's text handling slow: every function that reads user text runs in linear time.

A pattern with nested quantifiers once took 9.5 s on a 75-character message
(the regex of language detection) and stopped every other user's answers.
These tests drive every function that reads user text with adversarial
messages up to the chat API's limit (2,000 characters): long runs of
capitals, separators and digits between them, mixed scripts, repeated
punctuation, full-width forms, and known pathological families.

- **Property** (hypothesis): each call finishes within a bound proportional to
  the message's length, :data:`BOUND_PER_2000_S` per 2,000 characters. The
  bound was measured, not guessed: on the 2-core test machine the slowest
  function (the speller, on 400 made-up words) took 29 ms and every other one
  under 10 ms for 2,000 characters; the old language regex did not finish.
- **Growth**: on each known family, a function's time for 2,000 characters is at
  most :data:`MAX_GROWTH` times its time for 500 (linear work grows about 4
  times; quadratic work 16 times).

A call that runs away is interrupted after :data:`HARD_STOP_S` (Python's
``re`` checks for signals), so a failure names the function and the input
instead of hanging the suite. The last test pins the rule that keeps it so:
no module that reads user text uses Python's backtracking ``re``.
"""

from __future__ import annotations

import ast
import signal
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.slack_blocks import escape
from actions.stated_role import stated_role
from bot.schemas import ValidationError, parse_chat
from knowledge import load_corpus
from knowledge.content.corpus import passage_views
from knowledge.content.curation import key
from knowledge.content.figures import compare
from knowledge.content.japanese import tidy
from knowledge.search.context import needs_previous, reading
from knowledge.search.lexical import query_terms
from knowledge.text.ja_tokens import ja_tokens
from knowledge.text.language import detect, has_japanese, normalise, requested_language
from knowledge.text.normalize import Speller
from knowledge.text.routing import Router
from knowledge.text.words import asks_question, content_words, words
from senpai.adversarial import MAX_CHARS, families, repeated
from settings import PROJECT_ROOT

#: Time allowed per 2,000 characters (measured worst: 29 ms, the speller; see the module's docstring).
BOUND_PER_2000_S = 0.05
#: Shorter messages are allowed the time of this many characters (fixed costs, timer resolution).
FLOOR_CHARS = 500
#: How much longer 2,000 characters may take than 500 (linear: about 4).
MAX_GROWTH = 8.0
#: A call still running after this long is interrupted and reported.
HARD_STOP_S = 2.0

TextFunction = Callable[[str], object]


class RanAway(Exception):
    """A call ran past :data:`HARD_STOP_S`."""


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise RanAway


def seconds(function: TextFunction, text: str, repeats: int = 3) -> float:
    """The best of ``repeats`` timings of ``function(text)``; ``inf`` if one runs past :data:`HARD_STOP_S`."""
    previous = signal.signal(signal.SIGALRM, _interrupt)
    best = float("inf")
    try:
        for _ in range(repeats):
            signal.setitimer(signal.ITIMER_REAL, HARD_STOP_S)
            started = time.perf_counter()
            try:
                function(text)
            except RanAway:
                return float("inf")
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            best = min(best, time.perf_counter() - started)
    finally:
        signal.signal(signal.SIGALRM, previous)
    return best


def _took(elapsed: float) -> str:
    if elapsed == float("inf"):
        return f"did not finish within {HARD_STOP_S:.0f} s (interrupted)"
    return f"took {elapsed:.3f} s"


def bound(length: int) -> float:
    """The time allowed for a message of ``length`` characters."""
    return BOUND_PER_2000_S * max(length, FLOOR_CHARS) / MAX_CHARS


def _chat(text: str) -> object:
    try:
        return parse_chat({"message": text})
    except ValidationError as exc:  # an empty or over-long message: a clear 400, just as quick
        return exc


class Functions(dict[str, TextFunction]):
    """The functions under test, by name (shown as a count in a failure, not as a dump)."""

    def __repr__(self) -> str:
        return f"<{len(self)} functions that read user text>"


@pytest.fixture(scope="module")
def functions() -> Functions:
    """Every function that reads a user's message (or a stored one), by name."""
    router = Router.from_nlu(PROJECT_ROOT / "data" / "nlu")
    corpus = load_corpus()
    speller = Speller([view for p in corpus.passages for view in passage_views(p, "en")])
    found = Functions(
        {
            "knowledge.text.language.detect": detect,
            "knowledge.text.language.normalise": normalise,
            "knowledge.text.language.has_japanese": has_japanese,
            "knowledge.text.language.requested_language": requested_language,
            "knowledge.text.words.words": words,
            "knowledge.text.words.content_words": content_words,
            "knowledge.text.routing.Router.route": router.route,
            "knowledge.text.routing.Router.smalltalk_intent": router.smalltalk_intent,
            "knowledge.search.context.reading": reading,
            "knowledge.search.context.needs_previous": needs_previous,
            "knowledge.text.normalize.Speller.fix": speller.fix,
            "knowledge.text.ja_tokens.ja_tokens": ja_tokens,
            "knowledge.search.lexical.query_terms(en)": lambda t: query_terms(t, "en"),
            "knowledge.search.lexical.query_terms(ja)": lambda t: query_terms(t, "ja"),
            "knowledge.content.curation.key": key,
            "knowledge.content.japanese.tidy": tidy,
            "knowledge.content.figures.compare": lambda t: compare(t, t),
            "actions.stated_role.stated_role": stated_role,
            "knowledge.text.words.asks_question": asks_question,
            "actions.slack_blocks.escape": escape,
            "bot.schemas.parse_chat": _chat,
        }
    )
    for function in found.values():  # load dictionaries and models before timing anything
        function("研修について SKILL DEVELOPMENT. I'm a JTE, what do ALTs want?")
    return found


#: Pieces adversarial messages are built from: capitals with and without a plural s, separators,
#: digits, punctuation, full-width and half-width forms, kana and kanji, the words the role and
#: language patterns look for, and white space of every kind.
FRAGMENTS = (
    *("SKILL", "DEVELOPMENT", "A", "AB", "ABCDE", "ABCDEs", "s", "(x)", "ALT", "JTE", "JTEs", "ＡＬＴ"),
    *(" ", "  ", "\u3000", "\xa0", "\n", "\t", "1", "2025", "１２", ",000", ".5", "-", "_", "'", "’"),
    *("!", "?", "？", "。", "、", "...", "!!!", "?!", "（", "）", "😀", "é", "ｱｲｳ", "ｰ"),
    *(
        "研修",
        "について",
        "です",
        "では",
        "は",
        "じゃ",
        "ない",
        "私は",
        "として",
        "日本語で",
        "英語",
        "億",
        "万",
    ),
    *("i", "im", "I'm", "I am", "as", "a", "an", "new", "one of the", "japanese", "teacher", "of"),
    *("english", "and", "but", "so", "what", "why", "million", "in english", "please", "whats", "dont"),
)
_ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs",))
units = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(_ALPHABET, min_size=1, max_size=3)), min_size=1, max_size=10
).map("".join)


messages = st.builds(
    repeated,
    st.sampled_from(("", "研修について", "I'm a JTE. ", "ＡＬＴ", "では")),
    units,
    st.sampled_from(("", " x", " end of message in english words", "?", "です", "a")),
    st.integers(min_value=1, max_value=MAX_CHARS),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=messages)
def test_every_function_on_user_text_finishes_within_a_linear_bound(functions: Functions, text: str) -> None:
    for name, function in functions.items():
        took = seconds(function, text, repeats=1)
        if took > bound(len(text)):
            took = seconds(function, text)  # the best of three, in case the machine was busy
        assert took <= bound(len(text)), (
            f"{name} {_took(took)} on {len(text)} characters (allowed {bound(len(text)):.3f} s): {text!r}"
        )


@pytest.mark.parametrize(("family", "make"), list(families()), ids=[f for f, _ in families()])
def test_known_pathological_families_grow_linearly(
    functions: Functions, family: str, make: Callable[[int], str]
) -> None:
    short, long = make(MAX_CHARS // 4), make(MAX_CHARS)
    for name, function in functions.items():
        big = seconds(function, long)
        assert big <= bound(MAX_CHARS), f"{name} {_took(big)} on the {family!r} family: {long!r}"
        if big > 0.002:  # below that, timer noise decides the ratio
            small = seconds(function, short)
            assert big <= MAX_GROWTH * max(small, 1e-4), (
                f"{name} took {big / small:.1f} times as long on 4 times the text ({family!r}): {long!r}"
            )


#: Modules that may use Python's ``re``: none reads what a user wrote, but the word-pattern checker.
RE_ALLOWED = {
    "knowledge/text/patterns.py": "compile_tokens checks a word pattern can't backtrack, then compiles it",
    "knowledge/text/routing.py": "reads Rasa's NLU training files",
    "knowledge/encoders/onnx.py": "makes a directory name from the model's name",
    "knowledge/encoders/embed_cache.py": "makes a file name from the model's name",
    "knowledge/evaluation/facts.py": "compiles the answer patterns of the fact evaluation set",
}


def test_no_module_that_reads_user_text_uses_pythons_backtracking_re() -> None:
    offenders = []
    for package in ("actions", "bot", "connectors", "knowledge", "settings"):
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            relative = path.relative_to(PROJECT_ROOT).as_posix()
            tree = ast.parse(path.read_text(encoding="utf-8"))
            imported = {
                alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
            } | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
            if ({"re", "regex"} & imported) and relative not in RE_ALLOWED:
                offenders.append(relative)
    assert not offenders, (
        f"{offenders} import Python's re (or regex): compile patterns over user text with "
        "knowledge.text.patterns.compile_re2 (linear time), or add the module to RE_ALLOWED with why "
        "no user text reaches it"
    )


def test_the_rule_sees_the_whole_tree() -> None:
    assert all((PROJECT_ROOT / path).is_file() for path in RE_ALLOWED), (
        "RE_ALLOWED names a module that is gone"
    )
    assert Path(__file__).is_relative_to(PROJECT_ROOT)

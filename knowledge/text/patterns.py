r"""Regular expressions over what users write, on a linear-time engine (RE2).

Python's ``re`` backtracks: a pattern with nested or overlapping quantifiers
can take exponential time on a crafted message. One such pattern in language
detection took 9.5 s on a 75-character message and stopped every other
user's answers (SECURITY.md, "Denial of service by input"). Every pattern that
reads user text (chat messages, Slack messages, stored conversations, the
organisers' questions) is compiled here with google-re2: RE2 matches with
automata, in time linear in the text whatever the pattern, so no message can
make a search slow. ``tests/unit/knowledge/text/test_linear_time.py`` drives every function
that reads user text with adversarial messages, and checks that no module
which reads user text imports Python's ``re``.

RE2 differs from ``re`` in ways to keep in mind when writing a pattern:

- no lookarounds and no backreferences (write the pattern without them);
- ``\w``, ``\d``, ``\s`` and ``\b`` are ASCII-only: use ``\pL`` (letters),
  ``\pN`` (digits and numerals) and :data:`SPACE` for Unicode text;
- flags go inline: ``(?i)`` for case-insensitive;
- ``sub`` with a replacement string garbles text outside ASCII (the binding
  expands the template as bytes): replace with a function instead.

Word patterns are the one exception, for speed: RE2's Python binding does
per-match work in Python (about 20 µs a match), which made splitting a
question into words a tenth of a search's time. :func:`compile_tokens` takes
only patterns of two shapes, checked when they are compiled, and compiles
them with Python's ``re``: one character class repeated (``[A-Za-z]+``), or
that followed by an optional literal and another repeated class
(``[a-z0-9]+(?:'[a-z]+)?``). Used to find, split or replace words (never
anchored at both ends), such a pattern matches at each position with one
greedy run and never backtracks into it: linear time, like RE2.

Python's ``re`` stays otherwise only for text the project writes itself (the
corpus, NLU data, model and file names), where no user can choose the input.
"""

from __future__ import annotations

import re
import re._parser as sre  # type: ignore[import-not-found]  # the parser re itself uses; no stubs
from typing import TYPE_CHECKING, Any, TypeAlias

import re2

if TYPE_CHECKING:
    from re2 import _Match, _Regexp

#: A compiled RE2 pattern over ``str``, and one of its matches (generic only to the type checker).
Pattern: TypeAlias = "_Regexp[str]"
Match: TypeAlias = "_Match[str]"
#: A match of a word pattern (:func:`compile_tokens`).
TokenMatch: TypeAlias = "re.Match[str]"

__all__ = ["SPACE", "Match", "Pattern", "TokenMatch", "compile_re2", "compile_tokens", "scrub"]

#: Unicode white space, which RE2's ``\s`` (ASCII only) misses: the ideographic space, NBSP...
SPACE = r"[\s\p{Z}]"


def compile_re2(pattern: str, *, ignore_case: bool = False) -> Pattern:
    """Compile ``pattern`` for RE2 (linear time), failing at import of the caller if RE2 can't run it.

    Args:
        pattern: An RE2 pattern (no lookarounds or backreferences).
        ignore_case: Match letters in either case.

    Raises:
        re2.error: If the pattern uses syntax RE2 does not have.
    """
    return re2.compile(f"(?i){pattern}" if ignore_case else pattern)


def _repeated_class(item: tuple[Any, Any]) -> bool:
    """Whether a parsed item is one character class (or character) repeated at least once."""
    op, value = item
    if op is not sre.MAX_REPEAT:
        return False
    low, _, body = value
    return low >= 1 and len(body) == 1 and body[0][0] in (sre.IN, sre.LITERAL)


def compile_tokens(pattern: str) -> re.Pattern[str]:
    """Compile a word pattern with Python's ``re``, after checking it has a shape that can't backtrack.

    The shapes: ``C+`` (or ``C{m,n}``), one character class repeated; or
    ``C+(?:xD+)?``, that followed by an optional literal ``x`` and another
    repeated class ``D``. Use the result to find, split or replace words.

    Raises:
        ValueError: For any other pattern (compile it with :func:`compile_re2`).
    """
    items = list(sre.parse(pattern))
    simple = len(items) == 1 and _repeated_class(items[0])
    if len(items) == 2 and _repeated_class(items[0]):
        op, (low, high, body) = items[1]
        simple = (
            op is sre.MAX_REPEAT
            and (low, high) == (0, 1)
            and len(body) == 2
            and body[0][0] is sre.LITERAL
            and _repeated_class(body[1])
        )
    if not simple:
        raise ValueError(f"{pattern!r} is not a word pattern (C+ or C+(?:xD+)?): compile it with compile_re2")
    return re.compile(pattern)


def scrub(text: str) -> str:
    r"""``text`` as RE2 (and UTF-8) can read it: a lone surrogate becomes ``?``.

    JSON's ``\ud800`` escapes can carry half of a surrogate pair into a Python
    string, which no UTF-8 encoder accepts. The gateway refuses such a message
    (400); text that reaches the actions or the insights another way (Slack,
    a stored conversation) is scrubbed with this, so it can't crash a turn
    or a page. Linear time; a string that is valid already is returned as it is.
    """
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text

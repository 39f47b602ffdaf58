"""The figures a text states, so that a passage's Japanese can be checked against its English.

Both texts are NFKC-normalised first (full-width digits and ``％`` become ASCII),
then every number written in digits is read with its scale: ``million`` and
``billion`` in English, ``万`` and ``億`` (alone or together, as in ``2億7000万``)
in Japanese. So "4.02 million yen" and "402万円" are the same figure, 4,020,000.

English number words ("eleven", "third") and month names are not figures the Japanese must
repeat, but the Japanese may write them in digits: "eleven ALTs" can be "11名".
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from knowledge.text.patterns import SPACE, compile_re2, compile_tokens

_NUMBER = r"\p{Nd}+(?:,\p{Nd}{3})*(?:\.\p{Nd}+)?"
_EN = compile_re2(rf"({_NUMBER})(?:{SPACE}*(million|billion|thousand)\b)?", ignore_case=True)
_JA = compile_re2(rf"({_NUMBER})(?:{SPACE}*(億)(?:{SPACE}*({_NUMBER}){SPACE}*(万))?|{SPACE}*(万|千))?")
_SCALE = {
    "thousand": Decimal(1000),
    "million": Decimal(10) ** 6,
    "billion": Decimal(10) ** 9,
    "千": Decimal(1000),
    "万": Decimal(10) ** 4,
    "億": Decimal(10) ** 8,
}
_WORDS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]
_ORDINALS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
]
_TENS = {"thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_TENS |= {"twenties": 20, "thirties": 30, "forties": 40, "fifties": 50}
#: A date's month, which Japanese writes in digits (5月).
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_WORD = compile_tokens(r"[a-z]+")


def _value(number: str, scale: str | None = None) -> Decimal:
    try:
        value = Decimal(number.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only admits digits
        return Decimal(0)
    return (value * _SCALE[scale] if scale else value).normalize()


def english_figures(text: str) -> set[Decimal]:
    """The numbers an English text writes in digits, with their scale applied."""
    text = unicodedata.normalize("NFKC", text)
    return {_value(m.group(1), m.group(2) and m.group(2).lower()) for m in _EN.finditer(text)}


def english_number_words(text: str) -> set[Decimal]:
    """The numbers an English text writes as words ("eleven", "third", "forties", "May")."""
    found: set[Decimal] = set()
    for word in _WORD.findall(text.lower()):
        if word in _WORDS:
            found.add(Decimal(_WORDS.index(word)))
        elif word in _ORDINALS:
            found.add(Decimal(_ORDINALS.index(word) + 1))
        elif word in _TENS:
            found.add(Decimal(_TENS[word]))
        elif word in _MONTHS:
            found.add(Decimal(_MONTHS.index(word) + 1))
    return found


def japanese_figures(text: str) -> set[Decimal]:
    """The numbers a Japanese text writes in digits, with 万, 億 and 千 applied."""
    text = unicodedata.normalize("NFKC", text)
    found: set[Decimal] = set()
    for m in _JA.finditer(text):
        if m.group(2):  # 億, perhaps followed by a 万 part
            value = _value(m.group(1), "億")
            if m.group(3):
                value += _value(m.group(3), "万")
            found.add(value.normalize())
        else:
            found.add(_value(m.group(1), m.group(5)))
    return found


@dataclass(frozen=True)
class FigureMismatch:
    """How a Japanese text's figures disagree with its English text's."""

    missing: tuple[str, ...]
    """Figures the English writes in digits that the Japanese lacks."""
    extra: tuple[str, ...]
    """Figures in the Japanese that the English states nowhere, in digits or words."""

    def __bool__(self) -> bool:
        return bool(self.missing or self.extra)

    def __str__(self) -> str:
        parts = []
        if self.missing:
            parts.append("missing in Japanese: " + ", ".join(self.missing))
        if self.extra:
            parts.append("not in the English: " + ", ".join(self.extra))
        return "; ".join(parts)


def compare(english: str, japanese: str) -> FigureMismatch:
    """Compare two renderings' figures; the result is falsy when they agree."""
    en = english_figures(english)
    ja = japanese_figures(japanese)
    allowed = en | english_number_words(english)
    return FigureMismatch(
        missing=tuple(_show(v) for v in sorted(en - ja)),
        extra=tuple(_show(v) for v in sorted(ja - allowed)),
    )


def _show(value: Decimal) -> str:
    return f"{value:f}"

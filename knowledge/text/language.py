"""Which language a message is in (English or Japanese), and text normalised across widths.

Detection uses lingua, restricted to English and Japanese; it was right on
every message of ``eval/language.yaml`` where a script rule missed a mixed one
(docs/retrieval.md, "Japanese"). A message with nothing to tell by (an
acronym such as "TT", a number, an emoji) keeps the conversation's language.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from knowledge.text.patterns import SPACE, compile_re2, compile_tokens

if TYPE_CHECKING:
    from lingua import LanguageDetector

    from knowledge.text.patterns import Pattern

Lang = Literal["en", "ja"]
LANGUAGES: tuple[Lang, ...] = ("en", "ja")

#: Kana and kanji (with the compatibility ideographs).
_JA_CHARS = r"\x{3040}-\x{30ff}\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}"
_JAPANESE = compile_re2(rf"[{_JA_CHARS}\x{{f900}}-\x{{faff}}]")
_KANA = compile_re2(r"[\x{3040}-\x{30ff}]")
_HIRAGANA = compile_re2(r"[\x{3040}-\x{309f}]")
#: A sentence that ends in Japanese, after punctuation, digits and acronyms ("…の？AI？").
#: What may follow the last Japanese character: anything but a letter (Python's ``[\s\W\d]``:
#: no letter, numeral or underscore, but decimal digits), and runs of capitals with an
#: optional plural "s". The earlier pattern, ``(?:[A-Z]{1,5}s?[\s\W\d]*)*$`` on Python's
#: ``re``, could split a run of capitals in exponentially many ways before failing (75
#: characters took 9.5 s); RE2 runs this one in linear time.
_ENDS_JAPANESE = compile_re2(rf"[{_JA_CHARS}](?:[^\pL\pN_]|\p{{Nd}}|[A-Z]+s?)*$")
#: Words that say nothing about the language: acronyms of the domain, or letters only.
_NEUTRAL = compile_re2(r"(?:[A-Z]{1,5}s?\p{Nd}*|\p{Nd}+|[^A-Za-z]*)")
_ENGLISH_WORD = compile_re2(r"[A-Za-z]{3,}")


#: Full-width letters and digits, half-width katakana, and the ideographic space: the
#: characters typed in another width than the corpus writes them. Japanese punctuation
#: (？、（）) stays as typed, as the corpus's Japanese writes it.
_WIDTHS = compile_tokens("[\uff10-\uff19\uff21-\uff3a\uff41-\uff5a\uff65-\uff9f\u3000]+")


def normalise(text: str) -> str:
    """Full-width letters and digits (ＡＬＴ, ２０２５) become ASCII, half-width kana full-width (NFKC)."""
    if text.isascii():
        return text
    return _WIDTHS.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)


def has_japanese(text: str) -> bool:
    """Whether the text has any kana or kanji."""
    return bool(_JAPANESE.search(text))


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.JAPANESE).build()


def detect(text: str, default: Lang = "en") -> Lang:
    """The language of a message: ``ja`` or ``en``.

    Args:
        text: The message.
        default: What a message with nothing to tell by is taken to be
            (the conversation's language so far).
    """
    text = normalise(text).strip()
    if not has_japanese(text):
        words = text.split()
        if not words or all(_NEUTRAL.fullmatch(w.strip("?!.,:;()'\"")) for w in words):
            return default
        return "en"
    if _KANA.search(text) and not _ENGLISH_WORD.search(text):
        return "ja"  # kana and no English words: no need to ask the model
    if _HIRAGANA.search(text) and _ENDS_JAPANESE.search(text):
        return "ja"  # Japanese grammar around English words: 「Foreignerとは」「予算って？AI？」
    from lingua import Language

    found = _detector().detect_language_of(text)
    return "ja" if found == Language.JAPANESE else "en"


#: Asking for a language: "英語で", "in Japanese please", "日本語でお願いします", "can you answer in English".
_VERB = rf"(?:answer|reply|respond|speak|talk|write)(?:{SPACE}+to{SPACE}+me)?"
_POLITE = r"(?:お願い(?:します|いたします)?|話して(?:ください)?|答えて(?:ください)?|)"


def _asking_for(english: str, japanese: str) -> Pattern:
    """A message that only asks for one language, in English or in Japanese (matched whole)."""
    s = SPACE
    return compile_re2(
        rf"(?:(?:please{s}+)?{_VERB}{s}+in{s}+{english}|(?:can|could){s}+you{s}+{_VERB}{s}+in{s}+{english}|"
        rf"in{s}+{english}|{english})(?:{s}+please)?[{s[1:-1]}.!?]*|(?:{japanese})で?{_POLITE}(?:ください)?[。！!？?]*",
        ignore_case=True,
    )


_ASK_JA = _asking_for("japanese", "日本語|にほんご")
_ASK_EN = _asking_for("english", "英語|えいご")


def requested_language(text: str) -> Lang | None:
    """The language a message asks Senpai to use ("英語で", "in Japanese please"), if that is all it says."""
    text = normalise(text).strip()
    if _ASK_JA.fullmatch(text):
        return "ja"
    if _ASK_EN.fullmatch(text):
        return "en"
    return None

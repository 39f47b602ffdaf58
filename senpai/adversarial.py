"""Messages shaped to make text handling slow: for the linear-time tests and ``senpai bench``.

Each family is a pathological shape that a regular expression, a tokeniser
or an encoder could take super-linear time on, made at any length. The first
is issue 34's: Japanese, then runs of capitals, then English words, which the
old language-detection pattern took 9.5 s on at 75 characters.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

#: The chat API's longest message.
MAX_CHARS = 2000
#: Issue 34's message: 75 characters that stopped everyone's answers for about 20 s.
SEVENTY_FIVE = ("研修について" + " SKILL" * 4 + " DEVELOPMENT(x)end of message in english words")[:75]
_END = "(x)end of message in english words"
#: The same shape at the chat API's limit.
SHAPE_2000 = ("研修について" + " SKILL DEVELOPMENT" * 200)[: MAX_CHARS - len(_END)] + _END


def repeated(prefix: str, unit: str, suffix: str, length: int) -> str:
    """``prefix``, then ``unit`` over and over, then ``suffix``: ``length`` characters in all."""
    body = (prefix + unit * (length // max(len(unit), 1) + 1))[: max(length - len(suffix), 0)]
    return (body + suffix)[:length]


def families() -> Iterator[tuple[str, Callable[[int], str]]]:
    """Known pathological shapes, each as a maker of a message of any length."""

    def fill(unit: str, prefix: str = "", suffix: str = "") -> Callable[[int], str]:
        return lambda n: repeated(prefix, unit, suffix, n)

    yield "issue-34", fill(" SKILL DEVELOPMENT", "研修について", _END)
    yield "capitals", fill("ABCDE", "研修")
    yield "capitals-plural", fill("ABCDEs ", "研修", " x")
    yield "capitals-digits", fill("AB1!", "研修", "x")
    yield "acronyms", fill("A ", "研修", "x")
    yield "bangs", fill("!", "", "a")
    yield "question-marks", fill("?？")
    yield "full-width", fill("ＡＢＣＤＥ２")
    yield "ideographic-spaces", fill("\u3000", "", "x")
    yield "spaces", fill(" ", "i", "x")
    yield "i-m", fill(" ", "I'm", " a JTE")
    yield "dewa", fill(" ", "では", "?x")
    yield "modifiers", fill("new ", "I'm a ", "x")
    yield "one-of-the", fill("one of the ")
    yield "japanese-teacher", fill("japanese teacher of ")
    yield "made-up-words", lambda n: " ".join(f"q{i:04d}zx" for i in range(n // 8 + 1))[:n]
    yield "kanji", fill("研")
    yield (
        "japanese",
        fill("研修について知りたいです。ALTとの授業がいつもぎこちないのですが、どうしたらいいでしょうか。"),
    )
    yield "negation", fill("私はJTEではないです")
    yield "figures", fill("1,000,000.5 million 2億7000万 ")
    yield "clauses", fill(", and ")
    yield "apostrophes", fill("a'")


def slow_input() -> list[tuple[str, str]]:
    """Every message that used to hurt, at full length: issue 34's two, then each family."""
    found = [("the 75-character message", SEVENTY_FIVE), ("its shape at 2,000 characters", SHAPE_2000)]
    return found + [(f"the {name!r} family", make(MAX_CHARS)) for name, make in families()]


def ten_long(tag: str = "") -> list[str]:
    """Ten different long messages to send at once (five of issue 34's shape, five in Japanese)."""
    japanese = ("研修について知りたいです。ALTとの授業はどうしたらいいでしょうか。" * 60)[:1990]
    return [f"{tag}{n}: {SHAPE_2000[: MAX_CHARS - 8 - len(tag)]}" for n in range(5)] + [
        f"{tag}{n}: {japanese}" for n in range(5)
    ]

"""``senpai check-verbatim``: nothing copied from the studies or from the posts we paraphrase.

Every passage, question and evaluation item is written in our own words. This
finds any run of :data:`RUN` consecutive words that a file shares with a paper
(words compared lower-cased, punctuation ignored), so a copied sentence can't
slip in. The papers themselves are not part of the repository; the check
reads them from ``--papers`` (default ``../shared/seeds``).

The real-style evaluation sets paraphrase posts found on the web. With
``--sources DIR`` (the pages' text, saved as ``.txt`` outside the repository)
the check holds them to a stricter rule: no run of :data:`SOURCE_RUN` words
of English, or :data:`SOURCE_CHARS` characters of Japanese, in common with any
page. Japanese is compared character by character (after NFKC, without
punctuation or spaces), since it has no spaces between words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

#: How many consecutive shared words count as copying from a paper.
RUN = 9
#: How many consecutive words, or Japanese characters, count as copying from a web page.
SOURCE_RUN = 6
SOURCE_CHARS = 12
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_WORD_OR_JAPANESE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[^\W\x00-\x7f]+")
#: Stands between two English words that Japanese separates: no run spans it.
BREAK = "\u2029"


def words(text: str) -> list[str]:
    """The words of a text, lower-cased, without punctuation."""
    return _WORD.findall(text.lower())


def english(text: str) -> list[str]:
    """The words of a text, as :func:`words`, with :data:`BREAK` where Japanese stands between them.

    So the Latin words scattered through a Japanese message (``ALT``, ``JET``) are
    never read as a run of English.
    """
    return [t if t.isascii() else BREAK for t in _WORD_OR_JAPANESE.findall(text.lower())]


def japanese(text: str) -> list[str]:
    """The Japanese characters of a text (after NFKC), one token each, without punctuation or spaces.

    Runs of Latin letters or digits (``ALT``, ``2019``) count as one token each, so a
    Japanese run is measured in what a reader sees as characters and words.
    """
    out: list[str] = []
    latin = ""
    for ch in unicodedata.normalize("NFKC", text).lower():
        if ch.isascii() and ch.isalnum():
            latin += ch
            continue
        if latin:
            out.append(latin)
            latin = ""
        if ch.isalnum() or unicodedata.category(ch) == "Lm":  # kana, kanji, ー
            out.append(ch)
    if latin:
        out.append(latin)
    return out


@dataclass(frozen=True)
class Shared:
    """One run of words a file shares with the papers."""

    file: str
    words: str


class Papers:
    """Every run of :data:`RUN` words in a set of papers."""

    def __init__(
        self, texts: Iterable[str], run: int = RUN, split: Callable[[str], list[str]] = words
    ) -> None:
        self.run = run
        self.split = split
        self._grams: set[tuple[str, ...]] = set()
        for text in texts:
            w = split(text)
            self._grams.update(
                g for i in range(len(w) - run + 1) if BREAK not in (g := tuple(w[i : i + run]))
            )

    def shared(self, name: str, text: str) -> list[Shared]:
        """The longest runs of ``run`` or more tokens that ``text`` shares with the papers."""
        w = self.split(text)
        spans: list[list[int]] = []
        for i in range(len(w) - self.run + 1):
            if tuple(w[i : i + self.run]) in self._grams:
                if spans and i <= spans[-1][1]:
                    spans[-1][1] = i + self.run
                else:
                    spans.append([i, i + self.run])
        glue = "" if self.split is japanese else " "
        return [Shared(name, glue.join(w[a:b])) for a, b in spans]


def sources(texts: Iterable[str]) -> list[Papers]:
    """The web pages a real-style set paraphrases, as two checks: English words and Japanese characters."""
    pages = list(texts)
    return [Papers(pages, SOURCE_RUN, english), Papers(pages, SOURCE_CHARS, japanese)]


def check(
    papers: Papers | Iterable[Papers], files: Iterable[Path], root: Path, comments: bool = True
) -> list[Shared]:
    """Every run the files share with the papers (or with each of several checks).

    Args:
        papers: The papers, or several checks (as :func:`sources` makes).
        files: The files to read.
        root: Names are given relative to it where they can be.
        comments: Whether YAML comment lines count. A real-style set's comments are
            the addresses of the pages it paraphrases, whose words the page may repeat.
    """
    checks = [papers] if isinstance(papers, Papers) else list(papers)
    found = []
    for path in files:
        full = path.resolve()
        name = str(full.relative_to(root)) if full.is_relative_to(root) else str(path)
        text = full.read_text(encoding="utf-8", errors="replace")
        if not comments:
            text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
        for each in checks:
            found += each.shared(name, text)
    return found


def our_words(root: Path) -> list[Path]:
    """The files that must be in our own words: the corpus (not the bibliography), NLU data and eval sets."""
    corpus = [p for p in sorted((root / "knowledge" / "corpus").glob("*.yaml")) if p.name != "sources.yaml"]
    return [
        *corpus,
        *sorted((root / "knowledge" / "scope").glob("*.yaml")),
        *sorted((root / "eval").glob("*.yaml")),
        *sorted((root / "data").rglob("*.yml")),
    ]


def real_sets(root: Path) -> list[Path]:
    """The real-style evaluation sets: messages paraphrased from posts on the web."""
    return sorted((root / "eval").glob("real-*.yaml"))

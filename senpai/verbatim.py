"""``senpai check-verbatim``: no run of nine words or more copied from the studies.

Every passage, question and evaluation item is written in our own words. This
finds any run of :data:`RUN` consecutive words that a file shares with a paper
(words compared lower-cased, punctuation ignored), so a copied sentence can't
slip in. The papers themselves are not part of the repository; the check
reads them from ``--papers`` (default ``../shared/seeds``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

#: How many consecutive shared words count as copying.
RUN = 9
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    """The words of a text, lower-cased, without punctuation."""
    return _WORD.findall(text.lower())


@dataclass(frozen=True)
class Shared:
    """One run of words a file shares with the papers."""

    file: str
    words: str


class Papers:
    """Every run of :data:`RUN` words in a set of papers."""

    def __init__(self, texts: Iterable[str], run: int = RUN) -> None:
        self.run = run
        self._grams: set[tuple[str, ...]] = set()
        for text in texts:
            w = words(text)
            self._grams.update(tuple(w[i : i + run]) for i in range(len(w) - run + 1))

    def shared(self, name: str, text: str) -> list[Shared]:
        """The longest runs of ``run`` or more words that ``text`` shares with the papers."""
        w = words(text)
        spans: list[list[int]] = []
        for i in range(len(w) - self.run + 1):
            if tuple(w[i : i + self.run]) in self._grams:
                if spans and i <= spans[-1][1]:
                    spans[-1][1] = i + self.run
                else:
                    spans.append([i, i + self.run])
        return [Shared(name, " ".join(w[a:b])) for a, b in spans]


def check(papers: Papers, files: Iterable[Path], root: Path) -> list[Shared]:
    """Every run the files share with the papers."""
    found = []
    for path in files:
        full = path.resolve()
        name = str(full.relative_to(root)) if full.is_relative_to(root) else str(path)
        found += papers.shared(name, full.read_text(encoding="utf-8", errors="replace"))
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

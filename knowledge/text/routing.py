"""What a message is: small talk, "where is that from?", "tell me more", or a question.

Rasa's NLU files messages under intents; a message it files under small talk
or a follow-up intent is only taken for one when every content word it has is
one those intents' own training examples use (``data/nlu``). "Is that one
common?" shares "that" with "where is that from?", but "common" makes it a
question. The bot's actions and ``senpai eval --conversations`` both call
:meth:`Router.route`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from knowledge.text.words import (
    FILLER,
    PEOPLE,
    QUESTION_WORDS,
    QUESTION_WORDS_JA,
    REFERRING,
    asks_question,
    content_of,
    content_words,
    words,
)

Route = Literal["smalltalk", "source", "more", "question"]

#: The intents whose messages have no knowledge content of their own.
SMALLTALK_INTENTS = ("greet", "goodbye", "thanks", "bot_challenge")
SOURCE_INTENT = "ask_source"
MORE_INTENT = "tell_me_more"


@dataclass(frozen=True)
class Vocabulary:
    """What one kind of message is made of, learned from that intent's NLU examples.

    Attributes:
        examples: The examples, normalised (words joined by spaces).
        content: Every content word the examples use.
    """

    examples: frozenset[str]
    content: frozenset[str]

    @classmethod
    def of(cls, examples: Iterable[str]) -> Vocabulary:
        """Learn a vocabulary from example messages."""
        listed = list(examples)
        return cls(
            frozenset(" ".join(words(e)) for e in listed),
            frozenset(w for e in listed for w in content_words(e)),
        )

    def covers(self, text: str) -> bool:
        """Whether a message is one of the examples, or uses no content word they don't but fillers."""
        said = words(text)
        return self.covers_words(" ".join(said), set(content_of(said)))

    def covers_words(self, joined: str, stems: set[str]) -> bool:
        """:meth:`covers` for a message's words joined by spaces, and its content words."""
        return joined in self.examples or stems <= self.content | FILLER


def nlu_examples(paths: Iterable[Path]) -> dict[str, list[str]]:
    """Every intent's examples in Rasa NLU training files (``data/nlu/*.yml``)."""
    found: dict[str, list[str]] = {}
    for path in paths:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if isinstance(block, dict) and "intent" in block:
                lines = str(block.get("examples") or "").splitlines()
                examples = [
                    re.sub(r"\[([^\]]*)\]\{[^}]*\}", r"\1", ln.strip()[2:]) for ln in lines if ln.strip()
                ]
                found.setdefault(str(block["intent"]), []).extend(examples)
    return found


@dataclass(frozen=True)
class Router:
    """Says what a message is, from the NLU examples of the intents that are not questions."""

    smalltalk: Vocabulary
    source: Vocabulary
    more: Vocabulary
    by_intent: Mapping[str, Vocabulary]

    @classmethod
    def from_examples(cls, examples: Mapping[str, Sequence[str]]) -> Router:
        """Build from intent examples (see :func:`nlu_examples`)."""
        return cls(
            Vocabulary.of(e for i in SMALLTALK_INTENTS for e in examples.get(i, ())),
            Vocabulary.of(examples.get(SOURCE_INTENT, ())),
            Vocabulary.of(examples.get(MORE_INTENT, ())),
            {i: Vocabulary.of(examples.get(i, ())) for i in SMALLTALK_INTENTS},
        )

    def smalltalk_intent(self, text: str) -> str:
        """Which kind of small talk a message is (for a message NLU filed elsewhere): the best-covered."""
        listed = words(text)
        said = set(content_of(listed)) | {" ".join(listed)}
        return max(
            SMALLTALK_INTENTS,
            key=lambda i: len(said & (self.by_intent[i].content | self.by_intent[i].examples)),
        )

    @classmethod
    def from_nlu(cls, nlu_dir: Path) -> Router:
        """Build from a Rasa project's ``data/nlu`` folder."""
        return cls.from_examples(nlu_examples(sorted(nlu_dir.glob("*.yml"))))

    def route(self, text: str, hint: Route | None = None, *, after_answer: bool = False) -> Route:
        """What a message is.

        A message is small talk, a source request or "tell me more" only when
        that kind's vocabulary covers it: it is one of the examples, or every
        content word it has is one the examples use and it has that kind's
        own words ("source", "more", "thanks"...). Anything else is a question.

        Args:
            text: The message.
            hint: What Rasa's NLU took it for, which only chooses between kinds
                that both fit (``None`` offline).
            after_answer: Whether Senpai has just answered something: then a
                message shaped as a question ("is that a lot?") is a question,
                never small talk ("thanks a lot"), unless it is one of small
                talk's own examples ("are you a bot?").
        """
        listed = words(text)  # split once: every check below reads these
        joined, said, stems = " ".join(listed), set(listed), set(content_of(listed))
        where_from = "where" in said and "from" in said and bool(said & REFERRING)
        fits: list[Route] = []
        cited = stems & self.source.content or where_from or joined in self.source.examples
        if self.source.covers_words(joined, stems) and not said & PEOPLE and cited:
            fits.append("source")
        if self.more.covers_words(joined, stems) and (
            stems & self.more.content or joined in self.more.examples
        ):
            fits.append("more")
        # "how many of them?"; Japanese asks anywhere in the sentence ("ALTは何人？")
        asks = bool(said) and (listed[0] in QUESTION_WORDS or bool(said & QUESTION_WORDS_JA))
        small, example = self.smalltalk, joined in self.smalltalk.examples
        chat = small.covers_words(joined, stems) and (example or (stems and not asks))
        if chat and (example or not (after_answer and asks_question(text))):
            fits.append("smalltalk")
        if not fits:
            return "question"
        if hint in fits:
            return hint
        cues = {"source": self.source.content, "more": self.more.content, "smalltalk": self.smalltalk.content}
        return max(fits, key=lambda kind: len(stems & cues[kind]))  # "say a bit more" is more, not source

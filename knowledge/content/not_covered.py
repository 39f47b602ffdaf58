"""The kinds of question the studies do *not* answer: ``knowledge/scope/not_covered.yaml``.

Each topic has example phrasings and who to ask instead. The index embeds the
examples as negative views, so a question closer to them than to any passage
gets an honest "I don't know, ask ..." (see :func:`knowledge.search.decide.decide`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from knowledge.content.japanese import TOPIC_FIELDS, parse_topic_ja
from knowledge.content.schema import (
    ID_RE,
    MAX_EXAMPLE_CHARS,
    MAX_TITLE_CHARS,
    MAX_WHO_TO_ASK_CHARS,
    CorpusError,
    example_list,
    load_yaml,
    require_str,
    str_list,
)
from knowledge.text.patterns import compile_tokens

DEFAULT_NOT_COVERED_FILE = Path(__file__).parent.parent / "scope" / "not_covered.yaml"


@dataclass(frozen=True)
class NotCoveredTopic:
    """A kind of question the studies don't answer, and who to ask instead.

    Attributes:
        id: Unique id (lowercase words joined by hyphens).
        title: What the studies don't cover, as it reads in "they don't cover <title>".
        who_to_ask: One or two sentences shown to the user, naming who can help.
        examples: Example questions; each is embedded as a negative view.
        unless_words: Words that show a message is about the studies' subjects (lower
            case, as :func:`knowledge.search.lexical.query_terms` splits them): a message
            using one is never this topic's, whatever its examples' similarity. Small talk
            about Senpai names no ALT, so "is feeling useless part of being an ALT" is a
            question, not small talk (docs/retrieval.md, item 19).
    """

    id: str
    title: str
    who_to_ask: str
    examples: tuple[str, ...]
    title_ja: str = ""
    who_to_ask_ja: str = ""
    examples_ja: tuple[str, ...] = ()
    unless_words: tuple[str, ...] = ()

    def title_in(self, lang: str) -> str:
        """What the studies don't cover, in ``en`` or ``ja``."""
        return self.title_ja if lang == "ja" and self.title_ja else self.title

    def who_to_ask_in(self, lang: str) -> str:
        """Who to ask instead, in ``en`` or ``ja``."""
        return self.who_to_ask_ja if lang == "ja" and self.who_to_ask_ja else self.who_to_ask

    def examples_in(self, lang: str) -> tuple[str, ...]:
        """The example questions embedded as negative views for ``en`` or ``ja``."""
        return self.examples_ja if lang == "ja" else self.examples

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict of the topic."""
        data = asdict(self)
        data["examples"] = list(self.examples)
        data["examples_ja"] = list(self.examples_ja)
        data["unless_words"] = list(self.unless_words)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NotCoveredTopic:
        """Rebuild a topic from :meth:`to_dict` output."""
        return cls(
            id=data["id"],
            title=data["title"],
            who_to_ask=data["who_to_ask"],
            examples=tuple(data["examples"]),
            title_ja=data.get("title_ja", ""),
            who_to_ask_ja=data.get("who_to_ask_ja", ""),
            examples_ja=tuple(data.get("examples_ja", ())),
            unless_words=tuple(data.get("unless_words", ())),
        )


_FOLD_WORD = compile_tokens(r"[a-z0-9]+")


def by_unless_word(topics: Sequence[NotCoveredTopic]) -> dict[str, tuple[int, ...]]:
    """Each ``unless_words`` entry, and the positions of the topics a message using it is never one of.

    Args:
        topics: The not-covered topics, in the index's order.
    """
    named: dict[str, list[int]] = {}
    for n, topic in enumerate(topics):
        for word in topic.unless_words:
            named.setdefault(word, []).append(n)
    return {word: tuple(rows) for word, rows in named.items()}


def fold(text: str) -> str:
    """A question folded for comparison: lower case, words and digits only."""
    return " ".join(_FOLD_WORD.findall(text.lower()))


def load_not_covered(path: Path = DEFAULT_NOT_COVERED_FILE) -> tuple[NotCoveredTopic, ...]:
    """Load and validate the file of topics the studies don't cover.

    The file is a mapping with a ``topics`` list; each topic has ``id``,
    ``title``, ``who_to_ask`` and at least :data:`MIN_EXAMPLES` ``examples``.

    Raises:
        CorpusError: On a missing file, invalid YAML, a missing, empty or
            unknown field, a bad or duplicate id, too few examples, an
            over-long example or ``who_to_ask``, or an example listed twice.
            The message names the file, the topic id and the field.
    """
    path = Path(path)
    if not path.is_file():
        raise CorpusError(path, "missing: Senpai needs the list of topics the studies don't cover")
    data = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list) or not data["topics"]:
        raise CorpusError(path, "expected a mapping with a non-empty 'topics' list")
    extra_top = sorted(set(data) - {"topics"})
    if extra_top:
        raise CorpusError(path, f"unknown top-level field(s) {', '.join(extra_top)}")
    topics: list[NotCoveredTopic] = []
    seen_examples: dict[str, str] = {}
    for position, raw in enumerate(data["topics"]):
        if not isinstance(raw, dict):
            raise CorpusError(path, f"topic #{position + 1} must be a mapping")
        tid = raw.get("id")
        if not isinstance(tid, str) or not ID_RE.match(tid):
            raise CorpusError(
                path, f"topic #{position + 1}: field 'id' must match {ID_RE.pattern} (got {tid!r})"
            )
        extra = sorted(set(raw) - {"id", "title", "who_to_ask", "examples", "unless_words", *TOPIC_FIELDS})
        if extra:
            raise CorpusError(path, f"unknown field(s) {', '.join(extra)}", tid, kind="topic")
        if any(t.id == tid for t in topics):
            raise CorpusError(path, "duplicate id", tid, kind="topic")
        title = require_str(raw, "title", path, tid, kind="topic")
        if len(title) > MAX_TITLE_CHARS:
            raise CorpusError(path, f"field 'title' is over {MAX_TITLE_CHARS} characters", tid, kind="topic")
        who = require_str(raw, "who_to_ask", path, tid, kind="topic")
        if len(who) > MAX_WHO_TO_ASK_CHARS:
            raise CorpusError(
                path, f"field 'who_to_ask' is over {MAX_WHO_TO_ASK_CHARS} characters", tid, kind="topic"
            )
        examples = example_list(
            raw, "examples", path, tid, max_chars=MAX_EXAMPLE_CHARS, what="example questions"
        )
        for example in examples:
            key = fold(example)
            if key in seen_examples:
                raise CorpusError(
                    path,
                    f"example {example!r} is listed twice (also under '{seen_examples[key]}')",
                    tid,
                    kind="topic",
                )
            seen_examples[key] = tid
        ja = parse_topic_ja(raw, who, path, tid)
        topics.append(
            NotCoveredTopic(
                id=tid,
                title=title,
                who_to_ask=who,
                examples=examples,
                title_ja=ja.title,
                who_to_ask_ja=ja.who_to_ask,
                examples_ja=ja.examples,
                unless_words=_unless_words(raw, path, tid),
            )
        )
    return tuple(topics)


def _unless_words(raw: Mapping[str, Any], path: Path, tid: str) -> tuple[str, ...]:
    """A topic's optional ``unless_words``: single words, stored in lower case."""
    listed = str_list(raw, "unless_words", path, tid, kind="topic")
    for word in listed:
        if " " in word:
            raise CorpusError(path, f"field 'unless_words': {word!r} is not one word", tid, kind="topic")
    return tuple(word.lower() for word in listed)

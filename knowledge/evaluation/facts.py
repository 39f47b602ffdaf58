"""The fact inventory (``eval/facts.yaml``): every fact a user could ask for, and whether they get it.

``senpai eval`` asks whether the right passage comes first; this asks whether
the *answer text a user sees* states the fact that was asked for. Each fact
has one or two direct questions, a pattern the answer must contain, and the
passages that state it. :func:`load_facts` checks the inventory against the
corpus; :func:`score` turns what was answered into the figures.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: How a question ended, besides an answer.
REFUSED_NOT_COVERED = "not covered"
REFUSED_THRESHOLD = "below threshold"


@dataclass(frozen=True)
class Fact:
    """One thing a user could ask the studies for.

    Attributes:
        id: Unique id (``pd-...`` or ``id-...``).
        fact: The fact, in one sentence of our own.
        pattern: What an answer that states it must contain (searched case-insensitively).
        questions: One or two direct questions, as users ask them.
        passages: The passages that state it.
        section: The study's section it comes from.
        participant: The participant it is about, if any.
    """

    id: str
    fact: str
    pattern: re.Pattern[str]
    questions: tuple[str, ...]
    passages: tuple[str, ...]
    section: str = ""
    participant: str | None = None


@dataclass(frozen=True)
class Asked:
    """What one fact question got.

    Attributes:
        fact: The fact asked for.
        question: The question as asked.
        kind: ``answer``, ``clarify``, ``fallback`` (or ``error`` end to end).
        text: Everything the user was shown, as text.
        cited: The passages the reply cited.
        refused: Why a fallback refused: :data:`REFUSED_NOT_COVERED` (naming
            the topic) or :data:`REFUSED_THRESHOLD`; ``None`` otherwise.
    """

    fact: Fact
    question: str
    kind: str
    text: str
    cited: tuple[str, ...] = ()
    refused: str | None = None

    @property
    def found(self) -> bool:
        """Whether the text the user saw states the fact."""
        return bool(self.fact.pattern.search(self.text))


@dataclass
class FactReport:
    """The figures of one run over the inventory.

    Attributes:
        facts: Facts in the inventory.
        questions: Questions asked.
        found: Questions whose answer text states the fact.
        recall: ``found / questions``.
        facts_found: Facts all of whose questions were answered with the fact.
        kinds: Questions by reply kind.
        refused_not_covered: Questions a not-covered topic refused (the target is none).
        refused_threshold: Questions refused because no passage matched well enough.
        misses: Every question whose answer text does not state the fact, with what it got.
    """

    facts: int
    questions: int
    found: int
    recall: float
    facts_found: int
    kinds: dict[str, int]
    refused_not_covered: list[dict[str, Any]] = field(default_factory=list)
    refused_threshold: list[dict[str, Any]] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)


def _fail(path: Path, where: str, message: str) -> ValueError:
    return ValueError(f"{path}: {where}: {message}")


def load_facts(path: Path, passage_texts: Mapping[str, str]) -> list[Fact]:
    """Load and check the inventory against the corpus.

    Args:
        path: ``eval/facts.yaml``.
        passage_texts: Every passage id of the corpus, with its text.

    Returns:
        The facts, in file order.

    Raises:
        ValueError: Naming the fact and what is wrong: a duplicate id, no
            question, a pattern that does not compile, an unknown passage, or a
            pattern that matches the text of none of the passages it names.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw = data.get("facts") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise _fail(path, "file", "expected a mapping with a non-empty 'facts' list")
    facts: list[Fact] = []
    seen: set[str] = set()
    for n, entry in enumerate(raw, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise _fail(path, f"fact #{n}", "needs an 'id'")
        fid = entry["id"]
        if fid in seen:
            raise _fail(path, fid, "duplicate id")
        seen.add(fid)
        questions = entry.get("questions")
        if not isinstance(questions, list) or not 1 <= len(questions) <= 2:
            raise _fail(path, fid, "needs one or two 'questions'")
        try:
            pattern = re.compile(str(entry.get("pattern") or ""), re.IGNORECASE)
        except re.error as exc:
            raise _fail(path, fid, f"pattern does not compile ({exc})") from exc
        if not pattern.pattern:
            raise _fail(path, fid, "needs a 'pattern'")
        passages = tuple(entry.get("passages") or ())
        unknown = [p for p in passages if p not in passage_texts]
        if unknown:
            raise _fail(path, fid, f"unknown passage(s) {', '.join(unknown)}")
        if not passages:
            raise _fail(path, fid, "names no passage that states it")
        if not any(pattern.search(passage_texts[p]) for p in passages):
            raise _fail(path, fid, f"pattern {pattern.pattern!r} matches none of {', '.join(passages)}")
        facts.append(
            Fact(
                id=fid,
                fact=str(entry.get("fact") or ""),
                pattern=pattern,
                questions=tuple(str(q) for q in questions),
                passages=passages,
                section=str(entry.get("section") or ""),
                participant=entry.get("participant"),
            )
        )
    return facts


def questions(facts: Iterable[Fact]) -> list[tuple[Fact, str]]:
    """Every (fact, question) pair, in order."""
    return [(fact, q) for fact in facts for q in fact.questions]


def _row(asked: Asked) -> dict[str, Any]:
    return {
        "fact": asked.fact.id,
        "q": asked.question,
        "kind": asked.kind,
        "refused": asked.refused,
        "expected": list(asked.fact.passages),
        "cited": list(asked.cited),
        "pattern": asked.fact.pattern.pattern,
        "shown": asked.text[:160],
    }


def score(asked: Sequence[Asked]) -> FactReport:
    """The inventory's figures from what each question got."""
    kinds: dict[str, int] = {}
    for a in asked:
        kinds[a.kind] = kinds.get(a.kind, 0) + 1
    by_fact: dict[str, list[bool]] = {}
    for a in asked:
        by_fact.setdefault(a.fact.id, []).append(a.found)
    found = sum(a.found for a in asked)
    return FactReport(
        facts=len(by_fact),
        questions=len(asked),
        found=found,
        recall=found / len(asked) if asked else 0.0,
        facts_found=sum(all(v) for v in by_fact.values()),
        kinds=kinds,
        refused_not_covered=[
            _row(a) for a in asked if a.refused and a.refused.startswith(REFUSED_NOT_COVERED)
        ],
        refused_threshold=[_row(a) for a in asked if a.refused == REFUSED_THRESHOLD],
        misses=[_row(a) for a in asked if not a.found],
    )


def table(report: FactReport) -> str:
    """The report's headline figures as text."""
    lines = [
        f"{report.facts} facts, {report.questions} questions",
        f"fact recall (the answer text states the fact): {report.recall:.3f}"
        f" ({report.found}/{report.questions})",
        f"facts answered on every question: {report.facts_found}/{report.facts}",
        "replies: " + ", ".join(f"{k} {v}" for k, v in sorted(report.kinds.items())),
        f"refused as not covered: {len(report.refused_not_covered)}",
        f"refused below the threshold: {len(report.refused_threshold)}",
    ]
    return "\n".join(lines)

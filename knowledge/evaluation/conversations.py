"""Multi-turn evaluation sets (``eval/conversations*.yaml``): is the last turn answered in context?

Each conversation has 2 to 4 user turns and a family (elliptical, referring,
why-how-who, topic-switch, follow-up-intent, role, out-of-scope). Only the
last turn is scored against ``expect``: passage ids (any one is right), or
``fallback``, ``source`` or ``more``. :func:`score` turns what each
conversation got into the figures, per family.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

#: Expectations that are not passage ids.
FALLBACK, SOURCE, MORE = "fallback", "source", "more"
#: The families whose last turn only makes sense with what came before.
CONTEXT_FAMILIES = frozenset({"elliptical", "referring", "why-how-who"})
FAMILIES = (
    "elliptical",
    "referring",
    "why-how-who",
    "topic-switch",
    "follow-up-intent",
    "role",
    "out-of-scope",
)


@dataclass(frozen=True)
class Conversation:
    """One scripted conversation.

    Attributes:
        id: Its id.
        family: Which kind of last turn it tests.
        turns: The user's messages.
        expect: Passage ids any of which is right, or one of ``fallback``, ``source``, ``more``.
    """

    id: str
    family: str
    turns: tuple[str, ...]
    expect: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    """What the last turn of a conversation got.

    Attributes:
        conversation: The conversation.
        kind: ``answer``, ``clarify``, ``fallback``, ``source``, ``more``,
            ``smalltalk`` or ``error``.
        passages: The passages shown (an answer's, "tell me more"'s) or offered (clarify's choices).
    """

    conversation: Conversation
    kind: str
    passages: tuple[str, ...] = ()

    @property
    def right(self) -> bool:
        """Whether the last turn got what it should."""
        expect = self.conversation.expect
        if expect == (FALLBACK,):
            return self.kind == FALLBACK
        if expect == (SOURCE,):
            return self.kind == SOURCE
        if expect == (MORE,):
            return self.kind == MORE and bool(self.passages)
        return self.kind in ("answer", "clarify", MORE) and bool(set(self.passages) & set(expect))


def load_conversations(path: Path, passage_ids: Collection[str]) -> list[Conversation]:
    """Load a conversation set and check it against the corpus.

    Raises:
        ValueError: Naming the conversation: a duplicate id, an unknown family,
            fewer than 2 or more than 4 turns, or an unknown passage id.
    """
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw = data.get("conversations") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{path}: expected a mapping with a non-empty 'conversations' list")
    found: list[Conversation] = []
    seen: set[str] = set()
    for entry in raw:
        cid = str(entry.get("id"))
        turns = tuple(str(t) for t in entry.get("turns") or ())
        expect = entry.get("expect")
        expect = (expect,) if isinstance(expect, str) else tuple(str(e) for e in expect or ())
        problem = None
        if cid in seen:
            problem = "duplicate id"
        elif entry.get("family") not in FAMILIES:
            problem = f"family must be one of {', '.join(FAMILIES)}"
        elif not 2 <= len(turns) <= 4:
            problem = "needs 2 to 4 turns"
        elif not expect:
            problem = "needs an 'expect'"
        elif expect[0] not in (FALLBACK, SOURCE, MORE) and (unknown := set(expect) - set(passage_ids)):
            problem = f"unknown passage(s) {', '.join(sorted(unknown))}"
        if problem:
            raise ValueError(f"{path}: conversation '{cid}': {problem}")
        seen.add(cid)
        found.append(Conversation(cid, str(entry["family"]), turns, expect))
    return found


@dataclass
class ConversationReport:
    """The figures of one run over a conversation set.

    Attributes:
        conversations: How many were scored.
        accuracy: Share whose last turn was right.
        by_family: Accuracy and count per family.
        context_accuracy: Accuracy over the families that depend on context.
        cited_unasked: Last turns answered with a citation ("where is that from?") nobody asked for.
        smalltalk: Last turns answered with small talk.
        wrong: Every conversation whose last turn went wrong, with what it got.
    """

    conversations: int
    accuracy: float
    by_family: dict[str, dict[str, float]]
    context_accuracy: float
    cited_unasked: int
    smalltalk: int
    wrong: list[dict[str, Any]]


def _share(outcomes: Sequence[Outcome]) -> float:
    return sum(o.right for o in outcomes) / len(outcomes) if outcomes else 0.0


def score(outcomes: Sequence[Outcome]) -> ConversationReport:
    """The set's figures from what each conversation's last turn got."""
    families = sorted({o.conversation.family for o in outcomes}, key=FAMILIES.index)
    by_family = {
        f: {"accuracy": _share(group), "n": len(group)}
        for f in families
        if (group := [o for o in outcomes if o.conversation.family == f])
    }
    return ConversationReport(
        conversations=len(outcomes),
        accuracy=_share(outcomes),
        by_family=by_family,
        context_accuracy=_share([o for o in outcomes if o.conversation.family in CONTEXT_FAMILIES]),
        cited_unasked=sum(o.kind == SOURCE and o.conversation.expect != (SOURCE,) for o in outcomes),
        smalltalk=sum(o.kind == "smalltalk" for o in outcomes),
        wrong=[
            {
                "id": o.conversation.id,
                "family": o.conversation.family,
                "turns": list(o.conversation.turns),
                "expect": list(o.conversation.expect),
                "got": o.kind,
                "passages": list(o.passages),
            }
            for o in outcomes
            if not o.right
        ],
    )

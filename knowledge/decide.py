"""Decide what to do with search hits: answer, ask which topic was meant, or fall back.

The bot's actions and ``senpai eval`` both call :func:`decide`, so the
evaluation measures exactly what users get.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from knowledge.hits import Hit, Hits, NotCoveredMatch

Kind = Literal["answer", "clarify", "fallback"]

#: Answers stay short enough to read in a chat bubble.
MAX_ANSWER_CHARS = 1200

#: Calibrated with ``senpai eval`` (see docs/retrieval.md, "Retrieval quality").
SCOPE_MARGIN = 0.065
#: A not-covered topic matched more weakly than this is too vague to name in
#: the reply (typically gibberish or one word); the general advice is given instead.
NAMED_TOPIC_FLOOR = 0.2


@dataclass(frozen=True)
class Policy:
    """The thresholds behind a decision (calibrated with ``senpai eval``).

    Attributes:
        threshold: Minimum similarity of the best hit to answer at all.
        clarify_margin: Top two hits on different topics closer than this ask
            the user which topic they meant. 0 turns clarification off.
        second_margin: A second passage joins an answer when its score is
            within this of the best...
        second_strength: ...and its similarity clears the threshold by this much.
        scope_margin: The best passage must beat the closest not-covered topic
            by more than this (in similarity) to be answered; otherwise Senpai
            falls back and says who to ask. ``None`` ignores not-covered topics.
        japanese: The thresholds for hits from the Japanese index, whose
            encoder scores on another scale; ``None`` uses these.
    """

    threshold: float = 0.45
    clarify_margin: float = 0.0
    second_margin: float = 0.03
    second_strength: float = 0.10
    scope_margin: float | None = SCOPE_MARGIN
    japanese: Policy | None = None

    def for_hits(self, hits: Sequence[Hit]) -> Policy:
        """The thresholds that apply to these hits: the Japanese ones for the Japanese index's."""
        if self.japanese is not None and getattr(hits, "language", "en") == "ja":
            return self.japanese
        return self


@dataclass(frozen=True)
class Decision:
    """What to reply with, and the hits it rests on (1-2 to answer, 2 to clarify).

    ``not_covered`` is set on a fallback when the question is closer to a
    topic the studies don't cover than to any passage (and matches it at
    least :data:`NAMED_TOPIC_FLOOR`), so the reply can say who to ask.
    """

    kind: Kind
    hits: tuple[Hit, ...]
    not_covered: NotCoveredMatch | None = None


def scope_lead(hits: Sequence[Hit]) -> float | None:
    """How far the passages lead the closest topic the studies don't cover.

    The lead is measured twice: the best hit's blended similarity against the
    not-covered topic's, and the closest passage view's cosine against the
    closest not-covered example's (meaning alone, without BM25). The larger
    counts, so a question is only refused when both agree it is closer to a
    not-covered topic: shared keywords ("apply", "Japanese") alone cannot
    refuse a question whose meaning is clearly a passage's, and a passage
    that merely shares words with the question cannot rescue one whose
    meaning is clearly not covered.

    Args:
        hits: Search hits, best first (a :class:`~knowledge.hits.Hits` carries
            the closest not-covered topic and both cosines; a plain list has
            none).

    Returns:
        The lead, or ``None`` when there is no not-covered topic to compare with.
    """
    if not isinstance(hits, Hits) or hits.not_covered is None:
        return None
    outside = hits.not_covered
    lead = (hits[0].similarity if hits else float("-inf")) - outside.similarity
    if hits and hits.cosine is not None and outside.cosine is not None:
        lead = max(lead, hits.cosine - outside.cosine)
    return lead


def outside_scope(hits: Sequence[Hit], policy: Policy) -> NotCoveredMatch | None:
    """Return the not-covered topic that beats the best passage, if one does.

    Args:
        hits: Search hits, best first (a :class:`~knowledge.hits.Hits` carries
            the closest not-covered topic; a plain list has none).
        policy: The thresholds; ``scope_margin`` is how much the passages must
            lead by (see :func:`scope_lead`).
    """
    lead = scope_lead(hits)
    if lead is None or policy.scope_margin is None or lead > policy.scope_margin:
        return None
    return hits.not_covered if isinstance(hits, Hits) else None


def decide(hits: Sequence[Hit], policy: Policy) -> Decision:
    """Choose between answering, clarifying and falling back.

    Args:
        hits: Search hits, best first.
        policy: The thresholds.

    Returns:
        ``fallback`` when the best hit is below the threshold, or a topic the
        studies don't cover matches at least as well (within the scope
        margin; the decision then names that topic); ``clarify`` when the top
        two are on different topics and too close to call; otherwise
        ``answer`` with the best hit, plus the second if it is also strong,
        on the same topic, and both fit in :data:`MAX_ANSWER_CHARS`.
    """
    policy = policy.for_hits(hits)
    outside = outside_scope(hits, policy)
    if outside is not None:
        return Decision("fallback", (), outside if outside.similarity >= NAMED_TOPIC_FLOOR else None)
    if not hits or hits[0].similarity < policy.threshold:
        return Decision("fallback", ())
    best = hits[0]
    if len(hits) > 1:
        second = hits[1]
        close = best.score - second.score
        if (
            policy.clarify_margin > 0
            and second.topic != best.topic
            and close < policy.clarify_margin
            and second.similarity >= policy.threshold
        ):
            return Decision("clarify", (best, second))
        strong = (
            second.similarity >= policy.threshold + policy.second_strength
            and close <= policy.second_margin
            and second.topic == best.topic
        )
        length = len(best.passage.text) + len(second.passage.text) + 2
        if strong and length <= MAX_ANSWER_CHARS:
            return Decision("answer", (best, second))
    return Decision("answer", (best,))

"""Decide what to do with search hits: answer (with one or two passages), ask which was meant, or fall back.

The bot's actions and ``senpai eval`` both call :func:`decide`, so the
evaluation measures exactly what users get.

Scores can be read on two scales (:attr:`Policy.scale`):

- ``raw``: the blended similarity itself (cosine with BM25), as the English
  index calibrates it;
- ``standard``: how far a score stands out from this query's scores of every
  passage, in standard deviations (``(s - mean) / spread``). multilingual-e5
  scores almost anything between 0.86 and 0.99, so a raw margin of 0.02 is
  noise there; a standardised one means the same for a short question and for
  a long message whose back-story lifts every score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from knowledge.search.hits import Hit, Hits, NotCoveredMatch

Kind = Literal["answer", "clarify", "fallback"]
Scale = Literal["raw", "standard"]

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
        threshold: Minimum raw similarity a passage needs to be answered with.
        clarify_margin: Two passages on different topics this close (on the
            policy's scale) that do not fit in one reply: ask which was meant.
            0 turns clarification off.
        second_margin: A second passage joins the answer when it is this close
            to the best (on the policy's scale) and clears the thresholds too.
        second_strength: With the raw scale, the second must also clear the
            threshold by this much.
        scope_margin: The best passage must lead the closest not-covered topic
            by more than this (on the policy's scale) to be answered; otherwise
            Senpai falls back and says who to ask. ``None`` ignores
            not-covered topics.
        cosine_margin: ...unless, in meaning alone (the best view's cosine), it
            leads by more than this: a topic's shared keywords can't refuse a
            passage the meaning clearly favours. ``None``: ``scope_margin``.
        scale: ``raw`` or ``standard`` (see the module's docstring).
        z_threshold: With the standard scale, minimum standardised score of a
            passage to be answered with (besides ``threshold``).
        near_margin: A passage this far below ``threshold`` (raw) is a near
            miss, offered as "did you mean" when Senpai falls back.
        japanese: The policy for hits from the Japanese index, whose encoder
            scores on another scale; ``None`` uses this one.
        second_weight: The scope lead moves by this much per unit of a second
            encoder's opinion (:attr:`Hits.second_gap`) above or below...
        second_centre: ...this gap, where it is neutral. 0 weight ignores it.
    """

    threshold: float = 0.45
    clarify_margin: float = 0.0
    second_margin: float = 0.03
    second_strength: float = 0.10
    scope_margin: float | None = SCOPE_MARGIN
    cosine_margin: float | None = None
    scale: Scale = "raw"
    z_threshold: float = 0.0
    near_margin: float = 0.05
    japanese: Policy | None = None
    second_weight: float = 0.0
    second_centre: float = 0.0

    def for_hits(self, hits: Sequence[Hit]) -> Policy:
        """The thresholds that apply to these hits: the Japanese ones for the Japanese index's."""
        if self.japanese is not None and getattr(hits, "language", "en") == "ja":
            return self.japanese
        return self


#: The English policy (all-MiniLM-L6-v2 blended with BM25), calibrated with ``senpai eval --real``
#: on the development sets (docs/retrieval.md, "Real questions"); the settings may override
#: its threshold, scope margin and clarify margin.
ENGLISH = Policy(
    threshold=0.3,
    scale="standard",
    z_threshold=2.0,
    scope_margin=0.5,
    cosine_margin=0.15,
    second_margin=0.75,
    clarify_margin=0.5,
)
#: The Japanese policy (multilingual-e5-small blended with Sudachi BM25), calibrated the same way.
JAPANESE = Policy(
    threshold=0.72,
    scale="standard",
    scope_margin=0.5,
    cosine_margin=0.06,
    second_margin=0.75,
    clarify_margin=0.5,
    near_margin=0.02,
    second_weight=6.0,
    second_centre=0.05,
)


class PolicySettings(Protocol):
    """What :func:`configured_policy` reads from the settings."""

    @property
    def answer_threshold(self) -> float: ...  # noqa: D102
    @property
    def answer_threshold_ja(self) -> float: ...  # noqa: D102
    @property
    def scope_margin(self) -> float | None: ...  # noqa: D102
    @property
    def scope_margin_ja(self) -> float | None: ...  # noqa: D102
    @property
    def clarify_margin(self) -> float: ...  # noqa: D102


def configured_policy(settings: PolicySettings) -> Policy:
    """The answer policies, English and Japanese, as the bot decides with them.

    Both read scores on the standard scale; their calibrated margins are
    :data:`ENGLISH` and :data:`JAPANESE`, with the thresholds and scope margins
    the settings name.
    """
    japanese = replace(
        JAPANESE,
        threshold=settings.answer_threshold_ja,
        scope_margin=settings.scope_margin_ja,
        clarify_margin=settings.clarify_margin,
    )
    return replace(
        ENGLISH,
        threshold=settings.answer_threshold,
        scope_margin=settings.scope_margin,
        clarify_margin=settings.clarify_margin,
        japanese=japanese,
    )


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


def on_scale(similarity: float, hits: Sequence[Hit], policy: Policy) -> float:
    """A similarity on the policy's scale: as it is, or standardised against this query's passages."""
    if policy.scale == "raw" or not isinstance(hits, Hits) or not hits.spread:
        return similarity
    return (similarity - hits.mean) / hits.spread


def scope_lead(hits: Sequence[Hit], policy: Policy | None = None, best: Hit | None = None) -> float | None:
    """How far the passages lead the closest topic the studies don't cover.

    The lead is measured twice: the best passage's blended similarity against
    the not-covered topic's (on the policy's scale), and the closest passage
    view's cosine against the closest not-covered example's (meaning alone,
    without BM25, scaled to the first margin). The larger counts, so a
    question is only refused when both agree it is closer to a not-covered
    topic: shared keywords ("apply", "Japanese") alone cannot refuse a question
    whose meaning is clearly a passage's, and a passage that merely shares
    words with the question cannot rescue one whose meaning is clearly not
    covered. Where the policy weighs a second encoder's opinion
    (:attr:`Policy.second_weight`, the Japanese one) and the hits carry it,
    the lead then moves with that opinion.

    Args:
        hits: Search hits, best first (a :class:`~knowledge.search.hits.Hits` carries
            the closest not-covered topic and both cosines; a plain list has none).
        policy: The scale and margins (the raw scale without one).
        best: The passage the answer would rest on (default: the first hit).

    Returns:
        The lead, in units of the scope margin's scale, or ``None`` when there
        is no not-covered topic to compare with.
    """
    if not isinstance(hits, Hits) or hits.not_covered is None:
        return None
    policy = policy or Policy()
    outside = hits.not_covered
    best = best or (hits[0] if hits else None)
    top = best.similarity if best is not None else float("-inf")
    lead = on_scale(top, hits, policy) - on_scale(outside.similarity, hits, policy)
    if hits.cosine is not None and outside.cosine is not None:
        margin = policy.scope_margin if policy.scope_margin is not None else SCOPE_MARGIN
        cosine_margin = policy.cosine_margin if policy.cosine_margin is not None else margin
        meaning = hits.cosine - outside.cosine  # leads by more than its own margin: counts as clear
        lead = max(lead, meaning * margin / cosine_margin if cosine_margin > 0 else meaning)
    if hits.second_gap is not None and policy.second_weight:
        lead += policy.second_weight * (hits.second_gap - policy.second_centre)
    return lead


def outside_scope(hits: Sequence[Hit], policy: Policy, best: Hit | None = None) -> NotCoveredMatch | None:
    """Return the not-covered topic that beats the passage the answer would rest on, if one does.

    Args:
        hits: Search hits, best first (a :class:`~knowledge.search.hits.Hits` carries
            the closest not-covered topic; a plain list has none).
        policy: The thresholds; ``scope_margin`` is how much the passages must
            lead by (see :func:`scope_lead`).
        best: That passage (default: the first hit).
    """
    lead = scope_lead(hits, policy, best)
    if lead is None or policy.scope_margin is None or lead > policy.scope_margin:
        return None
    return hits.not_covered if isinstance(hits, Hits) else None


def clears(hit: Hit, hits: Sequence[Hit], policy: Policy) -> bool:
    """Whether a passage is strong enough to answer with: its own similarity, before any prior."""
    if hit.similarity < policy.threshold:
        return False
    return policy.scale == "raw" or on_scale(hit.similarity, hits, policy) >= policy.z_threshold


def versions(first: Hit, second: Hit) -> bool:
    """Whether two hits are one finding written for two audiences (``version_of``)."""
    a, b = first.passage, second.passage
    return a.version_of == b.id or b.version_of == a.id


def for_audience(first: Hit, second: Hit, audience: str | None) -> Hit:
    """Of two versions of one finding, the one for the user's role; the general one otherwise."""
    for hit in (first, second):
        if audience is not None and hit.passage.audience == audience:
            return hit
    return first if not first.passage.version_of else second


def decide(hits: Sequence[Hit], policy: Policy, audience: str | None = None) -> Decision:
    """Choose between answering, clarifying and falling back.

    Args:
        hits: Search hits, best first (by score, priors included).
        policy: The thresholds.
        audience: The user's role (``alt`` or ``jte``), if known: it picks one of
            two versions of a finding.

    Returns:
        ``fallback`` when no passage clears the thresholds (each tested on its
        own similarity, so a passage that clears them is never refused because
        a prior promoted a weaker one above it), or when a topic the studies
        don't cover matches the best such passage at least as well (within the
        scope margin; the decision then names that topic). Otherwise an
        ``answer`` with the best passage, and the next one when it is nearly as
        good, clears the thresholds too, and both fit in
        :data:`MAX_ANSWER_CHARS`; two versions of one finding give one answer,
        for the user's role. ``clarify`` only when two close passages on
        different topics cannot fit in one reply.
    """
    policy = policy.for_hits(hits)
    strong = [h for h in hits if clears(h, hits, policy)]
    outside = outside_scope(hits, policy, strong[0] if strong else None)
    if outside is not None:
        return Decision("fallback", (), outside if outside.similarity >= NAMED_TOPIC_FLOOR else None)
    if not strong:
        return Decision("fallback", ())
    best = strong[0]
    twin = next((h for h in strong[1:] if versions(best, h)), None)
    if twin is not None:  # one finding, two audiences: never both, never a choice
        pair = (best, twin)
        best = for_audience(best, twin, audience)
        strong = [best, *(h for h in strong if h not in pair)]
    if len(strong) > 1:
        second = strong[1]
        gap = on_scale(best.score, hits, policy) - on_scale(second.score, hits, policy)
        fits = len(best.passage.text) + len(second.passage.text) + 2 <= MAX_ANSWER_CHARS
        apart = second.topic != best.topic and gap < policy.clarify_margin
        if policy.clarify_margin > 0 and not fits and apart:
            return Decision("clarify", (best, second))
        enough = policy.scale == "standard" or second.similarity >= policy.threshold + policy.second_strength
        if fits and enough and abs(gap) <= policy.second_margin:
            return Decision("answer", (best, second))
    return Decision("answer", (best,))

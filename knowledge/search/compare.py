"""Questions that compare the two studies, answered from a passage of each.

"Did both studies interview former ALTs?", "which study had longer
interviews?", 「2つの研究はそれぞれ何人に話を聞いた？」: one passage can't
answer these, since each passage draws on one study. :func:`compares` tells
such a message by its wording, and :func:`one_of_each` picks the best passage
of each study among the hits that clear the answer thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence

from knowledge.search.decide import Policy, clears
from knowledge.search.hits import Hit
from knowledge.text.patterns import SPACE, compile_re2

_S = SPACE + "+"
_STUDIES = rf"(?:stud(?:y|ies)|papers?|research(?:{_S}projects?)?)"
#: How a message asks about both studies at once, in English or in Japanese.
_COMPARES = compile_re2(
    rf"\b(?:both|each|either){_S}(?:of{_S}the{_S})?(?:two{_S})?{_STUDIES}\b"
    rf"|\bthe{_S}two{_S}{_STUDIES}\b"
    rf"|\bwhich{_S}(?:study|paper)\b"
    rf"|\b(?:compare|comparison|differ(?:ence|ent|s)?)\b.*\b{_STUDIES}\b"
    r"|両方の研究|両研究|どちらの研究|2つの研究|二つの研究|それぞれの研究|研究を比べ",
    ignore_case=True,
)


#: The words that name both studies, which :func:`about` replaces with one study's name.
_BOTH = compile_re2(
    rf"\b(?:both|each|either|which)(?:{_S}of{_S}the)?(?:{_S}two)?{_S}{_STUDIES}\b|\bthe{_S}two{_S}{_STUDIES}\b"
    r"|両方の研究|両研究|どちらの研究|2つの研究|二つの研究|それぞれの研究",
    ignore_case=True,
)


def about(text: str, study: str) -> str:
    """The comparison asked of one study: "where was each study published?" of the PD study."""
    replaced = _BOTH.sub(lambda _: study, text)  # a callable: RE2's string templates garble non-ASCII
    return replaced if replaced != text else f"{text} {study}"


def compares(text: str) -> bool:
    """Whether a message asks about both studies at once."""
    return bool(_COMPARES.search(text))


def one_of_each(hits: Sequence[Hit], policy: Policy) -> tuple[Hit, ...] | None:
    """The best hit of each study (by its main citation) among those that clear the policy, best first.

    Returns:
        One hit per study, or ``None`` when fewer than two studies have one.
    """
    best: dict[str, Hit] = {}
    for hit in hits:
        source = hit.passage.citation.source
        if source not in best and clears(hit, hits, policy):
            best[source] = hit
    return tuple(best.values()) if len(best) >= 2 else None

"""Reading a question in the light of the conversation: follow-ups that lean on the last answer.

:func:`answer_in_context` searches for a question, reading a follow-up ("and
in high school?", "why?", "who said that?") against the previous exchange,
and a standalone question exactly as in a fresh conversation. The bot's
actions and ``senpai eval --conversations`` both call it; what a message is
in the first place is :mod:`knowledge.text.routing`'s call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml

from knowledge.search.compare import about, compares, one_of_each
from knowledge.search.decide import Decision, Policy, clears, decide, scope_lead
from knowledge.search.hits import Hit, Hits
from knowledge.search.index import Index
from knowledge.text.language import has_japanese, normalise
from knowledge.text.patterns import SPACE, compile_re2
from knowledge.text.words import (
    CONTINUATIONS,
    QUESTION_WORDS,
    QUESTION_WORDS_JA,
    REFERRING,
    content_words,
    words,
)

#: A follow-up has at most this many content words of its own.
FOLLOW_UP_MAX_CONTENT = 4

Reading = Literal["standalone", "follow_up", "either"]
#: A Japanese fragment that continues the last question: 「高校では？」「JTEの場合は？」「じゃあ小学校は？」.
_CONTINUES_JA = compile_re2(rf"^(?:では|じゃあ|それで|で、)|(?:では|の場合は|だと){SPACE}*[?？]?$")
#: 「JTEは？」: one word and は, asking the last question of something else.
_ABOUT_JA = compile_re2(rf"は{SPACE}*[?？]?$")
#: How many hits a comparison looks through for the best passage of each study.
COMPARE_K = 24
#: A message this short may lean on the previous exchange even without a word that points back.
SHORT = 2


def reading(text: str) -> Reading:
    """How a question relates to the previous exchange.

    ``follow_up`` for a short message that points back ("is that one common?",
    "who decided that?") or continues the last question ("and in high
    school?", "what about JTEs?"); ``either`` for a very short one with neither
    ("why?", "can you give an example?", but also "What is a Dabbler?"), which
    :func:`answer_in_context` reads both ways; ``standalone`` otherwise. A
    message with more content words than :data:`FOLLOW_UP_MAX_CONTENT` is a
    question of its own, whatever pronouns it has.
    """
    said = words(text)
    content = content_words(text)
    if not said or len(content) > FOLLOW_UP_MAX_CONTENT:
        return "standalone"
    if set(said) & REFERRING or (" ".join(said) + " ").startswith(CONTINUATIONS):
        return "follow_up"
    plain = normalise(text).strip()
    continues = _CONTINUES_JA.search(plain) and len(content) <= SHORT
    if continues or (_ABOUT_JA.search(plain) and len(content) == 1):
        return "follow_up"  # 「高校では？」「JTEの場合は？」「小学校は？」
    return "either" if len(content) <= SHORT else "standalone"


#: "What is ...?", "who are ...?": a question that names what it asks about is a question of its own.
_DEFINING = frozenset({"is", "are", "was", "were"})


def needs_previous(text: str) -> bool:
    """Whether a message only makes sense after an answer: it points back, or is a bare "why?".

    "What is an ALT?" names what it asks about: it is a question of its own,
    however short.
    """
    said = words(text)
    asks = bool(said) and (said[0] in QUESTION_WORDS or said[0] in QUESTION_WORDS_JA)
    content = content_words(text)
    defining = len(said) >= 3 and said[1] in _DEFINING and not set(said[2:]) & REFERRING and bool(content)
    bare = asks and len(content) <= 1 and not defining
    return reading(text) == "follow_up" or bare


@dataclass(frozen=True)
class Previous:
    """The previous exchange, as the conversation's slots remember it.

    Attributes:
        question: What the previous question asked (in full, when it was itself a follow-up).
        passages: The passages its answer showed.
        topic: The topic of that answer.
    """

    question: str
    passages: tuple[str, ...] = ()
    topic: str | None = None


@dataclass(frozen=True)
class InContext:
    """A question answered in the light of the conversation.

    Attributes:
        query: What was searched: the message itself, or the message read with the previous question.
        hits: The hits of that search.
        decision: What :func:`decide` made of them.
        follow_up: Whether the message was read as a follow-up.
        strong: Whether it was answered clearly (the best passage clears the
            threshold by :data:`STANDALONE_MARGIN`), so a bare "why?" that
            matches something only faintly is not taken for a question of its own.
    """

    query: str
    hits: Sequence[Hit]
    decision: Decision
    follow_up: bool = False
    strong: bool = False


#: A passage the previous answer already showed scores this much less when a follow-up
#: is searched: a follow-up usually asks for something the answer did not say.
SHOWN_PENALTY = 0.05
#: A passage the previous answer lists as related scores this much more.
RELATED_PRIOR = 0.03


#: A follow-up that, on its own, is this close to a topic the studies don't cover is refused
#: ("is that before or after tax?" after a question on pay), however well its context matches.
NOT_COVERED_FLOOR = 0.3


def _not_covered(decision: Decision) -> bool:
    return decision.not_covered is not None and decision.not_covered.similarity >= NOT_COVERED_FLOOR


#: How a follow-up points at the study the last answer did not come from.
OTHER_STUDY = ("other study", "other paper", "other one", "second study", "second paper")


@dataclass(frozen=True)
class Studies:
    """What people call each study in a conversation, from ``names`` in the corpus's ``sources.yaml``.

    Attributes:
        names: Each study's key, with its names (the first is the usual one), as words.
    """

    names: Mapping[str, tuple[str, ...]]

    @classmethod
    def from_sources(cls, path: Path) -> Studies:
        """Read the ``names`` of each source (a source without any is left out)."""
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return cls(
            {
                str(entry["key"]): tuple(" ".join(words(n)) for n in entry["names"])
                for entry in data.get("sources") or []
                if entry.get("names")
            }
        )

    def named(self, text: str) -> str | None:
        """The study a message names, if it names exactly one."""
        said = f" {' '.join(words(text))} "
        found = {key for key, names in self.names.items() if any(f" {n} " in said for n in names)}
        return found.pop() if len(found) == 1 else None

    def switch(self, text: str, before: set[str]) -> str | None:
        """The study a follow-up turns to, away from the ones the last answer drew on; ``None`` if none."""
        said = f" {' '.join(words(text))} "
        named = self.named(text)
        if named is None and any(f" {o} " in said for o in OTHER_STUDY) and len(before) == 1:
            others = [key for key in self.names if key not in before]
            named = others[0] if len(others) == 1 else None
        return named if named is not None and named not in before else None

    def without(self, text: str, keys: Iterable[str]) -> str:
        """``text`` with every name of those studies taken out."""
        said = f" {' '.join(words(text))} "
        for key in keys:
            for name in sorted(self.names.get(key, ()), key=len, reverse=True):
                said = said.replace(f" {name} ", " ")
        return " ".join(said.split())


def contextual_query(index: Index, text: str, previous: Previous, studies: Studies | None = None) -> str:
    """The follow-up read with the question it follows.

    One that turns to the other study ("and the other study?", "what about the
    PD one?") asks the same of that study: the last question's names for its
    study give way (:class:`Studies`). Dropping the words of the last answer's
    title for any "and ...?" continuation was tried too, and lost more than it
    won ("and by year four?" after a question on pay lost "pay").
    """
    question = previous.question
    shown = [p for p in (index.get(pid) for pid in previous.passages) if p is not None]
    if shown and has_japanese(text) != has_japanese(question):
        # A follow-up in the other language ("なぜ？" after an English question): lean on the
        # last answer's title in the follow-up's language, so the query reads in one language.
        question = shown[0].title_in("ja" if has_japanese(text) else "en")
    if studies is not None:
        before = {p.citation.source for pid in previous.passages if (p := index.get(pid)) is not None}
        turned_to = studies.switch(text, before)
        if turned_to is not None:
            question = f"{studies.without(question, before)} {studies.names[turned_to][0]}"
    return f"{text.strip()} {question}"


#: After "and the other study?", a passage that does not draw on that study scores this much less.
OTHER_STUDY_PENALTY = 0.1


def _rerank(index: Index, hits: Hits, previous: Previous, study: str | None = None) -> Hits:
    shown = set(previous.passages)
    related = {rid for pid in previous.passages if (p := index.get(pid)) for rid in p.related}

    def adjusted(hit: Hit) -> float:
        bonus = RELATED_PRIOR if hit.id in related else 0.0
        elsewhere = study is not None and study not in {c.source for c in hit.passage.citations}
        penalty = (SHOWN_PENALTY if hit.id in shown else 0.0) + (OTHER_STUDY_PENALTY if elsewhere else 0.0)
        return hit.score + bonus - penalty

    ranked = sorted(hits, key=adjusted, reverse=True)
    out = [Hit(h.passage, round(adjusted(h), 6), h.similarity, n) for n, h in enumerate(ranked, 1)]
    return Hits(
        out,
        hits.not_covered,
        hits.cosine,
        language=hits.language,
        mean=hits.mean,
        spread=hits.spread,
        second_gap=hits.second_gap,
    )


Strategy = Literal["alone", "rewrite", "prior", "both"]
#: How a follow-up is searched; chosen by measurement (docs/retrieval.md, "Conversations").
STRATEGY: Strategy = "both"
#: A follow-up with this many content words may still be a question of its own
#: ("what did Hiratsuka do before he became a professor?").
SUBSTANTIAL = 3
#: A message read both ways keeps its standalone answer when that clears the threshold by this much...
STANDALONE_MARGIN = 0.15
#: ...and one that points back ("what did Hiratsuka do before he became a professor?") by this much.
POINTING_BACK_MARGIN = 0.25


def _strong(decision: Decision, hits: Sequence[Hit], policy: Policy, margin: float) -> bool:
    threshold = policy.for_hits(hits).threshold
    return decision.kind == "answer" and bool(hits) and hits[0].similarity >= threshold + margin


def _compared(
    index: Index,
    text: str,
    policy: Policy,
    k: int,
    topic: str | None,
    audience: str | None,
    studies: Studies | None,
) -> InContext:
    """A question comparing the studies: the best passage of each, each searched with its study's name."""
    hits = index.search(text, max(k, COMPARE_K), topic=topic, audience=audience)
    decided = decide(hits, policy, audience)
    if decided.kind != "answer":
        return InContext(text, hits, decided)
    found: list[Hit] = []
    for key, names in (studies.names if studies else {}).items():
        name = next((n for n in names if has_japanese(n) == has_japanese(text)), names[0])
        own = index.search(about(text, name), max(k, COMPARE_K), topic=topic, audience=audience)
        found += [
            h for h in own if h.passage.citation.source == key and clears(h, own, policy.for_hits(own))
        ][:1]
    pair = tuple(found) if len(found) >= 2 else one_of_each(hits, policy.for_hits(hits))
    return InContext(text, hits, Decision("answer", pair) if pair else decided, strong=True)


def answer_in_context(
    index: Index,
    text: str,
    previous: Previous | None,
    policy: Policy,
    *,
    k: int = 8,
    topic: str | None = None,
    audience: str | None = None,
    strategy: Strategy = STRATEGY,
    studies: Studies | None = None,
) -> InContext:
    """Search for a question, reading a follow-up against the previous exchange.

    A standalone question (or any question with nothing before it) is searched
    exactly as in a fresh conversation. A follow-up is searched read together
    with the previous question (:func:`contextual_query`), on the previous
    answer's topic. The strategies, compared with ``senpai eval --conversations``:

    - ``alone``: every message on its own (no context at all);
    - ``rewrite``: a follow-up is searched with the previous question;
    - ``prior``: as ``rewrite``, and passages the previous answer showed count a
      little less, the ones it lists as related a little more;
    - ``both``: as ``prior``, but a message that may be either (:func:`reading`),
      or a follow-up with :data:`SUBSTANTIAL` content words, keeps its standalone
      answer when that is strong; and a follow-up that on its own is clearly a
      topic the studies don't cover is refused as such.

    Args:
        index: The index.
        text: The message.
        previous: The previous exchange, if there was an answer before.
        policy: The bot's thresholds.
        k: How many hits to keep.
        topic: NLU's topic hint (a soft prior), for a standalone question.
        audience: The user's role (a soft prior).
        strategy: How to read follow-ups (see above).
        studies: What people call each study, to follow "and the other study?".
    """
    how = reading(text)
    if previous is None or how == "standalone" or strategy == "alone":
        if compares(text):  # "did both studies ...?": a passage of each
            return _compared(index, text, policy, k, topic, audience, studies)
        hits = index.search(text, k, topic=topic, audience=audience)
        decided = decide(hits, policy, audience)
        return InContext(text, hits, decided, strong=_strong(decided, hits, policy, STANDALONE_MARGIN))
    if strategy == "both":
        alone = index.search(text, k, topic=topic, audience=audience)
        decided = decide(alone, policy, audience)
        margin = STANDALONE_MARGIN if how == "either" else POINTING_BACK_MARGIN
        strong = _strong(decided, alone, policy, margin)
        substantial = how == "either" or len(content_words(text)) >= SUBSTANTIAL
        # "why?" alone is about nothing; a follow-up is refused on its own only when a topic
        # the studies don't cover beats every passage outright, not merely comes within the margin.
        lead = scope_lead(alone, policy.for_hits(alone))
        clearly_outside = lead is not None and lead <= 0
        off_topic = len(content_words(text)) >= 2 and _not_covered(decided) and clearly_outside
        if (strong and substantial) or off_topic:
            return InContext(text, alone, decided, strong=strong)
    query = contextual_query(index, text, previous, studies)
    hits = index.search(query, k, topic=previous.topic or topic, audience=audience)
    if strategy != "rewrite" and isinstance(hits, Hits):
        before = {p.citation.source for pid in previous.passages if (p := index.get(pid)) is not None}
        hits = _rerank(index, hits, previous, studies.switch(text, before) if studies else None)
    decided = decide(hits, policy, audience)
    return InContext(
        query, hits, decided, follow_up=True, strong=_strong(decided, hits, policy, STANDALONE_MARGIN)
    )

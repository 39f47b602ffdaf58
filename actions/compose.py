"""Turn search hits into replies: answer, honest fallback, follow-up, source.

Pure functions over hits and passages, so the decisions are tested without a
server.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from actions.messages import ANSWER, CLARIFY, FALLBACK, Button, Reply
from actions.texts import say
from knowledge import Hit, Index, Passage
from knowledge.search.decide import Decision, Policy, clears
from knowledge.search.hits import NotCoveredMatch


def suggestions(
    index: Index, hits: Sequence[Hit], policy: Policy | None = None, n: int = 3, lang: str = "en"
) -> list[Button]:
    """Offer up to ``n`` questions Senpai can answer.

    Near misses come first (as "did you mean"): passages just below the
    answer bar of the hits' language (:attr:`Policy.near_margin`). A passage
    that clears the bar is never offered: it was either answered, or refused
    because the message is closer to a topic the studies don't cover, and
    then it is not what was asked. The rest are the first example question
    of one passage per topic, so every suggestion is answerable.
    """
    near: list[Passage] = []
    if policy is not None:
        bar = policy.for_hits(hits)
        floor = bar.threshold - bar.near_margin
        near = [h.passage for h in hits if not clears(h, hits, bar) and h.similarity >= floor]
        near = [p for p in near if p.questions]
    picked = near[:n]
    seen_topics = {p.topic for p in picked}
    for passage in index.passages:
        if len(picked) >= n:
            break
        if passage.questions and passage.topic not in seen_topics:
            picked.append(passage)
            seen_topics.add(passage.topic)
    return [Button(title=p.questions_in(lang)[0], payload=p.questions_in(lang)[0]) for p in picked[:n]]


def answer_reply(passages: Sequence[Passage], lang: str = "en") -> Reply:
    """Return a cited answer built from passages, in ``en`` or ``ja``."""
    text = "\n\n".join(p.text_in(lang) for p in passages)
    return Reply(kind=ANSWER, text=text, citations=tuple(passages), lang=lang)


def clarify_reply(index: Index, decision: Decision, lang: str = "en") -> Reply:
    """Ask which of two close topics the user meant, with a button for each."""
    buttons = []
    for hit in decision.hits:
        passage = hit.passage
        questions = passage.questions_in(lang)
        payload = questions[0] if questions else passage.title_in(lang)
        title = passage.title_in(lang)
        if lang == "en":
            title = f"{index.topics.get(passage.topic, passage.topic.replace('_', ' '))}: {title}"
        buttons.append(Button(title=title, payload=payload))
    return Reply(kind=CLARIFY, text=say(lang, "clarify"), buttons=tuple(buttons), lang=lang)


def fallback_reply(
    index: Index,
    hits: Sequence[Hit],
    policy: Policy,
    not_covered: NotCoveredMatch | None = None,
    lang: str = "en",
) -> Reply:
    """Return the honest "I don't know" with questions Senpai can answer.

    Args:
        index: The index (for suggestions).
        hits: The search hits (near misses become "did you mean" suggestions).
        policy: The answer policy (what a near miss is).
        not_covered: The topic the studies don't cover that the question
            matched, if any: the reply then names it and says who to ask for it
            (from ``knowledge/scope/not_covered.yaml``), instead of the general advice.
        lang: The language to reply in (``en`` or ``ja``).
    """
    if not_covered is not None:
        topic = not_covered.topic
        covered = say(lang, "not_covered", title=topic.title_in(lang), who=topic.who_to_ask_in(lang))
    else:
        covered = say(lang, "not_covered_general")
    text = say(lang, "dont_know", covered=covered)
    buttons = tuple(suggestions(index, hits, policy, lang=lang))
    return Reply(kind=FALLBACK, text=text, buttons=buttons, lang=lang)


def studies_reply(index: Index, lang: str = "en") -> Reply:
    """Say which studies everything comes from, when no answer has been given to cite yet.

    "Where is that from?" or "what sources do you use?" at the start of a
    conversation asks about Senpai itself, so the reply lists the full
    reference of every study the index draws on.
    """
    references = list(dict.fromkeys(c.reference for p in index.passages for c in p.citations))
    text = (
        say(lang, "studies_intro")
        + (say(lang, "this_study") if len(references) == 1 else say(lang, "these_studies", n=len(references)))
        + "\n\n"
        + "\n".join(f"• {reference}" for reference in references)
        + "\n\n"
        + say(lang, "studies_outro")
    )
    return nudge(index, text, lang)


def nothing_to_follow(index: Index, message: str, lang: str = "en") -> Reply:
    """A follow-up ("why?", "who said that?") with no answer before it to follow: ask for a whole question."""
    return nudge(index, say(lang, "nothing_to_follow", message=message), lang)


def nudge(index: Index, text: str, lang: str = "en") -> Reply:
    """A no-knowledge reply (nothing to follow up or cite yet) that offers questions to ask."""
    buttons = tuple(suggestions(index, [], lang=lang))
    return Reply(kind=FALLBACK, text=text, buttons=buttons, lang=lang)


def next_passage(
    index: Index, candidates: Iterable[str], last: Sequence[str], shown: Iterable[str], topic: str | None
) -> Passage | None:
    """Choose what "tell me more" shows next.

    Order: the next-best search candidate on the same topic, then a passage the
    last answer lists as related (curated by the organisers).

    Args:
        index: The index to look passages up in.
        candidates: Ranked passage ids from the last search.
        last: Ids of the passages in the last answer.
        shown: Ids already shown in this conversation.
        topic: Topic of the last answer.
    """
    seen = set(shown) | set(last)
    ranked = [p for p in (index.get(pid) for pid in candidates) if p is not None]
    sources = [p for p in (index.get(pid) for pid in last) if p is not None]
    related = [p for p in (index.get(rid) for src in sources for rid in src.related) if p is not None]
    for group in ([p for p in ranked if p.topic == topic], related):
        for passage in group:
            if passage.id not in seen:
                return passage
    return None


def source_reply(passages: Sequence[Passage], lang: str = "en") -> Reply:
    """Return the full references behind the last answer (the studies' own English references)."""
    lines = []
    for p in passages:
        parts = []
        for cite in p.citations:
            part = say(lang, "section", reference=cite.reference, section=cite.section)
            if cite.participant:
                part += say(lang, "participant", participant=cite.participant)
            parts.append(part)
        lines.append(say(lang, "comes_from", title=p.title_in(lang), parts=say(lang, "and_from").join(parts)))
    text = "\n\n".join(lines)
    return Reply(kind=ANSWER, text=text, citations=tuple(passages), source_line=False, lang=lang)

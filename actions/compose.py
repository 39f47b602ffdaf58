"""Turn search hits into replies: answer, honest fallback, follow-up, source.

Pure functions over hits and passages, so the decisions are tested without a
server.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from actions.reply import ANSWER, CLARIFY, FALLBACK, Button, Reply
from knowledge import Hit, Index, Passage
from knowledge.decide import Decision
from knowledge.hits import NotCoveredMatch

#: Hits this far below the threshold are still offered as "did you mean" buttons.
SUGGEST_MARGIN = 0.05

WHO_TO_ASK = (
    "For practical questions about living or working in Japan, your supervisor, "
    "your contracting organisation or your prefectural advisor will know best."
)


def suggestions(index: Index, hits: Sequence[Hit], threshold: float, n: int = 3) -> list[Button]:
    """Offer up to ``n`` questions Senpai can answer.

    Near misses come first (as "did you mean"); the rest are the first example
    question of one passage per topic, so every suggestion is answerable.
    """
    picked: list[Passage] = [
        h.passage for h in hits if h.similarity >= threshold - SUGGEST_MARGIN and h.passage.questions
    ][:n]
    seen_topics = {p.topic for p in picked}
    for passage in index.passages:
        if len(picked) >= n:
            break
        if passage.questions and passage.topic not in seen_topics:
            picked.append(passage)
            seen_topics.add(passage.topic)
    return [Button(title=p.questions[0], payload=p.questions[0]) for p in picked[:n]]


def answer_reply(passages: Sequence[Passage]) -> Reply:
    """Return a cited answer built from passages."""
    return Reply(kind=ANSWER, text="\n\n".join(p.text for p in passages), citations=tuple(passages))


def clarify_reply(index: Index, decision: Decision) -> Reply:
    """Ask which of two close topics the user meant, with a button for each."""
    buttons = []
    for hit in decision.hits:
        passage = hit.passage
        topic = index.topics.get(passage.topic, passage.topic.replace("_", " "))
        payload = passage.questions[0] if passage.questions else passage.title
        buttons.append(Button(title=f"{topic}: {passage.title}", payload=payload))
    text = "I can answer that in two ways. Which did you mean?"
    return Reply(kind=CLARIFY, text=text, buttons=tuple(buttons))


def fallback_reply(
    index: Index, hits: Sequence[Hit], threshold: float, not_covered: NotCoveredMatch | None = None
) -> Reply:
    """Return the honest "I don't know" with questions Senpai can answer.

    Args:
        index: The index (for suggestions).
        hits: The search hits (near misses become "did you mean" suggestions).
        threshold: The answer threshold.
        not_covered: The topic the studies don't cover that the question
            matched, if any: the reply then names it and says who to ask for it
            (from ``knowledge/scope/not_covered.yaml``), instead of the general advice.
    """
    if not_covered is not None:
        covered = f"they don't cover {not_covered.topic.title}. {not_covered.topic.who_to_ask}"
    else:
        covered = "they don't cover it. " + WHO_TO_ASK
    text = (
        "I'm sorry, I don't know that. I only answer from two studies of JET ALTs "
        f"by T. Hiratsuka, and {covered} Here are things I can help with:"
    )
    return Reply(kind=FALLBACK, text=text, buttons=tuple(suggestions(index, hits, threshold)))


def studies_reply(index: Index, threshold: float) -> Reply:
    """Say which studies everything comes from, when no answer has been given to cite yet.

    "Where is that from?" or "what sources do you use?" at the start of a
    conversation asks about Senpai itself, so the reply lists the full
    reference of every study the index draws on.
    """
    references = list(dict.fromkeys(c.reference for p in index.passages for c in p.citations))
    text = (
        "I haven't quoted anything in this conversation yet. Everything I say comes from "
        + ("this study:" if len(references) == 1 else f"these {len(references)} studies:")
        + "\n\n"
        + "\n".join(f"• {reference}" for reference in references)
        + "\n\nAsk me something, and I'll tell you which section (and which participant) the answer draws on."
    )
    return nudge(index, text, threshold)


def nothing_to_follow(index: Index, message: str, threshold: float) -> Reply:
    """A follow-up ("why?", "who said that?") with no answer before it to follow: ask for a whole question."""
    text = (
        f"Happy to help, but I haven't answered anything yet for “{message}” to follow on from. "
        "Ask me a whole question, for example one of these:"
    )
    return nudge(index, text, threshold)


def nudge(index: Index, text: str, threshold: float) -> Reply:
    """A no-knowledge reply (nothing to follow up or cite yet) that offers questions to ask."""
    return Reply(kind=FALLBACK, text=text, buttons=tuple(suggestions(index, [], threshold)))


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


def source_reply(passages: Sequence[Passage]) -> Reply:
    """Return the full references behind the last answer."""
    lines = []
    for p in passages:
        parts = []
        for cite in p.citations:
            part = f"{cite.reference}, section “{cite.section}”"
            if cite.participant:
                part += f", drawing on what participant {cite.participant} said"
            parts.append(part)
        lines.append(f"“{p.title}” comes from " + "; and from ".join(parts) + ".")
    return Reply(kind=ANSWER, text="\n\n".join(lines), citations=tuple(passages), source_line=False)

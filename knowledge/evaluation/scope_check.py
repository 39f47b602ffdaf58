"""Check the not-covered topics against the passages, one question left out at a time.

Organisers grow ``knowledge/scope/not_covered.yaml`` whenever Senpai answers
something the studies don't cover. An example written too broadly then makes
Senpai refuse questions the passages do answer, and a topic with too few
examples lets its neighbours through. Both are invisible until a user trips
over them. :func:`check_scope` finds them from the corpus alone:

* each passage's example question is searched as if a user had typed it,
  with that question taken out of the index (its vector, and its words from
  the passage's BM25 document). If Senpai would then fall back, the question
  is *refused* when a not-covered topic wins (an example sits too close),
  and *below* when no passage clears the answer threshold without it (the
  threshold's business, not the topics');
* each not-covered example is searched the same way, without itself. If
  Senpai would then answer from a passage, it is *answered*: either the
  passages really cover it (delete or reword the example), or its topic needs
  more examples around it.

Both go through :func:`knowledge.search.decide.decide`, so the check applies the same
thresholds as the bot. Nothing is embedded: the stored vectors are reused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from knowledge.content.corpus import passage_views
from knowledge.search.decide import Policy, decide, outside_scope, scope_lead
from knowledge.search.hits import Hits, blend
from knowledge.search.index import Index
from knowledge.search.lexical import Bm25, query_terms


@dataclass(frozen=True)
class Conflict:
    """One example the scope rule gets wrong when it is left out of the index.

    Attributes:
        text: The example question.
        owner: The passage id (a refused question) or not-covered topic id
            (an answered example) it belongs to.
        rival: What won instead: the not-covered topic that refused it (``None``
            when it fell below the answer threshold), or the passage that answered it.
        lead: Best passage similarity minus best not-covered similarity.
        nearest: The rival's text closest to it in meaning: the not-covered
            example to reword, or the passage view that answered it.
    """

    text: str
    owner: str
    rival: str | None
    lead: float
    nearest: str | None = None


@dataclass(frozen=True)
class ScopeReport:
    """What :func:`check_scope` found.

    Attributes:
        refused: Passage questions a not-covered topic would refuse, most clearly refused first.
        answered: Not-covered examples Senpai would answer, most clearly answered first.
        questions: How many passage questions were checked.
        examples: How many not-covered examples were checked.
        below: Passage questions that, without themselves, clear no passage's
            answer threshold (no topic is to blame), weakest first.
    """

    refused: tuple[Conflict, ...]
    answered: tuple[Conflict, ...]
    questions: int
    examples: int
    below: tuple[Conflict, ...] = ()


def check_scope(index: Index, policy: Policy) -> ScopeReport:
    """Search every passage question and not-covered example with itself left out.

    Args:
        index: A built index with not-covered topics.
        policy: The thresholds the bot answers with.

    Returns:
        The refused passage questions and the answered not-covered examples.
    """
    vectors = index.vectors_matrix().astype(np.float64)
    starts = index.view_starts()
    owners = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(vectors))))
    passages, topics = index.passages, index.not_covered
    passage_docs = [passage_views(p, index.lang) for p in passages]
    topic_docs = [list(t.examples_in(index.lang)) for t in topics]
    lexical = _Documents(passage_docs, topic_docs, index.lexical_weight > 0, index.lang)

    texts = [view for doc in passage_docs for view in doc] + [e for doc in topic_docs for e in doc]

    def search_without(row: int, text: str) -> tuple[Hits, npt.NDArray[np.float64]]:
        dense = vectors @ vectors[row]
        dense[row] = -np.inf  # the question itself is not in the index
        best_view = np.full(len(starts), -np.inf)
        np.maximum.at(best_view, owners, dense)
        terms = query_terms(text, index.lang)
        scores = blend(best_view, lexical.scores_without(int(owners[row]), text, terms), index.lexical_weight)
        index.drop_named(terms, best_view, scores)  # as a search would
        return index.rank(best_view, scores, 1, second_gap=index.second_gap(text, without=row)), dense

    def nearest(dense: npt.NDArray[np.float64], owner: int) -> str:
        rows = np.flatnonzero(owners == owner)
        return texts[int(rows[np.argmax(dense[rows])])]

    refused, below, answered = [], [], []
    questions = 0
    for n, passage in enumerate(passages):
        for offset, view in enumerate(passage_docs[n]):
            if offset == 0:  # the title and text: not a question a user types
                continue
            questions += 1
            hits, dense = search_without(int(starts[n]) + offset, view)
            if decide(hits, policy).kind == "fallback":
                outside = outside_scope(hits, policy)
                if outside is None:  # below the answer threshold: no topic is to blame
                    below.append(Conflict(view, passage.id, None, _lead(hits)))
                    continue
                rival = len(passages) + topics.index(outside.topic)
                refused.append(
                    Conflict(view, passage.id, outside.topic.id, _lead(hits), nearest(dense, rival))
                )
    examples = 0
    for m, topic in enumerate(topics):
        for offset, example in enumerate(topic_docs[m]):
            examples += 1
            hits, dense = search_without(int(starts[len(passages) + m]) + offset, example)
            if decide(hits, policy).kind != "fallback":
                best = passages.index(hits[0].passage)
                answered.append(Conflict(example, topic.id, hits[0].id, _lead(hits), nearest(dense, best)))
    return ScopeReport(
        refused=tuple(sorted(refused, key=lambda c: c.lead)),
        answered=tuple(sorted(answered, key=lambda c: -c.lead)),
        questions=questions,
        examples=examples,
        below=tuple(sorted(below, key=lambda c: c.lead)),
    )


class _Documents:
    """BM25 over the passages and the not-covered topics, able to leave one example out."""

    def __init__(
        self, passages: Sequence[list[str]], topics: Sequence[list[str]], enabled: bool, lang: str = "en"
    ) -> None:
        self.passages, self.topics, self.enabled, self.lang = passages, topics, enabled, lang
        self._full = (Bm25([" ".join(d) for d in passages], lang), Bm25([" ".join(d) for d in topics], lang))

    def scores_without(self, owner: int, text: str, terms: Sequence[str]) -> npt.NDArray[np.float64]:
        """BM25 of ``text`` (split into ``terms``) against every document, with it taken out of ``owner``."""
        count = len(self.passages) + len(self.topics)
        if not self.enabled:
            return np.zeros(count)
        side = 0 if owner < len(self.passages) else 1
        docs = [list(d) for d in (self.passages if side == 0 else self.topics)]
        docs[owner if side == 0 else owner - len(self.passages)].remove(text)
        without = Bm25([" ".join(d) for d in docs], self.lang).score_terms(terms)
        other = self._full[1 - side].score_terms(terms)
        return np.concatenate([without, other] if side == 0 else [other, without]).astype(np.float64)


def refused_questions(index: Index, policy: Policy, asked: Sequence[tuple[str, str]]) -> list[Conflict]:
    """The questions (not in the index: a fact inventory's) that the not-covered topics would refuse.

    Args:
        index: The built index.
        policy: The bot's thresholds.
        asked: ``(owner, question)`` pairs, e.g. a fact's id and one of its questions.

    Returns:
        One :class:`Conflict` per refused question, most clearly refused first.
    """
    found = []
    for owner, question in asked:
        hits = index.search(question, 8)
        outside = outside_scope(hits, policy)
        if outside is not None:
            nearest = max(
                outside.topic.examples, key=lambda e: len(set(query_terms(e)) & set(query_terms(question)))
            )
            found.append(Conflict(question, owner, outside.topic.id, _lead(hits), nearest))
    return sorted(found, key=lambda c: c.lead)


def _lead(hits: Hits) -> float:
    lead = scope_lead(hits)
    return float("inf") if lead is None else lead

"""The answer / clarify / fallback decision, on hits over the tiny corpus."""

from __future__ import annotations

from knowledge import Corpus, Hit
from knowledge.decide import Policy, decide


def hits(corpus: Corpus, *scored: tuple[str, float]) -> list[Hit]:
    return [Hit(corpus.get(pid), s, s, rank) for rank, (pid, s) in enumerate(scored, 1)]


def test_below_threshold_falls_back(tiny_corpus: Corpus) -> None:
    assert decide(hits(tiny_corpus, ("programme-start", 0.44)), Policy(threshold=0.45)).kind == "fallback"
    assert decide([], Policy()).kind == "fallback"


def test_single_strong_answer(tiny_corpus: Corpus) -> None:
    d = decide(hits(tiny_corpus, ("programme-start", 0.8), ("team-planning", 0.5)), Policy(threshold=0.45))
    assert d.kind == "answer" and [h.id for h in d.hits] == ["programme-start"]


def test_two_strong_passages_on_one_topic_are_both_used(tiny_corpus: Corpus) -> None:
    d = decide(hits(tiny_corpus, ("programme-start", 0.80), ("programme-aims", 0.78)), Policy(threshold=0.45))
    assert [h.id for h in d.hits] == ["programme-start", "programme-aims"]


def test_second_passage_needs_strength_and_closeness(tiny_corpus: Corpus) -> None:
    policy = Policy(threshold=0.45)
    weak = decide(hits(tiny_corpus, ("programme-start", 0.56), ("programme-aims", 0.54)), policy)
    far = decide(hits(tiny_corpus, ("programme-start", 0.90), ("programme-aims", 0.70)), policy)
    assert len(weak.hits) == 1 and len(far.hits) == 1


def test_close_hits_on_different_topics_ask_which(tiny_corpus: Corpus) -> None:
    close = hits(tiny_corpus, ("programme-start", 0.70), ("team-planning", 0.69))
    assert decide(close, Policy(threshold=0.45, clarify_margin=0.02)).kind == "clarify"
    assert decide(close, Policy(threshold=0.45, clarify_margin=0.0)).kind == "answer"  # off
    apart = hits(tiny_corpus, ("programme-start", 0.70), ("team-planning", 0.60))
    assert decide(apart, Policy(threshold=0.45, clarify_margin=0.02)).kind == "answer"
    weak_second = hits(tiny_corpus, ("programme-start", 0.46), ("team-planning", 0.44))
    assert decide(weak_second, Policy(threshold=0.45, clarify_margin=0.05)).kind == "answer"

"""The answer / clarify / fallback decision, on hits over the tiny corpus."""

from __future__ import annotations

from dataclasses import replace

import pytest

from knowledge import Corpus, Hit, Hits, NotCoveredMatch
from knowledge.search.decide import ENGLISH, JAPANESE, NAMED_TOPIC_FLOOR, Policy, decide, scope_lead


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


def test_close_hits_on_different_topics_are_both_answered_when_they_fit(tiny_corpus: Corpus) -> None:
    close = hits(tiny_corpus, ("programme-start", 0.70), ("team-planning", 0.69))
    both = decide(close, Policy(threshold=0.45, clarify_margin=0.02))
    assert both.kind == "answer" and [h.id for h in both.hits] == ["programme-start", "team-planning"]
    apart = hits(tiny_corpus, ("programme-start", 0.70), ("team-planning", 0.60))
    assert [h.id for h in decide(apart, Policy(threshold=0.45, clarify_margin=0.02)).hits] == [
        "programme-start"
    ]
    weak_second = hits(tiny_corpus, ("programme-start", 0.46), ("team-planning", 0.44))
    assert len(decide(weak_second, Policy(threshold=0.45, clarify_margin=0.05)).hits) == 1


def test_clarify_only_when_two_close_topics_do_not_fit_in_one_reply(tiny_corpus: Corpus) -> None:
    long = "word " * 130
    start, planning = (
        replace(tiny_corpus.get(pid), text=long) for pid in ("programme-start", "team-planning")
    )
    close = [Hit(start, 0.70, 0.70, 1), Hit(planning, 0.69, 0.69, 2)]
    assert decide(close, Policy(threshold=0.45, clarify_margin=0.02)).kind == "clarify"
    assert decide(close, Policy(threshold=0.45, clarify_margin=0.0)).kind == "answer"  # off


def test_the_threshold_is_tested_on_each_passages_own_similarity(tiny_corpus: Corpus) -> None:
    """A prior may promote a weak passage above one that clears the threshold: the strong one answers."""
    promoted = [
        Hit(
            tiny_corpus.get("team-planning"), score=0.50, similarity=0.44, rank=1
        ),  # below, lifted by a prior
        Hit(tiny_corpus.get("programme-start"), score=0.48, similarity=0.48, rank=2),
    ]
    d = decide(promoted, Policy(threshold=0.45))
    assert d.kind == "answer" and [h.id for h in d.hits] == ["programme-start"]


def test_two_versions_of_a_finding_give_one_answer_for_the_users_role(tiny_corpus: Corpus) -> None:
    general = tiny_corpus.get("team-planning")
    for_jtes = replace(tiny_corpus.get("team-for-local-teachers"), version_of=general.id)
    close = [Hit(for_jtes, 0.70, 0.70, 1), Hit(general, 0.69, 0.69, 2)]
    policy = Policy(threshold=0.45, clarify_margin=0.05)
    assert [h.id for h in decide(close, policy, "jte").hits] == ["team-for-local-teachers"]
    assert [h.id for h in decide(close, policy, "alt").hits] == ["team-planning"]
    assert [h.id for h in decide(close, policy).hits] == ["team-planning"]  # role unknown: the general one


def standard(corpus: Corpus, mean: float, spread: float, *scored: tuple[str, float]) -> Hits:
    return Hits(hits(corpus, *scored), language="ja", mean=mean, spread=spread)


def test_the_standard_scale_reads_scores_against_the_querys_own(tiny_corpus: Corpus) -> None:
    """e5 scores almost anything 0.86-0.99: what counts is how far a passage stands out."""
    policy = Policy(threshold=0.5, scale="standard", z_threshold=2.0, second_margin=0.5, scope_margin=None)
    stands_out = standard(tiny_corpus, 0.90, 0.01, ("programme-start", 0.93), ("programme-aims", 0.91))
    assert [h.id for h in decide(stands_out, policy).hits] == ["programme-start"]  # 3.0 sd out; the next 1.0
    flat = standard(tiny_corpus, 0.92, 0.01, ("programme-start", 0.93), ("programme-aims", 0.925))
    assert decide(flat, policy).kind == "fallback"  # 1.0 sd: nothing stands out, however high the raw score
    pair = standard(tiny_corpus, 0.90, 0.01, ("programme-start", 0.93), ("programme-aims", 0.927))
    assert [h.id for h in decide(pair, policy).hits] == ["programme-start", "programme-aims"]  # 0.3 sd apart


def scoped(corpus: Corpus, outside: tuple[str, float], *scored: tuple[str, float]) -> Hits:
    topic = next(t for t in corpus.not_covered if t.id == outside[0])
    return Hits(hits(corpus, *scored), NotCoveredMatch(topic, outside[1]))


def test_a_closer_not_covered_topic_falls_back_and_names_it(tiny_corpus: Corpus) -> None:
    policy = Policy(threshold=0.3, scope_margin=0.05)
    beaten = decide(scoped(tiny_corpus, ("weather", 0.62), ("programme-start", 0.6)), policy)
    assert beaten.kind == "fallback" and beaten.hits == ()
    assert beaten.not_covered is not None and beaten.not_covered.topic.id == "weather"
    # The passage must lead by more than the margin...
    within = decide(scoped(tiny_corpus, ("weather", 0.56), ("programme-start", 0.6)), policy)
    assert within.kind == "fallback" and within.not_covered is not None
    # ...and answers when it does.
    ahead = decide(scoped(tiny_corpus, ("weather", 0.5), ("programme-start", 0.6)), policy)
    assert ahead.kind == "answer" and ahead.not_covered is None
    assert [h.id for h in ahead.hits] == ["programme-start"]


def with_cosines(
    corpus: Corpus, outside: tuple[str, float, float], passage: tuple[str, float, float]
) -> Hits:
    """One passage hit and a not-covered topic, each as (id, blended similarity, best cosine)."""
    topic = next(t for t in corpus.not_covered if t.id == outside[0])
    pid, similarity, cosine = passage
    return Hits(
        hits(corpus, (pid, similarity)), NotCoveredMatch(topic, outside[1], cosine=outside[2]), cosine=cosine
    )


def test_refusing_needs_the_meaning_to_agree(tiny_corpus: Corpus) -> None:
    policy = Policy(threshold=0.3, scope_margin=0.05)
    # Blended scores put the topic within the margin, but in meaning the passage
    # leads by 0.11: keywords shared with the topic's examples do not refuse it.
    words_only = with_cosines(tiny_corpus, ("weather", 0.40, 0.44), ("programme-start", 0.42, 0.55))
    assert scope_lead(words_only) == pytest.approx(0.11)
    assert decide(words_only, policy).kind == "answer"
    # Both agree the topic is as close: refused, and the topic is named.
    both = with_cosines(tiny_corpus, ("weather", 0.40, 0.50), ("programme-start", 0.42, 0.53))
    assert scope_lead(both) == pytest.approx(0.03)
    refused = decide(both, policy)
    assert refused.kind == "fallback" and refused.not_covered is not None
    # A passage ahead on the blended score only needs that lead.
    blended = with_cosines(tiny_corpus, ("weather", 0.30, 0.60), ("programme-start", 0.42, 0.50))
    assert scope_lead(blended) == pytest.approx(0.12)
    assert decide(blended, policy).kind == "answer"
    # Without cosines (hand-made hits, or a plain list) only the blended lead counts.
    assert scope_lead(scoped(tiny_corpus, ("weather", 0.40), ("programme-start", 0.42))) == pytest.approx(
        0.02
    )
    assert scope_lead(hits(tiny_corpus, ("programme-start", 0.42))) is None


def test_a_second_encoders_opinion_moves_the_scope_lead(tiny_corpus: Corpus) -> None:
    policy = Policy(threshold=0.3, scope_margin=0.05, second_weight=6.0, second_centre=0.05)
    ahead = with_cosines(tiny_corpus, ("weather", 0.30, 0.40), ("programme-start", 0.42, 0.45))
    assert scope_lead(ahead, policy) == pytest.approx(0.12) and decide(ahead, policy).kind == "answer"
    # The second encoder finds a not-covered example nearer than any passage view: refused.
    ahead.second_gap = -0.02
    assert scope_lead(ahead, policy) == pytest.approx(0.12 + 6.0 * (-0.02 - 0.05))
    refused = decide(ahead, policy)
    assert refused.kind == "fallback" and refused.not_covered is not None
    # At its centre it is neutral; well above, it adds to the lead.
    ahead.second_gap = 0.05
    assert scope_lead(ahead, policy) == pytest.approx(0.12)
    ahead.second_gap = 0.15
    assert scope_lead(ahead, policy) == pytest.approx(0.72)
    # A policy that does not weigh it (the English one, the default) ignores it.
    ahead.second_gap = -0.5
    assert scope_lead(ahead, replace(policy, second_weight=0.0)) == pytest.approx(0.12)
    assert JAPANESE.second_weight > 0 and ENGLISH.second_weight == 0 and Policy().second_weight == 0


def test_not_covered_side_can_be_ignored(tiny_corpus: Corpus) -> None:
    close = scoped(tiny_corpus, ("cooking", 0.7), ("programme-start", 0.6))
    assert decide(close, Policy(threshold=0.3, scope_margin=None)).kind == "answer"
    assert decide(list(close), Policy(threshold=0.3)).kind == "answer"  # a plain list carries none


def test_low_similarity_falls_back_without_a_topic(tiny_corpus: Corpus) -> None:
    low = decide(scoped(tiny_corpus, ("cooking", 0.1), ("programme-start", 0.3)), Policy(threshold=0.45))
    assert low.kind == "fallback" and low.not_covered is None
    empty = decide(Hits([], NotCoveredMatch(tiny_corpus.not_covered[0], 0.4)), Policy())
    assert empty.kind == "fallback" and empty.not_covered is not None


def test_a_vague_not_covered_match_is_not_named(tiny_corpus: Corpus) -> None:
    vague = decide(
        scoped(tiny_corpus, ("cooking", NAMED_TOPIC_FLOOR - 0.01), ("programme-start", 0.12)), Policy()
    )
    assert vague.kind == "fallback" and vague.not_covered is None

"""The scope check: passage questions the not-covered topics would refuse, and the reverse."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from knowledge import Corpus, Index, NotCoveredTopic, build_index
from knowledge.encoders.sentence import SentenceTransformerEncoder
from knowledge.evaluation.scope_check import check_scope
from knowledge.search.decide import Policy, decide, scope_lead

POLICY = Policy(threshold=0.15, scope_margin=0.065)

#: Written too broadly: it asks what a passage of the tiny corpus answers.
HISTORY = NotCoveredTopic(
    id="history",
    title="history",
    who_to_ask="A history book.",
    examples=(
        "what year did the programme start",
        "who won the war of 1812",
        "when was the printing press invented",
    ),
)


def _index(corpus: Corpus, encoder: SentenceTransformerEncoder, *extra: NotCoveredTopic) -> Index:
    return build_index(
        corpus.passages, encoder, topics=corpus.topics, not_covered=(*corpus.not_covered, *extra)
    )


def test_a_well_separated_corpus_has_no_refused_questions(
    tiny_corpus: Corpus, encoder: SentenceTransformerEncoder
) -> None:
    report = check_scope(_index(tiny_corpus, encoder), POLICY)
    assert report.refused == () and report.below == ()
    assert report.questions == sum(len(p.questions) for p in tiny_corpus.passages)
    assert report.examples == sum(len(t.examples) for t in tiny_corpus.not_covered)
    # Every weather or cooking example is still refused with itself left out: its siblings cover it.
    assert report.answered == ()


@pytest.mark.parametrize("lexical_weight", [0.0, 0.5])
def test_a_not_covered_example_that_a_passage_answers_is_reported_both_ways(
    tiny_corpus: Corpus, encoder: SentenceTransformerEncoder, lexical_weight: float
) -> None:
    index = _index(tiny_corpus, encoder, HISTORY).with_lexical_weight(lexical_weight)
    question, example = "When did the programme start?", "what year did the programme start"
    hits = index.search(question)
    assert hits.not_covered is not None
    assert hits[0].id == "programme-start" and hits[0].similarity > hits.not_covered.similarity

    report = check_scope(index, POLICY)

    refused = {c.text: c for c in report.refused}
    conflict = refused[question]
    assert (conflict.owner, conflict.rival, conflict.nearest) == ("programme-start", "history", example)
    # Left out, the question's own vector and words no longer hold its passage up: it clearly loses.
    # (Searched with itself in the index it would lead, as above.)
    assert conflict.lead < -0.1
    assert all(c.owner.startswith(("programme", "team")) for c in report.refused)

    answered = {c.text: c for c in report.answered}
    assert (answered[example].rival, answered[example].nearest) == ("programme-start", question)
    assert answered[example].lead > 0.3  # with itself in, its topic would still be close (lead about 0.1)
    assert "who won the war of 1812" not in answered


def test_a_topic_named_out_of_by_a_question_cannot_refuse_it(
    tiny_corpus: Corpus, encoder: SentenceTransformerEncoder
) -> None:
    # "programme" names the passages' own subject: HISTORY may no longer refuse a question using it.
    index = _index(tiny_corpus, encoder, replace(HISTORY, unless_words=("programme",)))
    report = check_scope(index, POLICY)
    assert "When did the programme start?" not in {c.text for c in report.refused}
    assert decide(index.search("When did the programme start?"), POLICY).kind == "answer"
    # A question that doesn't name it is still the topic's to refuse.
    assert report.refused and all("programme" not in c.text.lower() for c in report.refused)
    # Its own example names the word too, so a search (and the check) answers it from the passage.
    assert "what year did the programme start" in {c.text for c in report.answered}


#: Shares "how many people" with a passage question, but means something else.
CROWDS = NotCoveredTopic(
    id="crowds",
    title="populations and sizes",
    who_to_ask="An atlas.",
    examples=(
        "how many people live in Tokyo",
        "how many people are in a football team",
        "how big is the moon",
    ),
)


@pytest.mark.parametrize("extra", [HISTORY, CROWDS], ids=["history", "crowds"])
def test_leaving_a_question_out_is_searching_an_index_built_without_it(
    tiny_corpus: Corpus, encoder: SentenceTransformerEncoder, extra: NotCoveredTopic
) -> None:
    topics = (*tiny_corpus.not_covered, extra)
    index = build_index(tiny_corpus.passages, encoder, topics=tiny_corpus.topics, not_covered=topics)
    assert index.lexical_weight > 0  # BM25 takes part, as in the bot
    report = check_scope(index, POLICY)
    refused = {c.text: c.lead for c in (*report.refused, *report.below)}
    rebuilt = {}
    for passage in tiny_corpus.passages:
        for question in passage.questions:
            without = [
                replace(p, questions=tuple(q for q in p.questions if q != question)) if p is passage else p
                for p in tiny_corpus.passages
            ]
            hits = build_index(without, encoder, topics=tiny_corpus.topics, not_covered=topics).search(
                question
            )
            rebuilt[question] = hits
            assert (decide(hits, POLICY).kind == "fallback") == (question in refused), question
            if question in refused:
                assert refused[question] == pytest.approx(scope_lead(hits), abs=1e-4)
    if extra is HISTORY:
        assert "When did the programme start?" in refused
        return
    # "how many people" brings CROWDS within the margin on the blended score, but
    # in meaning the question is clearly the passage's: neither the bot nor the
    # check refuses it.
    hits = rebuilt["How many people are on the programme?"]
    assert hits.not_covered is not None and hits.not_covered.topic.id == "crowds"
    lead = scope_lead(hits)
    assert lead is not None and hits[0].similarity - hits.not_covered.similarity <= POLICY.scope_margin < lead
    assert not refused


def test_check_scope_command_reports_json_and_fails_strictly(
    corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from senpai.cli import main

    monkeypatch.setenv("SENPAI_CORPUS_DIR", str(corpus_dir))
    monkeypatch.setenv("SENPAI_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("SENPAI_ENCODER_BACKEND", "torch")
    assert main(["check-scope"]) == 1  # no index yet: a clear error, not a traceback
    assert "build-index" in capsys.readouterr().err

    assert main(["build-index", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["check-scope", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["questions"] == 7 and report["examples"] > 100  # the shipped not-covered topics
    for conflict in report["refused"]:
        assert set(conflict) == {"text", "owner", "rival", "lead", "nearest"} and conflict["rival"]
    assert all(conflict["rival"] is None for conflict in report["below"])
    japanese = report["japanese"]  # the Japanese questions_ja against the examples_ja, checked alike
    assert japanese["questions"] == 7 and japanese["examples"] > 100
    assert main(["check-scope", "--strict"]) == (1 if report["refused"] or japanese["refused"] else 0)
    assert "passage questions a not-covered topic would refuse" in capsys.readouterr().out

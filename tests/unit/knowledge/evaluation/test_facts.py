"""The fact inventory and `senpai eval --facts`: the maths, the checks, the real inventory's validity."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from knowledge import Corpus, Index, load_corpus
from knowledge.evaluation.facts import REFUSED_THRESHOLD, Asked, Fact, load_facts, questions, score
from knowledge.search.decide import Policy
from senpai.evaluation.fact_turns import ask_offline
from settings import PROJECT_ROOT

TEXTS = {"programme-start": "The exchange programme began in 1987.", "team-planning": "Five minutes helped."}


def fact(fid: str, pattern: str, *asked: str, passages: tuple[str, ...] = ("programme-start",)) -> Fact:
    return Fact(fid, "", re.compile(pattern, re.I), asked or ("q",), passages)


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "facts.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def test_score_counts_the_answer_text_not_the_passage_id() -> None:
    start, five = fact("start", r"1987", "q1", "q2"), fact("five", r"\b(5|five)\b", "q3")
    asked = [
        Asked(start, "q1", "answer", "It began in 1987.", ("programme-start",)),
        Asked(start, "q2", "answer", "It has two aims.", ("programme-start",)),  # right passage, no fact
        Asked(five, "q3", "fallback", "I'm sorry, I don't know that.", (), REFUSED_THRESHOLD),
    ]
    report = score(asked)
    assert (report.facts, report.questions, report.found) == (2, 3, 1)
    assert report.recall == pytest.approx(1 / 3)
    assert report.facts_found == 0  # "start" was missed on one of its two questions
    assert report.kinds == {"answer": 2, "fallback": 1}
    assert [m["q"] for m in report.misses] == ["q2", "q3"]
    assert [r["q"] for r in report.refused_threshold] == ["q3"] and report.refused_not_covered == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("facts: []", "non-empty 'facts'"),
        (
            "facts:\n  - {id: a, pattern: '1987', questions: [q], passages: [programme-start]}\n"
            "  - {id: a, pattern: '1987', questions: [q], passages: [programme-start]}",
            "duplicate id",
        ),
        (
            "facts:\n  - {id: a, pattern: '(', questions: [q], passages: [programme-start]}",
            "does not compile",
        ),
        ("facts:\n  - {id: a, pattern: '1987', questions: [], passages: [programme-start]}", "one or two"),
        ("facts:\n  - {id: a, pattern: '1987', questions: [q], passages: [nowhere]}", "unknown passage"),
        ("facts:\n  - {id: a, pattern: '1987', questions: [q], passages: []}", "names no passage"),
        (
            "facts:\n  - {id: a, pattern: '1988', questions: [q],"
            " passages: [programme-start, team-planning]}",
            "matches none",
        ),
    ],
)
def test_a_broken_inventory_is_refused_with_the_fact_named(tmp_path: Path, body: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        load_facts(write(tmp_path, body), TEXTS)


def test_ask_offline_goes_through_decide_and_shows_what_the_user_sees(tiny_index: Index) -> None:
    facts = [
        fact("start", r"1987", "what year did the exchange programme begin?"),
        fact("aims", r"grassroots", "what is the programme for?", passages=("programme-aims",)),
        fact("bread", r"flour", "how do I bake sourdough bread at home?"),
    ]
    asked = ask_offline(tiny_index, Policy(threshold=0.45), facts)
    assert [(a.fact.id, a.kind) for a in asked] == [
        ("start", "answer"),
        ("aims", "answer"),
        ("bread", "fallback"),
    ]
    assert asked[0].found and asked[0].cited == ("programme-start",)
    assert asked[1].found
    assert not asked[2].found and asked[2].refused and asked[2].refused.startswith("not covered: cooking")
    assert "I'm sorry, I don't know that" in asked[2].text


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


def test_the_inventory_is_valid_against_the_corpus(corpus: Corpus) -> None:
    """Every fact names passages that exist, and its pattern matches one of them (load_facts checks)."""
    facts = load_facts(PROJECT_ROOT / "eval" / "facts.yaml", {p.id: p.text for p in corpus.passages})
    assert len(facts) >= 200
    assert {f.id.split("-")[0] for f in facts} == {"pd", "id"}  # both studies
    asked = questions(facts)
    assert len({q.lower() for _, q in asked}) == len(asked)  # no question twice
    own = {q.lower() for p in corpus.passages for q in p.questions}
    assert not [q for _, q in asked if q.lower() in own]  # fresh questions, not the passages' own

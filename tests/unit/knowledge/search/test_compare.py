"""Questions that compare the two studies: told by their wording, answered from a passage of each."""

from __future__ import annotations

import pytest

from knowledge import Corpus, Hit, Hits
from knowledge.search.compare import about, compares, one_of_each
from knowledge.search.decide import Policy


@pytest.mark.parametrize(
    ("text", "comparing"),
    [
        ("did both studies interview former ALTs?", True),
        ("which study had longer interviews?", True),
        ("how many people took part in each study", True),
        ("compare how the two studies analysed their interviews", True),
        ("2つの研究はそれぞれ何人にインタビューしましたか？", True),
        ("どちらの研究のほうがインタビューが長かったですか？", True),
        ("how long were the interviews in the PD study?", False),
        ("which JTE should I ask?", False),
        ("I study Japanese every evening", False),
    ],
)
def test_a_comparison_is_told_by_its_wording(text: str, comparing: bool) -> None:
    assert compares(text) is comparing


def test_the_comparison_is_asked_of_each_study_in_turn() -> None:
    assert about("where was each study published?", "PD study") == "where was PD study published?"
    assert (
        about("2つの研究の限界は？", "PD研究") == "PD研究の限界は？"
    )  # no garbled Japanese (RE2's templates)
    assert about("compare the methods", "identity study") == "compare the methods identity study"


def test_one_of_each_takes_the_best_passage_of_each_study(tiny_corpus: Corpus) -> None:
    def hit(pid: str, similarity: float, rank: int) -> Hit:
        return Hit(tiny_corpus.get(pid), similarity, similarity, rank)

    # programme-* cite study A, team-* study B (tests/conftest.py)
    hits = Hits([hit("programme-start", 0.9, 1), hit("programme-aims", 0.8, 2), hit("team-planning", 0.7, 3)])
    pair = one_of_each(hits, Policy(threshold=0.5))
    assert pair is not None and [h.id for h in pair] == ["programme-start", "team-planning"]
    assert one_of_each(hits, Policy(threshold=0.75)) is None  # study B's passage does not clear the bar

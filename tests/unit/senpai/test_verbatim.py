"""Our own words: no run of nine words copied from the studies in the corpus, NLU data or eval sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from senpai.verbatim import Papers, check, our_words
from settings import PROJECT_ROOT

PAPER = "The quick brown fox jumps over the lazy dog while the cat sleeps soundly by the fire."
SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"


def test_a_copied_run_is_found_however_it_is_punctuated() -> None:
    papers = Papers([PAPER])
    copied = "Note: the QUICK brown fox, jumps over the lazy dog -- while the cat sleeps. Fine."
    [run] = papers.shared("f", copied)
    assert run.words == "the quick brown fox jumps over the lazy dog while the cat sleeps"


def test_eight_shared_words_are_not_a_copy() -> None:
    assert Papers([PAPER]).shared("f", "a quick brown fox jumps over the lazy dog, said nobody") == []


def test_the_files_in_our_own_words_include_the_corpus_and_eval_sets_but_not_the_bibliography() -> None:
    names = {p.relative_to(PROJECT_ROOT).as_posix() for p in our_words(PROJECT_ROOT)}
    assert "knowledge/corpus/jte.yaml" in names and "eval/devset.yaml" in names
    assert "knowledge/scope/not_covered.yaml" in names and "data/nlu/jte.yml" in names
    assert "knowledge/corpus/sources.yaml" not in names  # the papers' titles, cited


@pytest.mark.skipif(not list(SEEDS.glob("*.txt")), reason=f"the studies are not at {SEEDS}")
def test_nothing_in_our_own_words_is_copied_from_the_studies() -> None:
    papers = Papers(p.read_text(encoding="utf-8", errors="replace") for p in sorted(SEEDS.glob("*.txt")))
    assert check(papers, our_words(PROJECT_ROOT), PROJECT_ROOT) == []


def test_check_names_files_inside_and_outside_the_project(tmp_path: Path) -> None:
    outside = tmp_path / "draft.yaml"
    outside.write_text("the quick brown fox jumps over the lazy dog while")
    [found] = check(Papers([PAPER]), [outside], PROJECT_ROOT)
    assert found.file == str(outside)

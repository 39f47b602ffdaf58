"""Our own words: nothing copied from the studies, nor from the web posts the real-style sets paraphrase."""

from __future__ import annotations

from pathlib import Path

import pytest

from senpai.verbatim import Papers, check, english, japanese, our_words, real_sets, sources
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


POST = (
    "Long story short, my JTE never tells me what the lesson is until we walk into the room. "
    "中学校で英語を教えていますが、ALTとの授業がいつもぎこちなくて困っています。"
)


def test_six_words_of_a_web_post_are_a_copy_but_five_are_not(tmp_path: Path) -> None:
    copied = tmp_path / "real-x.yaml"
    copied.write_text("q: honestly my JTE never tells me what the plan is", encoding="utf-8")
    own = tmp_path / "real-y.yaml"
    own.write_text("q: honestly my JTE never tells me anything beforehand", encoding="utf-8")
    [found] = check(sources([POST]), [copied, own], PROJECT_ROOT)
    assert (found.file, found.words) == (str(copied), "my jte never tells me what the")


def test_twelve_japanese_characters_of_a_post_are_a_copy_however_punctuated(tmp_path: Path) -> None:
    draft = tmp_path / "real-ja.yaml"
    # Full-width letters, a space and commas do not hide the post's 「…すが、ALTとの授業がいつもぎこちな」.
    draft.write_text("q: 高校ですが、ＡＬＴとの 授業が、いつもぎこちないです。", encoding="utf-8")
    [found] = check(sources([POST]), [draft], PROJECT_ROOT)
    assert found.words == "すがaltとの授業がいつもぎこちな"
    draft.write_text("q: 高校ですが、ALTと組む授業がどうもぎこちないです。", encoding="utf-8")
    assert check(sources([POST]), [draft], PROJECT_ROOT) == []


def test_latin_words_scattered_through_japanese_are_not_a_run_of_english(tmp_path: Path) -> None:
    post = "JETのALTと、NON-JETのALTでは待遇が違うそうです。"
    draft = tmp_path / "real-ja.yaml"
    draft.write_text("q: 国が関わるJETのALTと、派遣のNON-JETのALTは何が違いますか", encoding="utf-8")
    assert english(post) == ["jet", "\u2029", "alt", "\u2029", "non", "jet", "\u2029", "alt", "\u2029"]
    assert check(sources([post]), [draft], PROJECT_ROOT) == []


def test_the_address_a_message_cites_is_not_a_copy_of_its_page(tmp_path: Path) -> None:
    post = "How included do you feel in your staffroom? Tell me below."
    draft = tmp_path / "real-en.yaml"
    draft.write_text(
        "  # https://example.org/how-included-do-you-feel-in-your-staffroom\n  - q: do JTEs talk to you\n",
        encoding="utf-8",
    )
    assert check(sources([post]), [draft], PROJECT_ROOT, comments=False) == []
    assert check(sources([post]), [draft], PROJECT_ROOT) != []


def test_japanese_tokens_are_characters_with_latin_words_kept_whole() -> None:
    assert japanese("ＪＥＴの２０１９年、「先生」です。") == [
        "jet",
        "の",
        "2019",
        "年",
        "先",
        "生",
        "で",
        "す",
    ]


def test_the_real_style_sets_are_the_ones_checked_against_their_sources() -> None:
    names = {p.name for p in real_sets(PROJECT_ROOT)}
    assert {"real-en.yaml", "real-ja.yaml", "real-heldout.yaml", "real-heldout-3.yaml"} <= names
    assert "devset.yaml" not in names

"""The real-style evaluation: its sets load and check, and its scoring counts what users get."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge import load_corpus
from senpai.evaluation.real import (
    DEVELOPMENT,
    HELD_OUT,
    Message,
    Reply,
    length_band,
    load,
    properties,
    sentences,
    summary,
    table,
    with_versions,
)


def message(expect: str = "answer", **fields: object) -> Message:
    base: dict[str, object] = {"q": "q?", "lang": "en", "who": "alt", "voice": "plain", "expect": expect}
    return Message(**{**base, **fields})  # type: ignore[arg-type]


def test_an_answer_is_right_when_it_shows_a_named_passage_and_a_fallback_when_it_answers_nothing() -> None:
    asked = message(relevant=("a", "b"))
    assert Reply(asked, "answer", ("b",)).right  # any passage shown
    assert Reply(asked, "answer", ("x", "a")).right and not Reply(asked, "answer", ("x", "a")).first_right
    assert not Reply(asked, "clarify", ("a", "b")).right  # a question back is not an answer
    assert not Reply(asked, "fallback", ()).right
    refused = message("fallback", not_covered="money-tax-banking")
    assert Reply(refused, "fallback", ()).right
    assert not Reply(refused, "answer", ("a",)).right and Reply(refused, "clarify", ()).answered


def test_another_audiences_version_of_a_named_passage_counts() -> None:
    versions = {"jte-b": "b", "jte-c": "c"}
    assert with_versions(["b"], versions) == ("b", "jte-b")
    assert with_versions(["jte-c"], versions) == ("c", "jte-c")


def test_properties_of_a_message() -> None:
    long = message(q="I have been here a month. " * 10 + "Is this normal")
    assert length_band(long) == "long" and sentences(long.q) == 11
    assert properties(long)["question mark"] == "no" and properties(long)["sentences"] == "4+"
    ja = message(q="ALTって何をする人？", lang="ja")
    assert length_band(ja) == "short" and properties(ja)["question mark"] == "yes"


def test_summary_reports_each_language_and_the_answered_share_of_fallbacks() -> None:
    replies = [
        Reply(message(relevant=("a",)), "answer", ("a",)),
        Reply(message(relevant=("a",)), "fallback", ()),
        Reply(message("fallback", not_covered="t"), "answer", ("a",)),
        Reply(message("fallback", not_covered="t", lang="ja"), "fallback", ()),
    ]
    report = summary(replies)
    assert report["en"]["accuracy"] == pytest.approx(1 / 3, abs=0.001)
    assert report["en"]["fallback_labelled"] == {"n": 1, "accuracy": 0.0, "answered": 1.0}
    assert report["ja"]["accuracy"] == 1.0
    assert table(report).splitlines()[0].startswith("en: 3 messages, accuracy 0.333")


def test_a_set_with_only_one_kind_of_label_is_reported_with_dashes() -> None:
    report = summary([Reply(message(relevant=("a",)), "answer", ("a",))])  # no fallback-labelled message
    assert report["en"]["fallback_labelled"] == {"n": 0, "accuracy": None, "answered": None}
    assert "fallback-labelled - of 0 (- answered)" in table(report)
    only_fallbacks = summary([Reply(message("fallback", not_covered="t"), "fallback", ())])
    assert "answer-labelled - of 0" in table(only_fallbacks)


@pytest.mark.parametrize("path", [*DEVELOPMENT, *HELD_OUT])
def test_the_real_style_sets_load_and_each_message_names_its_source(path: Path) -> None:
    corpus = load_corpus()
    messages = load([path], {p.id for p in corpus.passages}, {t.id for t in corpus.not_covered})
    japanese_only = path.name == "real-heldout-3.yaml"
    assert len(messages) >= (38 if japanese_only else 80)
    assert {m.lang for m in messages} == ({"ja"} if japanese_only else {"en", "ja"}) or path in DEVELOPMENT
    lines = path.read_text(encoding="utf-8").splitlines()
    items = [n for n, line in enumerate(lines) if line.startswith("  - q:")]
    assert all(lines[n - 1].strip().startswith("# http") for n in items), (
        "each message keeps its source's address"
    )
    assert len(items) == len(yaml.safe_load(path.read_text(encoding="utf-8"))["messages"])


def test_a_bad_label_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'messages:\n  - {q: "hi", lang: en, who: alt, voice: plain, expect: answer, relevant: [nope]}\n'
    )
    with pytest.raises(ValueError, match=r"bad\.yaml: message 1"):
        load([bad], {"a"}, set())

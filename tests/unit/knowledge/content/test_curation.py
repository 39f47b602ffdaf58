"""Organisers' changes: line edits to the YAML, validated as the YAML is; the curation store."""

from __future__ import annotations

import difflib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from knowledge import CorpusError, load_corpus
from knowledge.content.corpus import DEFAULT_CORPUS_DIR
from knowledge.content.curation import CurationError, already_asked, curated_corpus, export
from knowledge.content.not_covered import DEFAULT_NOT_COVERED_FILE
from organisers.curation.store import EXPORTED, LIVE, UNDONE, CurationStore
from tests.pg import throwaway_database

DRAFT: dict[str, Any] = {
    "id": "programme-hosts",
    "topic": "programme",
    "audience": "all",
    "title": "Who hosts the teachers",
    "text": (
        "Local boards of education host most of the assistant teachers and place them in "
        "their schools, and a few private schools take part as well, according to the study."
    ),
    "citation": {"source": "studya", "section": "Introduction"},
    "related": ["programme-start"],
    "title_ja": "誰が受け入れるのか",
    "text_ja": (
        "研究によると、ほとんどのアシスタント教師は地域の教育委員会が受け入れて"
        "学校に配置しており、一部の私立学校も参加しています。"
    ),
    "questions_ja": ["誰が受け入れていますか？"],
}


def added_lines(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    changed = [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert all(line.startswith("+") for line in changed), changed  # nothing removed or rewritten
    return [line[1:] for line in changed]


def test_attach_adds_one_line_per_question_in_the_right_list(
    corpus_dir: Path, not_covered_file: Path
) -> None:
    change = {
        "kind": "attach",
        "passage": "programme-aims",
        "questions": ["why does the  programme exist?", "このプログラムは何のためにあるの？"],
    }
    corpus = curated_corpus(corpus_dir, not_covered_file, [change])
    aims = corpus.get("programme-aims")
    assert aims.questions[-1] == "why does the programme exist?"
    assert aims.questions_ja[-1] == "このプログラムは何のためにあるの？"
    before = (corpus_dir / "programme.yaml").read_text()
    assert export(corpus_dir, not_covered_file, [change]) == [corpus_dir / "programme.yaml"]
    after = (corpus_dir / "programme.yaml").read_text()
    assert added_lines(before, after) == [
        '      - "why does the programme exist?"',
        '      - "このプログラムは何のためにあるの？"',
    ]
    assert load_corpus(corpus_dir, not_covered_file).fingerprint() == corpus.fingerprint()


def test_not_covered_goes_to_an_existing_topic_or_a_new_one(corpus_dir: Path, not_covered_file: Path) -> None:
    existing = {"kind": "not_covered", "topic": "weather", "questions": ["is it humid in August"]}
    new = {
        "kind": "not_covered",
        "questions": ["can I bring my cat", "ペットは連れて行けますか"],
        "new_topic": {
            "id": "pets",
            "title": "pets and animals",
            "who_to_ask": "Your contracting organisation knows the rules for your housing.",
            "title_ja": "ペットや動物のこと",
            "who_to_ask_ja": "住まいの決まりは任用団体が知っています。",
            "examples": ["is my dog allowed in the flat", "where is the nearest vet"],
            "examples_ja": ["犬は部屋で飼えますか", "近くの動物病院は？"],
        },
    }
    corpus = curated_corpus(corpus_dir, not_covered_file, [existing, new])
    topics = {t.id: t for t in corpus.not_covered}
    assert topics["weather"].examples[-1] == "is it humid in August"
    assert topics["pets"].examples == (
        "can I bring my cat",
        "is my dog allowed in the flat",
        "where is the nearest vet",
    )
    assert topics["pets"].examples_ja[0] == "ペットは連れて行けますか"
    before = not_covered_file.read_text()
    export(corpus_dir, not_covered_file, [existing, new])
    added = added_lines(before, not_covered_file.read_text())
    assert added[0] == '      - "is it humid in August"'
    assert "  - id: pets" in added


def test_a_draft_is_marked_as_organiser_written(corpus_dir: Path, not_covered_file: Path) -> None:
    change = {
        "kind": "draft",
        "who": "Aiko (edit token)",
        "questions": ["who hosts the teachers?"],
        "passage": DRAFT,
    }
    passage = curated_corpus(corpus_dir, not_covered_file, [change]).get("programme-hosts")
    assert passage.draft_by == "Aiko (edit token)"
    assert passage.questions == ("who hosts the teachers?",)
    assert passage.citation.section == "Introduction"
    assert "draft_by" in passage.to_dict()
    assert "draft_by" not in curated_corpus(corpus_dir, not_covered_file).get("programme-start").to_dict()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "attach", "passage": "no-such-passage", "questions": ["hello"]}, "unknown passage id"),
        ({"kind": "attach", "passage": "programme-aims", "questions": ["   "]}, "a question is empty"),
        ({"kind": "attach", "passage": "programme-aims", "questions": []}, "at least one question"),
        ({"kind": "attach", "passage": "programme-aims", "questions": ["x" * 5000]}, "at most 200"),
        (
            {"kind": "not_covered", "topic": "no-such-topic", "questions": ["hello"]},
            "unknown not-covered topic",
        ),
        ({"kind": "draft", "questions": ["q"], "passage": {**DRAFT, "citation": None}}, "needs a citation"),
        ({"kind": "draft", "questions": ["q"], "passage": {**DRAFT, "related": []}}, "needs 'related'"),
        ({"kind": "rename", "questions": ["q"]}, "kind must be one of"),
    ],
)
def test_bad_changes_are_refused_and_nothing_is_written(
    corpus_dir: Path, not_covered_file: Path, change: dict[str, Any], message: str
) -> None:
    before = {p: p.read_text() for p in [*corpus_dir.glob("*.yaml"), not_covered_file]}
    with pytest.raises(CurationError, match=message):
        export(corpus_dir, not_covered_file, [change])
    assert {p: p.read_text() for p in before} == before


@pytest.mark.parametrize(
    ("passage", "message"),
    [
        ({**DRAFT, "text": "Too short to be a passage."}, "field 'text' has 6 words"),
        ({**DRAFT, "citation": {"source": "nowhere", "section": "x"}}, "not a key in sources.yaml"),
        ({**DRAFT, "related": ["no-such-passage"]}, "related id 'no-such-passage' does not exist"),
        ({**DRAFT, "id": "programme-start"}, "duplicate id"),
        ({k: v for k, v in DRAFT.items() if k != "text_ja"}, "missing Japanese field 'text_ja'"),
    ],
)
def test_a_draft_is_validated_exactly_as_the_yaml(
    corpus_dir: Path, not_covered_file: Path, passage: dict[str, Any], message: str
) -> None:
    with pytest.raises(CorpusError, match=message) as caught:
        curated_corpus(
            corpus_dir, not_covered_file, [{"kind": "draft", "questions": ["q"], "passage": passage}]
        )
    assert str(caught.value).startswith(
        str(corpus_dir / "programme.yaml")
    )  # the real file, not the scratch copy


def test_an_example_that_is_also_a_passage_question_is_refused(
    corpus_dir: Path, not_covered_file: Path
) -> None:
    change = {"kind": "not_covered", "topic": "weather", "questions": ["When did the programme start?"]}
    with pytest.raises(CorpusError, match="cannot be both answered and not covered"):
        curated_corpus(corpus_dir, not_covered_file, [change])
    corpus = load_corpus(corpus_dir, not_covered_file)
    assert "already an example question of passage 'programme-start'" in str(
        already_asked(
            corpus,
            {"kind": "attach", "passage": "programme-aims", "questions": ["when did the programme START"]},
        )
    )
    assert already_asked(corpus, {"kind": "attach", "passage": "programme-aims", "questions": ["設立は何年"]})


def test_every_passage_of_the_shipped_corpus_takes_an_attached_question(tmp_path: Path) -> None:
    corpus_dir = tmp_path / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, corpus_dir)
    scope = tmp_path / "not_covered.yaml"
    shutil.copy(DEFAULT_NOT_COVERED_FILE, scope)
    shipped = load_corpus(corpus_dir, scope)
    changes = [
        {"kind": "attach", "passage": p.id, "questions": [f"organiser question {n}"]}
        for n, p in enumerate(shipped.passages)
    ]
    changes += [
        {"kind": "not_covered", "topic": t.id, "questions": [f"not covered {n}"]}
        for n, t in enumerate(shipped.not_covered)
    ]
    curated = curated_corpus(corpus_dir, scope, changes)
    for n, passage in enumerate(shipped.passages):
        assert curated.get(passage.id).questions == (*passage.questions, f"organiser question {n}")
    written = export(corpus_dir, scope, changes)
    topic_files = [p for p in corpus_dir.glob("*.yaml") if p.name != "sources.yaml"]
    assert sorted(written) == sorted([*topic_files, scope])
    assert load_corpus(corpus_dir, scope).fingerprint() == curated.fingerprint()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CurationStore]:
    if request.param == "sqlite":
        yield CurationStore(tmp_path / "curation.sqlite3")
    else:
        with throwaway_database("senpai_curation") as url:
            yield CurationStore(url)


def test_the_store_keeps_who_what_when_and_state(store: CurationStore) -> None:
    first = store.add({"kind": "attach", "passage": "p", "questions": ["どうして？"]}, "Aiko (edit token)")
    second = store.add({"kind": "ignore", "questions": ["spam"]}, "Ben (edit token)")
    assert [r.id for r in store.live()] == [first.id, second.id]
    store.end(first.id, UNDONE, "Ben (edit token)")
    again = store.get(first.id)
    assert again is not None
    assert (again.state, again.ended_by, again.who) == (UNDONE, "Ben (edit token)", "Aiko (edit token)")
    assert again.data["questions"] == ["どうして？"]
    assert again.ended_at is not None and again.ended_at >= again.created_at
    store.end(second.id, EXPORTED, "dev")
    assert store.live() == []
    assert [r.state for r in store.changes()] == [UNDONE, EXPORTED]
    assert store.get(999) is None
    assert LIVE == "live"

"""The corpus loader: the shipped corpus is valid, and every kind of mistake is named."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import CorpusError, load_corpus
from knowledge.corpus import DEFAULT_CORPUS_DIR, MAX_WORDS
from tests.conftest import TOPIC_PROGRAMME, TOPIC_TEAM, write_corpus


def test_shipped_corpus_is_valid_and_covers_every_topic() -> None:
    corpus = load_corpus(DEFAULT_CORPUS_DIR)
    assert len(corpus) >= 40
    assert set(corpus.topics) >= {
        "alt_identity",
        "jte",
        "jet_programme",
        "professional_development",
        "studies",
    }
    for topic in corpus.topics:
        assert any(p.topic == topic for p in corpus.passages), topic
    assert {p.audience for p in corpus.passages} <= {"alt", "jte", "all"}
    assert all(p.citation.reference and p.citation.section for p in corpus.passages)


def test_tiny_corpus_loads(corpus_dir: Path) -> None:
    corpus = load_corpus(corpus_dir)
    assert [p.id for p in corpus.passages][:2] == ["programme-start", "programme-aims"]
    planning = corpus.get("team-planning")
    assert planning.citation.participant == "Kim"
    assert planning.citation.reference.startswith("Author, A. (2025). Study B")
    assert "(participant: Kim)" in planning.citation.label()


def test_fingerprint_is_stable_and_changes_with_content(corpus_dir: Path, tmp_path: Path) -> None:
    first = load_corpus(corpus_dir).fingerprint()
    assert load_corpus(corpus_dir).fingerprint() == first
    edited = write_corpus(
        tmp_path / "edited", programme=TOPIC_PROGRAMME.replace("1987", "1988"), teamwork=TOPIC_TEAM
    )
    assert load_corpus(edited).fingerprint() != first


@pytest.mark.parametrize(
    ("old", "new", "passage_id", "fragment"),
    [
        (
            'audience: all\n    title: "When',
            'audience: everyone\n    title: "When',
            "programme-start",
            "audience",
        ),
        ("related: [programme-aims]", "related: [no-such-passage]", "programme-start", "no-such-passage"),
        (
            'citation: {source: studya, section: "Introduction"}\n    related: [programme-aims]',
            "citation: {}\n    related: [programme-aims]",
            "programme-start",
            "citation",
        ),
        (
            'source: studya, section: "Literature Review"',
            'source: studyz, section: "Literature Review"',
            "programme-aims",
            "studyz",
        ),
        (
            'source: studya, section: "Introduction"}\n    related: [programme-start]\n',
            'source: studya, section: ""}\n    related: [programme-start]\n',
            "programme-size",
            "citation.section",
        ),
        ("- id: programme-aims", "- id: programme-start", "programme-start", "duplicate id"),
        ('    title: "How big the programme is"\n', "", "programme-size", "missing field 'title'"),
        (
            '    questions:\n      - "How many people are on the programme?"\n',
            "    colour: blue\n",
            "programme-size",
            "unknown field",
        ),
    ],
)
def test_schema_errors_name_file_id_and_field(
    tmp_path: Path, old: str, new: str, passage_id: str, fragment: str
) -> None:
    assert old in TOPIC_PROGRAMME
    root = write_corpus(tmp_path / "bad", programme=TOPIC_PROGRAMME.replace(old, new, 1), teamwork=TOPIC_TEAM)
    with pytest.raises(CorpusError) as info:
        load_corpus(root)
    message = str(info.value)
    assert "programme.yaml" in message
    assert f"'{passage_id}'" in message
    assert fragment in message


def test_over_long_passage_is_rejected(tmp_path: Path) -> None:
    long_text = " ".join(["word"] * (MAX_WORDS + 1))
    body = TOPIC_PROGRAMME.replace("several thousand participants", long_text).replace(
        "Several thousand participants from dozens of countries take part in the programme", long_text
    )
    root = write_corpus(tmp_path / "long", programme=body, teamwork=TOPIC_TEAM)
    with pytest.raises(CorpusError, match=r"programme-size.*words"):
        load_corpus(root)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    root = write_corpus(
        tmp_path / "yaml", programme="topic: programme\npassages: [unclosed", teamwork=TOPIC_TEAM
    )
    with pytest.raises(CorpusError, match=r"programme\.yaml: invalid YAML"):
        load_corpus(root)


def test_missing_sources_file(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "nosrc", programme=TOPIC_PROGRAMME, teamwork=TOPIC_TEAM)
    (root / "sources.yaml").unlink()
    with pytest.raises(CorpusError, match=r"sources\.yaml"):
        load_corpus(root)

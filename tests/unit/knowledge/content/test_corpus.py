"""The corpus loader: the shipped corpus is valid, and every kind of mistake is named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge import CorpusError, load_corpus, load_not_covered
from knowledge.content.corpus import DEFAULT_CORPUS_DIR, Passage, passage_views
from knowledge.content.not_covered import DEFAULT_NOT_COVERED_FILE, NotCoveredTopic
from knowledge.content.schema import MAX_WORDS
from tests.conftest import NOT_COVERED, TOPIC_PROGRAMME, TOPIC_TEAM, write_corpus, write_not_covered


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


def test_shipped_not_covered_file_is_valid_and_loaded_with_the_corpus() -> None:
    topics = load_not_covered(DEFAULT_NOT_COVERED_FILE)
    assert len(topics) >= 10
    assert all(len(t.examples) >= 3 and t.who_to_ask and t.title for t in topics)
    ids = {t.id for t in topics}
    assert {"money-tax-banking", "visas-immigration", "lesson-ideas-classroom", "chit-chat"} <= ids
    assert load_corpus().not_covered == topics  # the default location


def test_not_covered_topics_load_and_count_in_the_fingerprint(
    corpus_dir: Path, not_covered_file: Path, tmp_path: Path
) -> None:
    corpus = load_corpus(corpus_dir, not_covered_file)
    assert [t.id for t in corpus.not_covered] == ["weather", "cooking"]
    weather = corpus.not_covered[0]
    assert weather.title == "weather or the seasons"
    assert weather.who_to_ask.startswith("The national weather service")
    assert weather.examples[0] == "will it rain tomorrow"
    assert load_corpus(corpus_dir, None).not_covered == ()
    edited = write_not_covered(tmp_path / "other.yaml", NOT_COVERED.replace("boil an egg", "fry an egg"))
    fingerprints = {
        load_corpus(corpus_dir, not_covered_file).fingerprint(),
        load_corpus(corpus_dir, edited).fingerprint(),
        load_corpus(corpus_dir, None).fingerprint(),
    }
    assert len(fingerprints) == 3


def test_unless_words_load_in_lower_case_and_count_in_the_fingerprint(
    corpus_dir: Path, not_covered_file: Path, tmp_path: Path
) -> None:
    body = NOT_COVERED.replace("  - id: cooking\n", "  - id: cooking\n    unless_words: [Oven, ALT]\n", 1)
    path = write_not_covered(tmp_path / "words.yaml", body)
    cooking = load_corpus(corpus_dir, path).not_covered[1]
    assert cooking.unless_words == ("oven", "alt")
    assert load_corpus(corpus_dir, not_covered_file).not_covered[1].unless_words == ()
    assert NotCoveredTopic.from_dict(cooking.to_dict()) == cooking  # as a build stores it
    plain = load_corpus(corpus_dir, not_covered_file)
    assert load_corpus(corpus_dir, path).fingerprint() != plain.fingerprint()


@pytest.mark.parametrize(
    ("old", "new", "topic_id", "fragment"),
    [
        ("  - id: cooking", "  - id: Cooking!", None, "field 'id' must match"),
        ("  - id: cooking", "  - id: weather", "weather", "duplicate id"),
        ('    title: "cooking or recipes"\n', "", "cooking", "missing field 'title'"),
        ('    title: "cooking or recipes"', '    title: ""', "cooking", "field 'title' must be a non-empty"),
        (
            '    who_to_ask: "A cookbook or a recipe website will help more than I can."\n',
            "",
            "cooking",
            "missing field 'who_to_ask'",
        ),
        (
            '    who_to_ask: "A cookbook',
            '    colour: blue\n    who_to_ask: "A cookbook',
            "cooking",
            "unknown field(s) colour",
        ),
        ('      - "how long should I boil an egg"\n', "", "cooking", "give at least 3 example questions"),
        (
            '    examples:\n      - "how do I bake bread"\n      - "a good recipe for dinner"\n'
            '      - "how long should I boil an egg"\n',
            '    examples: "how do I bake bread"\n',
            "cooking",
            "field 'examples' must be a list of non-empty strings",
        ),
        ('      - "how do I bake bread"', '      - "Will it rain, tomorrow?"', "cooking", "listed twice"),
        ('      - "how do I bake bread"', '      - "' + "x" * 201 + '"', "cooking", "over 200 characters"),
        (
            '    who_to_ask: "A cookbook',
            '    unless_words: [oven, "egg timer"]\n    who_to_ask: "A cookbook',
            "cooking",
            "field 'unless_words': 'egg timer' is not one word",
        ),
        (
            '    who_to_ask: "A cookbook',
            '    unless_words: oven\n    who_to_ask: "A cookbook',
            "cooking",
            "field 'unless_words' must be a list of non-empty strings",
        ),
    ],
)
def test_not_covered_errors_name_file_topic_and_field(
    tmp_path: Path, corpus_dir: Path, old: str, new: str, topic_id: str | None, fragment: str
) -> None:
    assert old in NOT_COVERED
    path = write_not_covered(tmp_path / "scope" / "bad.yaml", NOT_COVERED.replace(old, new, 1))
    for load in (lambda: load_not_covered(path), lambda: load_corpus(corpus_dir, path)):
        with pytest.raises(CorpusError) as info:
            load()
        message = str(info.value)
        assert "bad.yaml" in message
        if topic_id:
            assert f"topic '{topic_id}'" in message
        assert fragment in message


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("topics: [unclosed", "invalid YAML"),
        ("just a string", "non-empty 'topics' list"),
        ("topics: []", "non-empty 'topics' list"),
        ("topics:\n  - just a string", "topic #1 must be a mapping"),
        (NOT_COVERED + "\nextra: 1\n", "unknown top-level field(s) extra"),
    ],
)
def test_not_covered_file_shape_errors(tmp_path: Path, body: str, fragment: str) -> None:
    path = write_not_covered(tmp_path / "nc.yaml", body)
    with pytest.raises(CorpusError, match=re.escape(fragment)):
        load_not_covered(path)


def test_missing_not_covered_file_is_named(corpus_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"nowhere\.yaml: missing"):
        load_corpus(corpus_dir, tmp_path / "nowhere.yaml")


def test_an_answered_question_cannot_also_be_not_covered(corpus_dir: Path, tmp_path: Path) -> None:
    body = NOT_COVERED.replace('"a good recipe for dinner"', '"When did the programme START?"')
    path = write_not_covered(tmp_path / "nc.yaml", body)
    with pytest.raises(CorpusError, match=r"topic 'cooking'.*passage 'programme-start'"):
        load_corpus(corpus_dir, path)


ALSO_CITED = (
    'citation: {source: studya, section: "Literature Review"}\n'
    '    also_cited:\n      - {source: studyb, section: "Findings", participant: "Kim"}\n'
    "    related: [programme-start]"
)


def test_a_passage_drawing_on_both_studies_cites_both(tmp_path: Path) -> None:
    old = 'citation: {source: studya, section: "Literature Review"}\n    related: [programme-start]'
    root = write_corpus(
        tmp_path / "both", programme=TOPIC_PROGRAMME.replace(old, ALSO_CITED), teamwork=TOPIC_TEAM
    )
    aims = load_corpus(root).get("programme-aims")
    assert [c.source for c in aims.citations] == ["studya", "studyb"]
    assert aims.citations[1].participant == "Kim" and aims.citations[1].reference.startswith("Author, A.")
    assert Passage.from_dict(aims.to_dict()) == aims  # as the index stores it
    start = load_corpus(root).get("programme-start")
    assert start.citations == (start.citation,) and "also_cited" not in start.to_dict()


@pytest.mark.parametrize(
    ("also", "fragment"),
    [
        ('    also_cited: {source: studyb, section: "Findings"}\n', "also_cited' must be a list"),
        ('    also_cited:\n      - {source: studyz, section: "Findings"}\n', "also_cited[0].source 'studyz'"),
        ("    also_cited:\n      - {source: studyb}\n", "also_cited[0].section"),
        (
            '    also_cited:\n      - {source: studyb, section: "Findings", page: 3}\n',
            "unknown field(s) page",
        ),
        ('    also_cited:\n      - {source: studya, section: "Literature Review"}\n', "repeats a citation"),
    ],
)
def test_bad_also_cited_is_named(tmp_path: Path, also: str, fragment: str) -> None:
    old = 'citation: {source: studya, section: "Literature Review"}\n'
    body = TOPIC_PROGRAMME.replace(old, old + also, 1)
    root = write_corpus(tmp_path / "bad-also", programme=body, teamwork=TOPIC_TEAM)
    with pytest.raises(CorpusError) as info:
        load_corpus(root)
    assert "'programme-aims'" in str(info.value) and fragment in str(info.value)


JA_SITUATION = '    situations_ja:\n      - "パートナーの先生から、授業の直前に教科書を渡されるだけです。"\n'
SITUATED = TOPIC_TEAM.replace(
    """    questions_ja:
      - "パートナーの先生とどうやって授業を計画すればいいですか？"
""",
    """    questions_ja:
      - "パートナーの先生とどうやって授業を計画すればいいですか？"
    situations:
      - "My partner teacher hands me the textbook at the door and tells me to read the dialogue."
    situations_ja:
      - "パートナーの先生から、授業の直前に教科書を渡されるだけです。"
""",
).replace("    audience: jte\n", "    audience: jte\n    version_of: team-planning\n")


def test_situations_are_embedded_as_views_and_versions_link_two_audiences(tmp_path: Path) -> None:
    corpus = load_corpus(write_corpus(tmp_path / "c", programme=TOPIC_PROGRAMME, teamwork=SITUATED))
    planning, for_jtes = corpus.get("team-planning"), corpus.get("team-for-local-teachers")
    assert planning.situations and planning.situations[0] in passage_views(planning, "en")
    assert planning.situations_ja[0] in passage_views(planning, "ja")
    assert for_jtes.version_of == "team-planning"
    assert Passage.from_dict(for_jtes.to_dict()) == for_jtes
    assert Passage.from_dict(planning.to_dict()) == planning
    # A passage without either keeps the dictionary (and so the corpus hash) it had.
    assert "situations" not in corpus.get("programme-start").to_dict()
    assert "version_of" not in planning.to_dict()


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        (JA_SITUATION, "", "'situations_ja' is missing"),
        ("hands me the textbook", "hands me the textbook" + " and more" * 40, "over 300 characters"),
        ("version_of: team-planning", "version_of: no-such", "version_of id 'no-such' does not exist"),
        ("    audience: jte\n    version_of", "    audience: alt\n    version_of", "for another audience"),
    ],
)
def test_situations_and_versions_are_checked(tmp_path: Path, old: str, new: str, fragment: str) -> None:
    assert old in SITUATED
    root = write_corpus(tmp_path / "bad", programme=TOPIC_PROGRAMME, teamwork=SITUATED.replace(old, new, 1))
    with pytest.raises(CorpusError, match=fragment):
        load_corpus(root)

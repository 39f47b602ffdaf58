"""The written-down mapping of passages and not-covered topics to the report's themes."""

from __future__ import annotations

import pytest
import yaml

from knowledge.content.corpus import load_corpus
from organisers.report.themes import MAPPING_FILE, OTHER, THEMES, ThemeError, Themes, parse_source
from settings import Settings


@pytest.fixture(scope="module")
def topic_of() -> dict[str, str]:
    return {p.id: p.topic for p in load_corpus(Settings().corpus_dir, None).passages}


def test_every_topic_and_not_covered_topic_has_a_theme_and_every_name_exists(
    topic_of: dict[str, str],
) -> None:
    mapping = yaml.safe_load(MAPPING_FILE.read_text(encoding="utf-8"))
    not_covered = {
        t["id"] for t in yaml.safe_load(Settings().not_covered_file.read_text(encoding="utf-8"))["topics"]
    }
    assert set(mapping["topics"]) == set(topic_of.values())
    assert set(mapping["not_covered"]) == not_covered
    assert set(mapping["passages"]) <= set(topic_of)
    for table in ("topics", "passages", "not_covered"):
        assert set(mapping[table].values()) <= set(THEMES), table


def test_a_question_takes_its_passages_theme_or_the_refusing_topics(topic_of: dict[str, str]) -> None:
    themes = Themes.load(topic_of)
    assert themes.of_passage("identity-foreigner-overview") == "role_identity"
    assert themes.of_passage("jte-what-alts-want-to-know") == "jtes"
    assert themes.of_passage("jet-aims") == "jet_aims"
    assert themes.of_passage("pd-want-about-jtes") == "jtes"  # its own line before its topic's
    assert themes.of_passage("pd-what-exists") == OTHER
    assert themes.of_passage(None) == OTHER and themes.of_passage("no-such-passage") == OTHER
    assert themes.of_missed("housing-daily-life", "jet-aims") == "living_in_japan"
    assert themes.of_missed(None, "identity-foreigner-overview") == "role_identity"
    assert themes.of_missed("a-topic-since-removed", None) == OTHER


def test_a_refinement_must_name_a_known_source_and_theme() -> None:
    themes = Themes()
    themes.set("topic", "jte", "other")
    assert themes.topics["jte"] == "other"
    with pytest.raises(ThemeError):
        themes.set("topic", "jte", "parking")
    with pytest.raises(ThemeError):
        themes.set("chapter", "jte", "jtes")
    assert parse_source("passage: jet-aims ") == ("passage", "jet-aims")
    for bad in ("jet-aims", "passage:", "topics:jte", ""):
        with pytest.raises(ThemeError):
            parse_source(bad)

"""Shared fixtures: a tiny corpus on disk, the real encoder, and an index over it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from knowledge import Corpus, Index, build_index, load_corpus, load_encoder
from knowledge.encoder import SentenceTransformerEncoder

SOURCES = """
sources:
  - key: studya
    short: "Author (2025), Study A"
    reference: "Author, A. (2025). Study A. Journal of Tests, 1(1)."
  - key: studyb
    short: "Author (2025), Study B"
    reference: "Author, A. (2025). Study B. Journal of Tests, 2(1)."
"""

TOPIC_PROGRAMME = """
topic: programme
title: "The exchange programme"
passages:
  - id: programme-start
    audience: all
    title: "When the programme began"
    text: >-
      The exchange programme began in 1987 and is run jointly by national ministries
      together with a council of local authorities. In its first year it brought a few
      hundred young graduates to local schools, and it has grown a great deal since then.
    questions:
      - "When did the programme start?"
      - "what year was it founded"
    citation: {source: studya, section: "Introduction"}
    related: [programme-aims]
  - id: programme-aims
    audience: all
    title: "What the programme is for"
    text: >-
      The programme has two aims that sit side by side: improving foreign language
      teaching in local schools, and promoting grassroots international exchange between
      communities. Teachers in the studies often felt unsure which of the two aims
      mattered more in their daily work at school.
    questions:
      - "What is the programme for?"
      - "purpose of the programme"
    citation: {source: studya, section: "Literature Review"}
    related: [programme-start]
  - id: programme-size
    audience: all
    title: "How big the programme is"
    text: >-
      Several thousand participants from dozens of countries take part in the programme
      each year, which makes it one of the largest schemes of its kind anywhere. Most of
      them work as assistant teachers in public elementary and secondary schools.
    questions:
      - "How many people are on the programme?"
    citation: {source: studya, section: "Introduction"}
    related: [programme-start]
"""

TOPIC_TEAM = """
topic: teamwork
title: "Team teaching"
passages:
  - id: team-planning
    audience: alt
    title: "Planning lessons together"
    text: >-
      Assistant teachers in the interviews said that short planning talks before class
      with their local partner teacher made lessons go much better. Even five minutes in
      the staff room to agree who leads which activity helped both teachers feel useful.
    questions:
      - "How can I plan lessons with my partner teacher?"
    citation: {source: studyb, section: "Findings", participant: "Kim"}
    related: [team-for-local-teachers]
  - id: team-for-local-teachers
    audience: jte
    title: "What assistants hope partner teachers know"
    text: >-
      For local partner teachers: the assistants interviewed hoped to be told early about
      lesson goals and school routines. They valued being asked for ideas rather than only
      being given a script, and they wanted honest feedback after lessons they taught together.
    questions:
      - "What do assistants want from partner teachers?"
    citation: {source: studyb, section: "Implications"}
    related: [team-planning]
"""


NOT_COVERED = """
topics:
  - id: weather
    title: "weather or the seasons"
    who_to_ask: "The national weather service has forecasts and warnings."
    examples:
      - "will it rain tomorrow"
      - "how cold does it get in winter"
      - "when does the rainy season start"
  - id: cooking
    title: "cooking or recipes"
    who_to_ask: "A cookbook or a recipe website will help more than I can."
    examples:
      - "how do I bake bread"
      - "a good recipe for dinner"
      - "how long should I boil an egg"
"""


def write_corpus(root: Path, **files: str) -> Path:
    """Write a corpus directory with sources.yaml and the given topic files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "sources.yaml").write_text(textwrap.dedent(SOURCES))
    for name, body in files.items():
        (root / f"{name}.yaml").write_text(textwrap.dedent(body))
    return root


def write_not_covered(path: Path, body: str = NOT_COVERED) -> Path:
    """Write a not-covered file (outside any corpus directory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body))
    return path


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus", programme=TOPIC_PROGRAMME, teamwork=TOPIC_TEAM)


@pytest.fixture
def not_covered_file(tmp_path: Path) -> Path:
    return write_not_covered(tmp_path / "scope" / "not_covered.yaml")


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    root = tmp_path_factory.mktemp("tiny")
    corpus = write_corpus(root / "corpus", programme=TOPIC_PROGRAMME, teamwork=TOPIC_TEAM)
    return load_corpus(corpus, write_not_covered(root / "scope" / "not_covered.yaml"))


@pytest.fixture(scope="session")
def encoder() -> SentenceTransformerEncoder:
    return load_encoder()


@pytest.fixture(scope="session")
def tiny_index(tiny_corpus: Corpus, encoder: SentenceTransformerEncoder) -> Index:
    """Pure dense, so tests of actions and priors see plain cosine similarities."""
    return build_index(
        tiny_corpus.passages,
        encoder,
        topics=tiny_corpus.topics,
        not_covered=tiny_corpus.not_covered,
        lexical_weight=0.0,
    )

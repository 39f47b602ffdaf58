"""Shared fixtures: a tiny corpus on disk, the real encoder, and an index over it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from knowledge import Corpus, Index, build_index, load_corpus, load_encoder
from knowledge.encoders.e5 import E5Encoder
from knowledge.encoders.sentence import SentenceTransformerEncoder

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
    title_ja: "プログラムが始まった年"
    text_ja: >-
      この交流プログラムは1987年に始まり、国の省庁と地方自治体の協議会が共同で運営しています。
      初年度には数百人の若い大卒者を地域の学校に迎え、その後大きく成長しました。
    questions_ja:
      - "プログラムはいつ始まりましたか？"
      - "設立は何年？"
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
    title_ja: "プログラムの目的"
    text_ja: >-
      このプログラムには二つの目的が並んでいます。地域の学校での外国語教育を良くすることと、
      地域どうしの草の根の国際交流を進めることです。研究に登場する教師たちは、
      日々の仕事でどちらが大事なのか迷うことがよくありました。
    questions_ja:
      - "プログラムの目的は何ですか？"
      - "何のためのプログラム？"
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
    title_ja: "プログラムの規模"
    text_ja: >-
      毎年、数十か国から数千人の参加者がこのプログラムに加わっており、同種の制度としては
      世界最大級です。参加者の多くは、公立の小学校や中学校・高校でアシスタント教師として働いています。
    questions_ja:
      - "プログラムの参加者は何人いますか？"
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
    title_ja: "一緒に授業を計画する"
    text_ja: >-
      インタビューに答えたアシスタント教師たちは、授業前に地元のパートナー教師と短く打ち合わせると、
      授業がずっとうまくいくと話していました。職員室での短い打ち合わせでも、どちらがどの活動を進めるかを
      決めておくと、二人とも役に立っていると感じられました。
    questions_ja:
      - "パートナーの先生とどうやって授業を計画すればいいですか？"
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
    title_ja: "アシスタントがパートナーの先生に知ってほしいこと"
    text_ja: >-
      地元のパートナー教師の皆さんへ。インタビューを受けたアシスタントたちは、授業のねらいや学校の決まりごとを
      早めに教えてほしいと願っていました。台本を渡されるだけでなく意見を求められることを大切にし、
      一緒に教えた授業のあとには率直なフィードバックを望んでいました。
    questions_ja:
      - "アシスタントはパートナーの先生に何を望んでいますか？"
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
    title_ja: "天気や季節のこと"
    who_to_ask_ja: "天気予報や警報は気象庁が出しています。"
    examples_ja:
      - "明日は雨が降りますか"
      - "冬はどのくらい寒くなりますか"
      - "梅雨はいつ始まりますか"
  - id: cooking
    title: "cooking or recipes"
    who_to_ask: "A cookbook or a recipe website will help more than I can."
    examples:
      - "how do I bake bread"
      - "a good recipe for dinner"
      - "how long should I boil an egg"
    title_ja: "料理やレシピのこと"
    who_to_ask_ja: "料理の本やレシピサイトのほうが、私よりずっと役に立ちます。"
    examples_ja:
      - "パンの焼き方を教えて"
      - "夕食におすすめのレシピ"
      - "卵は何分ゆでればいい？"
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


@pytest.fixture(scope="session")
def japanese_encoder() -> E5Encoder:
    return E5Encoder(threads=1)


@pytest.fixture(scope="session")
def tiny_bilingual(tiny_corpus: Corpus, tiny_index: Index, japanese_encoder: E5Encoder) -> Index:
    """The tiny index with its Japanese index (multilingual e5 over the Japanese views, pure dense)."""
    japanese = build_index(
        tiny_corpus.passages,
        japanese_encoder,
        topics=tiny_corpus.topics,
        not_covered=tiny_corpus.not_covered,
        lexical_weight=0.0,
        lang="ja",
    )
    return tiny_index.with_japanese(japanese)

"""Japanese: the corpus's rules, language detection, the Japanese index, and replies in Japanese."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions import runtime, slots
from actions.registry import action
from actions.runtime import KnowledgeService
from actions.stated_role import stated_role
from actions.texts import TEXTS
from knowledge import CorpusError, Index, load_corpus, load_index, save_index
from knowledge.content.figures import compare
from knowledge.search.context import reading
from knowledge.search.decide import Policy
from knowledge.text.language import detect, requested_language
from knowledge.text.routing import Router
from knowledge.text.words import asks_question, words
from tests.conftest import NOT_COVERED, SOURCES, TOPIC_PROGRAMME, TOPIC_TEAM, write_corpus, write_not_covered
from tests.unit.fakes import TrackerFactory, run

ANSWER = action("action_answer")
CITE_SOURCE = action("action_cite_source")
SMALL_TALK = action("action_small_talk")
SET_ROLE = action("action_set_role")

ROOT = Path(__file__).resolve().parents[3]
POLICY = Policy(threshold=0.45, japanese=Policy(threshold=0.88, scope_margin=0.05))


# ---------------------------------------------------------------- figures


@pytest.mark.parametrize(
    ("english", "japanese"),
    [
        ("The salary is 4.02 million yen a year.", "年収は402万円です。"),
        ("40 billion yen (roughly US$270 million)", "400億円（約2億7000万ドル）"),
        ("It began in 1987 with 848 participants.", "１９８７年に８４８名で始まりました。"),  # full width
        ("eleven ALTs, 22.1% of lessons", "11名のALT、授業の22.1％"),  # a number word may be in digits
        ("ALT10 said so in May 2025.", "ALT10は2025年5月にそう話しました。"),
    ],
)
def test_figures_agree_across_scales_and_widths(english: str, japanese: str) -> None:
    assert not compare(english, japanese)


def test_figures_that_disagree_are_named() -> None:
    mismatch = compare("It began in 1987 and pays 3.6 million yen.", "1988年に始まり、年収は360万円です。")
    assert mismatch.missing == ("1987",)
    assert mismatch.extra == ("1988",)
    assert "1987" in str(mismatch) and "1988" in str(mismatch)


# ---------------------------------------------------------------- the corpus's rules


def _corpus_without(tmp_path: Path, old: str, new: str) -> Path:
    assert old in TOPIC_PROGRAMME
    return write_corpus(tmp_path / "corpus", programme=TOPIC_PROGRAMME.replace(old, new), teamwork=TOPIC_TEAM)


def test_a_passage_without_japanese_is_refused(tmp_path: Path, not_covered_file: Path) -> None:
    corpus = _corpus_without(tmp_path, '    title_ja: "プログラムの目的"\n', "")
    with pytest.raises(CorpusError, match=r"programme-aims.*missing Japanese field 'title_ja'"):
        load_corpus(corpus, not_covered_file)


def test_a_passage_whose_japanese_figures_disagree_is_refused(tmp_path: Path, not_covered_file: Path) -> None:
    corpus = _corpus_without(tmp_path, "1987年に始まり", "1988年に始まり")
    with pytest.raises(CorpusError, match=r"programme-start.*'text_ja' disagrees.*missing in Japanese: 1987"):
        load_corpus(corpus, not_covered_file)


def test_a_not_covered_topic_without_japanese_examples_is_refused(tmp_path: Path) -> None:
    body = NOT_COVERED.replace('      - "卵は何分ゆでればいい？"\n', "")
    body = body.replace('      - "パンの焼き方を教えて"\n', "")
    corpus = write_corpus(tmp_path / "corpus", programme=TOPIC_PROGRAMME, teamwork=TOPIC_TEAM)
    with pytest.raises(CorpusError, match=r"cooking.*'examples_ja' has 1"):
        load_corpus(corpus, write_not_covered(tmp_path / "nc.yaml", body))


def test_folded_japanese_has_no_stray_spaces(tiny_corpus: Any) -> None:
    aims = tiny_corpus.get("programme-aims")
    assert " " not in aims.text_ja and aims.text_ja.endswith("ありました。")


def test_every_shipped_passage_and_topic_is_bilingual() -> None:
    corpus = load_corpus()
    assert all(p.title_ja and p.text_ja and p.questions_ja for p in corpus.passages)
    assert all(t.title_ja and t.who_to_ask_ja and len(t.examples_ja) >= 3 for t in corpus.not_covered)
    assert SOURCES  # the tiny corpus's studies stay English references, as the shipped ones do


# ---------------------------------------------------------------- language


def test_language_detection_on_the_labelled_messages() -> None:
    messages = yaml.safe_load((ROOT / "eval" / "language.yaml").read_text(encoding="utf-8"))["messages"]
    wrong = [m["text"] for m in messages if detect(m["text"]) != m["lang"]]
    assert wrong == []


def test_a_message_with_nothing_to_tell_by_keeps_the_conversation_language() -> None:
    assert detect("TT", default="ja") == "ja"
    assert detect("2025", default="ja") == "ja"
    assert detect("TT", default="en") == "en"
    assert detect("why?", default="ja") == "en"


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("英語で", "en"),
        ("英語でお願いします。", "en"),
        ("in Japanese please", "ja"),
        ("日本語で答えてください", "ja"),
        ("can you answer in English?", "en"),
        ("英語の先生です", None),
        ("Japanese teachers of English", None),
    ],
)
def test_asking_for_a_language(text: str, lang: str | None) -> None:
    assert requested_language(text) == lang


def test_japanese_words_and_full_width_letters() -> None:
    assert words("ＡＬＴの給料は？") == ["alt", "給料"]
    assert reading("高校では？") == "follow_up"
    assert reading("ＡＬＴの給料は？") != "follow_up"  # a whole question, not "and ...?"


def test_the_router_reads_japanese_small_talk_and_follow_ups() -> None:
    router = Router.from_nlu(ROOT / "data" / "nlu")
    assert router.route("ありがとうございます") == "smalltalk"
    assert router.route("出典は？") == "source"
    assert router.route("もっと詳しく教えてください") == "more"
    assert router.route("ALTの給料はいくらですか？") == "question"
    assert router.route("株価は上がりますか") == "question"


@pytest.mark.parametrize(
    ("text", "role"),
    [
        ("私はJTEです", "jte"),
        ("私はＡＬＴです", "alt"),
        ("中学校でJTEをしています", "jte"),
        ("私は日本人英語教師です。ALTは何を望んでいますか？", "jte"),
        ("うちのALTは元気です", None),
        ("私はALTではありません", None),
    ],
)
def test_a_role_stated_in_japanese(text: str, role: str | None) -> None:
    assert stated_role(text) == role


def test_japanese_questions_are_seen_as_questions() -> None:
    assert asks_question("私はJTEです。ALTは何を望んでいますか")
    assert not asks_question("私はJTEです")


# ---------------------------------------------------------------- the Japanese index


def test_japanese_queries_go_to_the_japanese_index(tiny_bilingual: Index) -> None:
    hits = tiny_bilingual.search("プログラムはいつ始まりましたか？", 2)
    assert hits.language == "ja" and hits[0].id == "programme-start"
    assert tiny_bilingual.search("何のためのプログラムですか", 1)[0].id == "programme-aims"
    english = tiny_bilingual.search("When did the programme start?", 1)
    assert english.language == "en" and english[0].id == "programme-start"
    weather = tiny_bilingual.search("明日は雨？", 1)
    assert weather.not_covered is not None and weather.not_covered.topic.id == "weather"


def test_the_japanese_index_is_saved_and_loaded_with_the_english_one(
    tiny_bilingual: Index, tmp_path: Path
) -> None:
    saved = save_index(tiny_bilingual, tmp_path / "index")
    assert (saved / "ja" / "meta.json").is_file()
    loaded = load_index(saved, tiny_bilingual.encoder, lexical_weight=0.0)
    assert loaded.japanese is not None and loaded.japanese.lang == "ja"
    assert loaded.search("設立は何年？", 1)[0].id == "programme-start"


def test_japanese_hits_are_decided_with_the_japanese_thresholds(tiny_bilingual: Index) -> None:
    from knowledge.search.decide import decide

    assert decide(tiny_bilingual.search("パートナーの先生との打ち合わせ", 3), POLICY).kind == "answer"
    assert decide(tiny_bilingual.search("株価は上がりますか", 3), POLICY).kind == "fallback"
    # The same hits under the English threshold would be answered: the Japanese policy is the one used.
    english_only = Policy(threshold=0.45, scope_margin=None)
    assert decide(tiny_bilingual.search("株価は上がりますか", 3), english_only).kind == "answer"
    strict = Policy(threshold=0.88, scope_margin=None)
    with_japanese = Policy(threshold=0.45, scope_margin=None, japanese=strict)
    assert decide(tiny_bilingual.search("株価は上がりますか", 3), with_japanese).kind == "fallback"


# ---------------------------------------------------------------- replies in Japanese


@pytest.fixture
def bilingual_service(tiny_bilingual: Index) -> Iterator[KnowledgeService]:
    svc = KnowledgeService(tiny_bilingual, POLICY, oos_threshold=0.6)
    runtime.install(svc)
    yield svc
    svc.close()


@pytest.mark.usefixtures("bilingual_service")
async def test_a_japanese_question_gets_the_japanese_passage(make_tracker: TrackerFactory) -> None:
    messages, slot_events = await run(ANSWER, make_tracker("プログラムはいつ始まりましたか？"))
    payload = messages[0]["custom"]["senpai"]
    assert payload["kind"] == "answer" and payload["lang"] == "ja"
    assert "1987年" in messages[0]["text"]
    assert payload["citations"][0]["title"] == "プログラムが始まった年"
    assert payload["citations"][0]["reference"].startswith("Author, A. (2025)")  # the study's own reference
    assert slot_events[slots.LANGUAGE] == "ja"


@pytest.mark.usefixtures("bilingual_service")
async def test_a_japanese_question_nobody_covers_gets_the_japanese_fallback(
    make_tracker: TrackerFactory,
) -> None:
    messages, _ = await run(ANSWER, make_tracker("明日は雨が降るかな？"))
    assert messages[0]["custom"]["senpai"]["kind"] == "fallback"
    assert "天気や季節のこと" in messages[0]["text"] and "気象庁" in messages[0]["text"]
    assert all(any("\u3040" <= ch <= "\u9fff" for ch in b["title"]) for b in messages[0]["buttons"])


@pytest.mark.usefixtures("bilingual_service")
async def test_small_talk_and_sources_in_japanese(make_tracker: TrackerFactory) -> None:
    messages, _ = await run(SMALL_TALK, make_tracker("こんにちは", "greet"))
    assert messages[0]["text"].startswith("こんにちは、Senpaiです")
    messages, _ = await run(
        CITE_SOURCE,
        make_tracker("出典は？", "ask_source", last_passages=["programme-start"], language="ja"),
    )
    assert "「プログラムが始まった年」の出典は Author, A. (2025). Study A." in messages[0]["text"]


@pytest.mark.usefixtures("bilingual_service")
async def test_asking_for_english_is_remembered_and_repeats_the_last_answer(
    make_tracker: TrackerFactory,
) -> None:
    tracker = make_tracker(
        "英語で",
        "choose_language",
        last_passages=["programme-start"],
        last_question="設立は何年？",
        language="ja",
    )
    messages, slot_events = await run(SMALL_TALK, tracker)
    assert slot_events == {slots.LANGUAGE_PREFERENCE: "en", slots.LANGUAGE: "en"}
    assert messages[0]["text"].startswith("Sure, I'll answer in English")
    assert "began in 1987" in messages[1]["text"]
    # Later Japanese messages are answered in English, as asked.
    later = make_tracker("プログラムの目的は何ですか？", language="en", language_preference="en")
    messages, _ = await run(ANSWER, later)
    assert messages[0]["custom"]["senpai"]["lang"] == "en" and "two aims" in messages[0]["text"]


@pytest.mark.usefixtures("bilingual_service")
async def test_a_role_acknowledged_in_japanese(make_tracker: TrackerFactory) -> None:
    tracker = make_tracker("私はJTEです", "inform_role")
    tracker.latest_message["entities"] = [{"entity": "role", "value": "jte", "start": 2, "end": 5}]
    messages, slot_events = await run(SET_ROLE, tracker)
    assert slot_events[slots.ROLE] == "jte" and slot_events[slots.LANGUAGE] == "ja"
    assert messages[0]["text"].startswith("ありがとうございます！JTEの先生向け")


def test_every_sentence_exists_in_both_languages() -> None:
    assert set(TEXTS["en"]) == set(TEXTS["ja"])
    for key, english in TEXTS["en"].items():
        assert sorted(_fields(english)) == sorted(_fields(TEXTS["ja"][key])), key


def test_every_button_exists_in_both_languages_with_the_same_role_payloads() -> None:
    from actions.texts import BUTTONS

    assert set(BUTTONS["en"]) == set(BUTTONS["ja"])
    for key, english in BUTTONS["en"].items():
        assert len(english) == len(BUTTONS["ja"][key]), key
    assert [p for _, p in BUTTONS["en"]["roles"]] == [p for _, p in BUTTONS["ja"]["roles"]]


def _fields(template: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def test_the_tiny_corpus_source_fixture_is_plain() -> None:
    assert textwrap.dedent(SOURCES).strip().startswith("sources:")


def test_the_japanese_encoder_keeps_its_cache_and_waits_passively(
    tiny_bilingual: Index, tmp_path: Path, japanese_encoder: Any
) -> None:
    import os

    from knowledge import CachedEncoder

    assert os.environ.get("OMP_WAIT_POLICY") == "PASSIVE"  # no OpenMP thread spinning between calls
    saved = save_index(tiny_bilingual, tmp_path / "index")
    cached = CachedEncoder(japanese_encoder, 16)
    loaded = load_index(saved, tiny_bilingual.encoder, lexical_weight=0.0, japanese_encoder=cached)
    assert loaded.japanese is not None and loaded.japanese.encoder is cached
    loaded.warm("設立は何年？")  # what the gateway's prefetch does while Rasa parses
    assert len(cached) == 1
    assert loaded.search("設立は何年？", 1)[0].id == "programme-start"
    assert len(cached) == 1  # the search used the prefetched embedding

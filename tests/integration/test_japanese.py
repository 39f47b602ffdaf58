"""Japanese through the real stack's /api/chat: greetings, role statements, questions and refusals."""

from __future__ import annotations

import json

import pytest

from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration


def japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)


def test_a_jte_greets_says_who_they_are_and_asks_in_japanese(stack: Stack) -> None:
    hello = stack.chat("ja-jte", "こんにちは")
    assert hello["kind"] == "smalltalk" and hello["lang"] == "ja"
    assert hello["messages"][0]["text"].startswith("こんにちは、Senpaiです")
    assert all(japanese(b["title"]) for b in hello["messages"][0]["buttons"])
    role = stack.chat("ja-jte", "私はJTEです")
    assert role["role"] == "jte" and role["messages"][0]["text"].startswith("ありがとうございます")
    answer = stack.chat("ja-jte", "ALTは私たちに何を望んでいますか？")
    assert answer["kind"] == "answer" and answer["lang"] == "ja"
    message = answer["messages"][0]
    assert japanese(message["text"]) and "JTE" in message["text"]
    citation = message["citations"][0]
    assert japanese(citation["title"]) and citation["reference"].startswith("Hiratsuka, T. (2025)")
    source = stack.chat("ja-jte", "出典は？")
    assert "の出典は Hiratsuka, T. (2025)" in source["messages"][0]["text"]
    thanks = stack.chat("ja-jte", "ありがとう")
    assert thanks["kind"] == "smalltalk" and "どういたしまして" in thanks["messages"][0]["text"]


def test_full_width_letters_are_read_as_ascii(stack: Stack) -> None:
    body = stack.chat("ja-width", "ＪＥＴプログラムはいつ始まりましたか？")
    assert body["kind"] == "answer" and "1987年" in body["messages"][0]["text"]


def test_a_japanese_question_the_studies_do_not_cover_is_refused_in_japanese(stack: Stack) -> None:
    body = stack.chat("ja-tax", "ALTの住民税の払い方を教えてください")
    assert body["kind"] == "fallback" and body["lang"] == "ja"
    text = body["messages"][0]["text"]
    assert text.startswith("申し訳ありません") and "税金" in text
    assert not body["messages"][0]["citations"]


def test_asking_for_the_other_language_is_remembered(stack: Stack) -> None:
    first = stack.chat("ja-switch", "What is the Dabbler identity?")
    assert first["kind"] == "answer" and first.get("lang", "en") == "en"
    switched = stack.chat("ja-switch", "in Japanese please")
    assert switched["lang"] == "ja"
    assert [japanese(m["text"]) for m in switched["messages"]] == [True, True]  # a note, then the answer
    later = stack.chat("ja-switch", "Why are ALTs called assistants?")
    assert later["lang"] == "ja" and japanese(later["messages"][0]["text"])
    back = stack.chat("ja-switch", "英語で")
    assert back["lang"] == "en" and back["messages"][0]["text"].startswith("Sure, I'll answer in English")


def test_bad_japanese_input_gets_a_clear_error(stack: Stack) -> None:
    status, body = stack.patiently(
        "POST", "/api/chat", json.dumps({"sender": stack.token("ja-bad"), "message": "　"}).encode()
    )
    assert status == 400 and "message" in body["error"] and body["error_ja"].startswith("メッセージが空です")
    status, body = stack.patiently(
        "POST", "/api/chat", json.dumps({"sender": stack.token("ja-bad"), "message": "あ" * 3000}).encode()
    )
    assert status in (400, 413) and "error" in body  # too long, or a body over the size limit
    follow = stack.chat("ja-bad", "JETの目的は何ですか？")  # nothing was lost: the conversation goes on
    assert follow["kind"] == "answer"

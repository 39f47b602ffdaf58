"""The real stack: `senpai up` with the action server, Rasa and the gateway.

Needs the trained model and the built index (``make test`` builds both).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from typing import Any

import pytest

from knowledge import load_corpus
from knowledge.content.corpus import DEFAULT_CORPUS_DIR
from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration


def test_health(stack: Stack) -> None:
    assert stack.request("GET", "/healthz") == (200, {"status": "ok", "rasa": "ok", "actions": "ok"})
    assert "Senpai is up" in stack.output()
    assert "retention: deleted" in stack.output()  # older conversations go at start (SENPAI_RETENTION_DAYS)


def test_answer_with_citation(stack: Stack) -> None:
    body = stack.chat("it-answer", "When did the JET Programme start?")
    assert body["kind"] == "answer"
    message = body["messages"][0]
    assert "1987" in message["text"]
    assert message["citations"], body
    citation = message["citations"][0]
    assert {"passage_id", "title", "source", "section"} <= set(citation)
    assert citation["source"].startswith("Hiratsuka (2025)")


def test_weather_falls_back_honestly(stack: Stack) -> None:
    body = stack.chat("it-weather", "What's the weather going to be like in Tokyo tomorrow?")
    assert body["kind"] == "fallback"
    assert all(not m["citations"] for m in body["messages"])
    assert 2 <= len(body["messages"][-1]["buttons"]) <= 3


def test_tell_me_more_and_where_is_that_from(stack: Stack) -> None:
    first = stack.chat("it-follow", "What is the Dabbler identity?")
    assert first["kind"] == "answer"
    first_ids = {c["passage_id"] for c in first["messages"][0]["citations"]}

    more = stack.chat("it-follow", "tell me more")
    assert more["kind"] == "answer"
    more_ids = [c["passage_id"] for c in more["messages"][0]["citations"]]
    assert more_ids and not set(more_ids) & first_ids

    source = stack.chat("it-follow", "where is that from?")
    assert source["kind"] == "answer"
    assert [c["passage_id"] for c in source["messages"][0]["citations"]] == more_ids
    assert re.search(r"Hiratsuka, T\. \(2025\)\. .*doi\.org", source["messages"][0]["text"])


CORPUS_QUESTIONS = [
    ("explain the ALT identity model to me like I'm brand new", {"identity-model-overview"}),
    ("dabler identity explain pls", {"identity-dabbler-overview"}),
    ("foreigner identity sub-identities", {"identity-foreigner-overview"}),
    ("jet requirements degree teaching license", {"jet-eligibility"}),
    ("How much does a JET ALT earn per month?", {"jet-salary-benefits"}),
    ("team teaching basics in japanese schools", {"jte-team-teaching-basics"}),
    ("how shoud i talk to my jte, what communcation style works", {"jte-communication-style"}),
    ("is the skill development conference compulsory", {"pd-what-exists", "jet-boards-of-education"}),
    ("are the conference workshops run by ALTs themselves?", {"pd-who-runs-workshops"}),
    ("how long was each zoom interview in the identity study", {"studies-identity-method"}),
    ("how many pages of transcripts did the identity study produce", {"studies-identity-analysis"}),
]
OUT_OF_SCOPE = [
    "how do I pay my residence tax",
    "which day is burnable garbage collected in my town",
    "how do I reverse a list in python",
]


@pytest.mark.parametrize(("question", "expected"), CORPUS_QUESTIONS)
def test_corpus_questions_are_answered_from_the_right_passage(
    stack: Stack, question: str, expected: set[str]
) -> None:
    body = stack.chat(f"it-corpus-{CORPUS_QUESTIONS.index((question, expected))}", question)
    assert body["kind"] in ("answer", "clarify"), body
    if body["kind"] == "answer":
        cited = {c["passage_id"] for c in body["messages"][0]["citations"]}
        assert cited & expected, body
    else:  # a clarify question must offer the right passage as one of its two choices
        buttons = body["messages"][0]["buttons"]
        assert len(buttons) == 2
        corpus = load_corpus()
        titles = {corpus.get(pid).title for pid in expected}
        assert any(b["title"].endswith(": " + t) for b in buttons for t in titles), body


@pytest.mark.parametrize("question", OUT_OF_SCOPE)
def test_out_of_scope_questions_fall_back(stack: Stack, question: str) -> None:
    body = stack.chat(f"it-oos-{OUT_OF_SCOPE.index(question)}", question)
    assert body["kind"] == "fallback", body
    assert not any(m["citations"] for m in body["messages"])


def test_a_jte_gets_the_passage_written_for_jtes(stack: Stack) -> None:
    assert stack.chat("it-jte", "I'm a JTE")["kind"] == "smalltalk"
    body = stack.chat("it-jte", "How can I use my ALT in lessons for more than pronunciation drills?")
    assert body["kind"] == "answer", body
    assert body["messages"][0]["citations"][0]["passage_id"] == "jte-for-jtes-use-cultural-knowledge"


def test_a_question_that_comes_with_the_role_is_answered_for_that_role(stack: Stack) -> None:
    message = "I'm one of the Japanese teachers of English at my school, why did our ALT choose Japan?"
    body = stack.chat("it-role-question", message)  # NLU: inform_role, naming JTE and then ALT
    assert body["kind"] == "answer", body
    text = " ".join(m["text"] for m in body["messages"])
    assert "prefer answers written for Japanese teachers of English" in text, body  # the first role named
    cited = [c["passage_id"] for m in body["messages"] for c in m["citations"]]
    assert cited and cited[0] in {"identity-enthusiast-why-japan", "jte-for-jtes-japan-enthusiasts"}, body


def test_a_role_named_in_a_question_is_not_taken_for_the_users(stack: Stack) -> None:
    stack.chat("it-role-keep", "I'm a JTE")
    stack.chat("it-role-keep", "How can I use my ALT in lessons for more than pronunciation drills?")
    stack.chat("it-role-keep", "Does the way I treat my ALT change how they see themselves?")
    assert _role_events(stack, "it-role-keep") == ["jte"]


def _role_events(stack: Stack, sender: str) -> list[str]:
    """The values the ``role`` slot was set to in a conversation, from the SQLite tracker store."""
    with sqlite3.connect(stack.data_dir / "tracker.db") as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'slot' AND action_name = 'role'",
            (stack.conversation(sender),),
        ).fetchall()
    return [json.loads(data)["value"] for (data,) in rows]


def test_a_role_stated_inside_a_topical_question_is_remembered(stack: Stack) -> None:
    # NLU files this under ask_jte, not inform_role; action_answer reads the role itself.
    body = stack.chat("it-role-inline", "I'm a JTE at a junior high, what do ALTs want from us?")
    assert body["kind"] == "answer", body
    cited = [c["passage_id"] for m in body["messages"] for c in m["citations"]]
    assert cited and cited[0].startswith("jte-for-jtes-"), body  # the passage written for JTEs
    stack.chat("it-role-inline", "How can I use my ALT in lessons for more than pronunciation drills?")
    assert _role_events(stack, "it-role-inline") == ["jte"]


def test_where_is_that_from_before_any_answer_names_the_studies(stack: Stack) -> None:
    body = stack.chat("it-sources", "where is that from?")
    text = body["messages"][0]["text"]
    assert "these 2 studies" in text and text.count("Hiratsuka, T.") >= 2, body


def test_smalltalk(stack: Stack) -> None:
    body = stack.chat("it-hello", "hello")
    assert body["kind"] == "smalltalk"
    assert "Senpai" in body["messages"][0]["text"]


NEW_TOPIC = """
topic: kettle
title: "Staff room kettle"
passages:
  - id: test-kettle-rota
    audience: all
    title: "The staff room kettle rota"
    text: >-
      This passage exists only in Senpai's integration test. It says that the
      staff room kettle follows a weekly rota written on a purple whiteboard,
      so the test can check that a rebuilt index is served without a restart.
    questions: ["Who fills the staff room kettle?"]
    citation: {source: pd2025, section: "Test fixture"}
    title_ja: "職員室のポットの当番"
    text_ja: >-
      この文章はSenpaiの統合テストのためだけにあります。職員室のポットは紫のホワイトボードに
      書かれた週ごとの当番表に従う、という内容で、再構築した索引が再起動なしで使われるかを確かめます。
    questions_ja: ["職員室のポットは誰が満たしますか？"]
"""


def test_a_web_conversation_is_read_and_continued_only_with_the_id_the_gateway_issued(stack: Stack) -> None:
    note = "my JTE barely talks to me"
    status, ann = stack.request("POST", "/api/chat", json.dumps({"message": note}).encode())
    assert status == 200 and ann["sender"]
    status, ben = stack.request("POST", "/api/chat", json.dumps({"message": "hi"}).encode())
    assert status == 200 and ben["sender"] != ann["sender"]
    mine = stack.request("GET", f"/api/history?sender={ann['sender']}")[1]
    assert [m["text"] for m in mine["messages"] if m["from"] == "user"] == [note]
    theirs = stack.request("GET", f"/api/history?sender={ben['sender']}")[1]
    assert note not in json.dumps(theirs)  # two web users never see each other's history
    token = ann["sender"]
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    refused = stack.patiently  # guessing counts against the per-address rate limit too

    for bad in (token[:30], token[:-1], forged, "a", "web:" + token[2:24], token.lower()):
        status, body = refused("GET", f"/api/history?sender={bad}")
        assert status == 403 and note not in json.dumps(body), bad
        body_text = json.dumps({"sender": bad, "message": "what did I say?"}).encode()
        assert refused("POST", "/api/chat", body_text)[0] == 403
    # Ben can't rate Ann's answer either: feedback only on one's own messages.
    rated = json.dumps({"sender": ben["sender"], "message_id": ann["messages"][0]["id"], "rating": -1})
    assert refused("POST", "/api/feedback", rated.encode())[0] == 404
    mine_again = stack.request("GET", f"/api/history?sender={token}")[1]
    assert mine_again["messages"] == mine["messages"]  # nothing the refused requests said got in


def cited_ids(body: dict[str, Any]) -> list[str]:
    return [c["passage_id"] for m in body["messages"] for c in m["citations"]]


def test_follow_ups_lean_on_the_previous_turn(stack: Stack) -> None:
    # "why?" after a definition: answered about the same thing, not "I don't know".
    first = stack.chat("ctx-why", "Why are ALTs called assistants?")
    why = stack.chat("ctx-why", "who decided that?")
    assert first["kind"] == "answer" and why["kind"] == "answer", why
    assert " comes from " not in why["messages"][0]["text"]  # not mistaken for "where is that from?"
    # An elliptical follow-up on pay gets the pay passage again, with the later figures.
    stack.chat("ctx-pay", "How much do JET ALTs get paid?")
    later = stack.chat("ctx-pay", "and after a few years?")
    assert later["kind"] == "answer" and "jet-salary-benefits" in cited_ids(later), later
    # "where were they from?" is about the participants, not the source of the answer.
    stack.chat("ctx-who", "How many ALTs were in the professional development study?")
    origins = stack.chat("ctx-who", "where were they from?")
    assert origins["kind"] == "answer", origins  # the PD study's participants: countries or prefectures
    assert cited_ids(origins)[0].startswith(("studies-pd-table", "studies-pd-selection")), origins


def test_a_topic_switch_is_answered_as_in_a_fresh_conversation(stack: Stack) -> None:
    question = "What is the JET Programme for?"
    stack.chat("ctx-switch", "What is the Japan Enthusiast identity?")
    switched = stack.chat("ctx-switch", question)
    fresh = stack.chat("ctx-fresh", question)
    assert switched["kind"] == fresh["kind"] == "answer"
    assert cited_ids(switched) == cited_ids(fresh)


def test_no_question_gets_small_talk_and_a_lone_follow_up_gets_a_prompt(stack: Stack) -> None:
    stock = stack.chat("ctx-stock", "Is the stock market going up this year?")
    assert stock["kind"] == "fallback" and "I'm a bot" not in stock["messages"][0]["text"]
    alone = stack.chat("ctx-alone", "why?")
    assert alone["kind"] == "fallback" and "haven't answered anything yet" in alone["messages"][0]["text"]
    assert alone["messages"][0]["buttons"]


def test_rebuilt_index_is_served_without_restart(stack: Stack) -> None:
    question = "who fills the staff room kettle on the purple whiteboard rota?"
    before = stack.chat("it-reload", question)
    assert before["kind"] == "fallback"
    corpus = stack.data_dir / "corpus"
    shutil.copytree(DEFAULT_CORPUS_DIR, corpus)
    (corpus / "kettle.yaml").write_text(NEW_TOPIC)
    env = {**stack.env, "SENPAI_CORPUS_DIR": str(corpus), "SENPAI_INDEX_DIR": str(stack.data_dir / "index")}
    build = subprocess.run(
        [sys.executable, "-m", "senpai", "build-index", "--quiet"],
        env=env,
        capture_output=True,
        timeout=300,
    )
    assert build.returncode == 0, build.stderr.decode()
    deadline = time.monotonic() + 30
    for attempt in range(1, 1000):  # a new conversation each time, well inside the rate limit
        body = stack.chat(f"it-reload-{attempt}", question)
        cited = [c["passage_id"] for m in body["messages"] for c in m["citations"]]
        if cited == ["test-kettle-rota"]:
            break
        assert time.monotonic() < deadline, body
        time.sleep(1)
    assert "reloaded index" in stack.output()


def test_ctrl_c_stops_everything(stack: Stack) -> None:
    pids = [int(p) for p in re.findall(r"started \w+ \(pid (\d+)\)", stack.output())]
    stack.proc.send_signal(signal.SIGINT)
    assert stack.proc.wait(60) == 0
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert "[senpai] stopped" in stack.output()

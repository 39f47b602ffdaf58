"""The embedded profile's default: two Rasa replicas on one SQLite tracker store, senders pinned.

Without a shared lock store each replica's lock lives in its own memory, so the
gateway sends every message of a sender to the same replica (the least busy
one when the sender first writes). These tests check that conversations keep their context, that a
burst from one sender is still handled one message at a time, that both
replicas writing one SQLite file lose nothing, and that a dead replica's
senders are served by the other one.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.integration.conftest import ANSWER_TURN, Stack, answer_turns, start_stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {
        "SENPAI_RASA_REPLICAS": "2",
        "SENPAI_RATE_SENDER_PER_MIN": "10000",
        "SENPAI_RATE_IP_PER_MIN": "100000",
    }
    running = start_stack(tmp_path_factory.mktemp("replicas"), env)
    try:
        yield running
    finally:
        running.stop()


def events(stack: Stack, sender: str) -> list[str]:
    with sqlite3.connect(stack.data_dir / "tracker.db") as db:
        rows = db.execute(
            "SELECT type_name, action_name FROM events WHERE sender_id = ? ORDER BY id",
            (stack.conversation(sender),),
        ).fetchall()
    return [f"{t}:{a}" if a else t for t, a in rows]


def cited(reply: dict[str, Any]) -> set[str]:
    return {c["passage_id"] for m in reply["messages"] for c in m["citations"]}


def test_two_replicas_share_one_sqlite_tracker_store(stack: Stack) -> None:
    status, health = stack.request("GET", "/healthz")
    assert (status, health["status"], health["rasa-1"], health["rasa-2"]) == (200, "ok", "ok", "ok")


@pytest.mark.parametrize("sender", ["context-a", "context-b"])  # one after the other: one on each replica
def test_a_conversation_keeps_its_context_on_either_replica(stack: Stack, sender: str) -> None:
    first = stack.chat(sender, "What is the Dabbler identity?")
    more = stack.chat(sender, "tell me more")
    source = stack.chat(sender, "where is that from?")
    assert first["kind"] == more["kind"] == "answer", (first, more)
    first_ids = cited(first)
    more_ids = cited(more)
    assert more_ids and first_ids.isdisjoint(more_ids)
    assert cited(source) == more_ids
    status, history = stack.request("GET", f"/api/history?sender={stack.token(sender)}")
    assert status == 200
    assert [m["text"] for m in history["messages"] if m["from"] == "user"] == [
        "What is the Dabbler identity?",
        "tell me more",
        "where is that from?",
    ]


def test_a_burst_from_one_sender_is_handled_one_message_at_a_time(stack: Stack) -> None:
    questions = [f"What is the Dabbler identity? ({n})" for n in range(8)]  # within one sender's burst
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda q: stack.chat("burst", q), questions))
    assert all(r["kind"] == "answer" for r in replies), replies
    turns = answer_turns(events(stack, "burst"))
    assert len(turns) == 8
    for turn in turns:  # each message is handled whole before the next one starts
        assert turn == ANSWER_TURN, turn


def test_both_replicas_writing_one_sqlite_file_lose_nothing(stack: Stack) -> None:
    senders = [f"crowd-{n}" for n in range(24)]
    asked = ["When did the JET Programme start?", "hi", "What do JTEs want from ALTs?"]

    def converse(sender: str) -> list[str]:
        return [stack.chat(sender, text)["kind"] for text in asked]

    with ThreadPoolExecutor(max_workers=24) as pool:
        kinds = list(pool.map(converse, senders))
    assert all("error" not in k for k in kinds), kinds
    for sender in senders:
        assert events(stack, sender).count("user") == len(asked), sender


def test_a_dead_replicas_senders_are_served_by_the_other(stack: Stack) -> None:
    senders = [f"orphan-{n}" for n in range(4)]
    for sender in senders:  # one at a time, so they are pinned to the replicas in turn
        assert stack.chat(sender, "hi")["kind"] == "smalltalk"
    os.kill(stack.pid_of("rasa-2"), signal.SIGKILL)
    statuses = []
    for n in range(2):
        for sender in senders:
            message = json.dumps({"sender": stack.token(sender), "message": f"When did JET start? {n}"})
            status, body = stack.request("POST", "/api/chat", message.encode())
            statuses.append(status)
            assert status == 503 or body["kind"] == "answer", body
    # At most the one message on its way to the dying replica gets "try again".
    assert statuses.count(503) <= 1 and statuses[-4:] == [200] * 4, statuses
    served = sum(events(stack, sender).count("user") for sender in senders)
    assert served == len(senders) + statuses.count(200)
    stack.wait_for_output("rasa-2 exited unexpectedly", 30)


def test_senpai_is_up_with_the_first_replica_and_the_second_joins_later(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    import re
    import time

    from senpai.harness import LocalStack

    env = {"SENPAI_RASA_REPLICAS": "2"}
    started = LocalStack.start(tmp_path_factory.mktemp("first-replica"), env, every_replica=False)
    early = Stack(**vars(started))
    try:
        status, health = early.request("GET", "/healthz")
        assert status == 200 and health["status"] in ("degraded", "ok")
        assert health["actions"] == "ok" and "ok" in (health["rasa-1"], health["rasa-2"])
        reply = early.chat("early-bird", "When did the JET Programme start?")  # served while rasa-2 loads
        assert reply["kind"] == "answer" and "jet-start-1987" in cited(reply)
        early.wait_for_output("all 2 Rasa replicas up", 120)
        up = float(re.findall(r"Senpai is up after ([\d.]+)s", early.output())[0])
        every = float(re.findall(r"all 2 Rasa replicas up after ([\d.]+)s", early.output())[0])
        assert up < every
        deadline = time.monotonic() + 10
        while early.request("GET", "/healthz")[1]["status"] != "ok":
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        early.stop()

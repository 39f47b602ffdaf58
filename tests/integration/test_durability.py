"""Conversations and feedback survive a restart of every process (the embedded profile)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.integration.conftest import start_stack

pytestmark = pytest.mark.integration


def test_conversation_and_feedback_survive_a_restart_of_everything(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    data: Path = tmp_path_factory.mktemp("durable")
    first = start_stack(data)
    try:
        answer = first.chat("durable-1", "What is the Dabbler identity?")
        assert answer["kind"] == "answer"
        message_id = answer["messages"][0]["id"]
        status, _ = first.request(
            "POST",
            "/api/feedback",
            json.dumps({"sender": first.token("durable-1"), "message_id": message_id, "rating": 1}).encode(),
        )
        assert status == 201
    finally:
        assert first.stop() == 0

    # Everything was stopped; the conversation is in the SQLite tracker store.
    with sqlite3.connect(data / "tracker.db") as db:
        users = db.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'user'",
            (first.conversation("durable-1"),),
        ).fetchone()[0]
    assert users == 1

    second = start_stack(data, ports=first.ports)
    try:
        # The id issued before the restart is still valid: the gateway's secret is kept in the data dir.
        status, history = second.request("GET", f"/api/history?sender={first.token('durable-1')}")
        assert status == 200
        texts = [(m["from"], m["text"]) for m in history["messages"]]
        assert ("user", "What is the Dabbler identity?") in texts
        bot = [m for m in history["messages"] if m["from"] == "bot"]
        assert bot and bot[0]["kind"] == "answer" and bot[0]["id"] == message_id and bot[0]["citations"]
        # The conversation goes on where it stopped: "tell me more" follows the earlier answer.
        second.__dict__["_names"] = first.__dict__["_names"]
        more = second.chat("durable-1", "tell me more")
        assert more["kind"] == "answer"
        assert (
            more["messages"][0]["citations"][0]["passage_id"]
            != answer["messages"][0]["citations"][0]["passage_id"]
        )
    finally:
        second.stop()
    with sqlite3.connect(data / "feedback.sqlite3") as db:
        rows = db.execute("SELECT sender, message_id, rating FROM feedback").fetchall()
    assert rows == [(first.conversation("durable-1"), message_id, 1)]

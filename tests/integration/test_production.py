"""The production profile on the local PostgreSQL and Redis: two Rasa replicas share one conversation.

Skips (saying why) where PostgreSQL or Redis is not running on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from senpai.harness import free_port
from tests.integration.conftest import ANSWER_TURN, Stack, answer_turns, start_stack
from tests.pg import reachable, throwaway_database

pytestmark = pytest.mark.integration

REDIS = ("127.0.0.1", 6379)


ADMIN_TOKEN = "organiser-token-production"
METRICS_TOKEN = "metrics-token-production-0123"


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    if not reachable(REDIS):
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    with throwaway_database("senpai_it") as url:
        yield url


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, database: str) -> Iterator[Stack]:
    env = {
        "SENPAI_PROFILE": "production",
        "DATABASE_URL": database,
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "SENPAI_RASA_REPLICAS": "2",
        "SENPAI_SENDER_SECRET": secrets.token_hex(32),
        "SENPAI_ADMIN_TOKEN": ADMIN_TOKEN,
        "SENPAI_METRICS_TOKEN": METRICS_TOKEN,
        "SENPAI_ACTION_METRICS_TOKEN": METRICS_TOKEN[::-1],
        "SENPAI_SUPERVISOR_METRICS_PORT": str(free_port()),
    }
    running = start_stack(tmp_path_factory.mktemp("production"), env)
    try:
        yield running
    finally:
        running.stop()


def replica(stack: Stack, number: int) -> str:
    return f"http://127.0.0.1:{stack.ports['rasa'] + number - 1}"


def rasa_turn(stack: Stack, number: int, sender: str, text: str) -> list[dict[str, Any]]:
    """Send one message straight to one replica's REST channel."""
    req = urllib.request.Request(
        replica(stack, number) + "/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        return list(json.loads(resp.read()))


def cited(messages: list[dict[str, Any]]) -> list[str]:
    return [
        c["passage_id"]
        for m in messages
        for c in ((m.get("custom") or {}).get("senpai") or {}).get("citations", [])
    ]


def events(database: str, sender: str) -> list[str]:
    import psycopg

    with psycopg.connect(database) as db:
        rows = db.execute(
            "SELECT type_name, action_name FROM events WHERE sender_id = %s ORDER BY id", (sender,)
        ).fetchall()
    return [f"{t}:{a}" if a else t for t, a in rows]


def test_both_replicas_are_up_behind_the_gateway(stack: Stack) -> None:
    status, health = stack.request("GET", "/healthz")
    assert (status, health["status"], health["rasa-1"], health["rasa-2"]) == (200, "ok", "ok", "ok")


def test_a_conversation_alternating_between_replicas_keeps_its_context(stack: Stack, database: str) -> None:
    first = rasa_turn(stack, 1, "alternate", "What is the Dabbler identity?")
    assert cited(first), first
    more = rasa_turn(stack, 2, "alternate", "tell me more")  # the other replica follows on
    assert cited(more) and set(cited(more)).isdisjoint(cited(first)), more
    source = rasa_turn(stack, 1, "alternate", "where is that from?")
    assert cited(source) == cited(more)  # "that" is what replica 2 said
    assert events(database, "alternate").count("user") == 3  # (Rasa's own REST channel, behind the gateway)


def test_the_gateway_round_robins_and_history_is_shared(stack: Stack) -> None:
    answer = stack.chat("rr", "When did the JET Programme start?")
    more = stack.chat("rr", "tell me more")
    assert answer["kind"] == more["kind"] == "answer"
    status, history = stack.request("GET", f"/api/history?sender={stack.token('rr')}")
    assert status == 200
    assert [m["text"] for m in history["messages"] if m["from"] == "user"] == [
        "When did the JET Programme start?",
        "tell me more",
    ]


def test_concurrent_messages_from_one_sender_are_serialised_by_the_lock_store(
    stack: Stack, database: str
) -> None:
    questions = [f"What is the Dabbler identity? ({n})" for n in range(12)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        replies = list(pool.map(lambda n: rasa_turn(stack, 1 + n % 2, "racer", questions[n]), range(12)))
    assert all(cited(r) for r in replies)
    turns = answer_turns(events(database, "racer"))
    assert len(turns) == 12
    for turn in turns:  # each message is handled whole before the next one starts
        assert turn == ANSWER_TURN, turn


def test_feedback_goes_to_the_shared_postgresql_database(stack: Stack, database: str) -> None:
    import psycopg

    answer = stack.chat("rated", "When did the JET Programme start?")
    body = json.dumps(
        {"sender": stack.token("rated"), "message_id": answer["messages"][0]["id"], "rating": -1}
    )
    status, stored = stack.request("POST", "/api/feedback", body.encode())
    assert status == 201, stored
    with psycopg.connect(database) as db:
        rows = db.execute("SELECT sender, message_id, rating FROM feedback WHERE id = %s", (stored["id"],))
        assert rows.fetchall() == [(stack.conversation("rated"), answer["messages"][0]["id"], -1)]


def test_the_insights_page_counts_what_postgresql_holds(stack: Stack, database: str) -> None:
    import psycopg

    from tests.integration.test_admin import get, sign_in, today

    for theme in ("where can I park my car at school", "how do I renew my visa"):
        assert stack.chat(f"missed-{theme[:8]}", theme)["kind"] == "fallback"
    status, cookie = sign_in(stack, ADMIN_TOKEN)
    assert status == 303
    with psycopg.connect(database) as db:
        stored = db.execute(
            "SELECT COUNT(*) FROM events WHERE type_name = 'user' AND (data::jsonb ->> 'text') NOT LIKE '/%%'"
        ).fetchone()[0]
    status, page, _ = get(stack, f"/admin/?since={today()}&until={today()}", cookie.split(";")[0])
    assert status == 200 and f"<strong>{stored}</strong> messages" in page
    status, missed, _ = get(stack, f"/admin/missed?since={today()}&until={today()}", cookie.split(";")[0])
    assert "where can I park my car at school" in missed and "how do I renew my visa" in missed
    status, unhelpful, _ = get(
        stack, f"/admin/unhelpful?since={today()}&until={today()}", cookie.split(";")[0]
    )
    assert "When did the JET Programme start?" in unhelpful  # the thumbs-down of the feedback test


def test_organisers_changes_go_to_postgresql(stack: Stack, database: str) -> None:
    import psycopg

    from tests.integration.test_admin import get, today
    from tests.integration.test_curation import Organiser

    for n, question in enumerate(("how do I renew my visa", "where can I park my car at school")):
        assert stack.chat(f"curation-asker-{n}", question)["kind"] == "fallback"
    organiser = Organiser(stack, ADMIN_TOKEN)
    status, made = organiser.post(
        "/admin/api/changes", {"kind": "ignore", "questions": ["how do I renew my visa"]}
    )
    assert status == 200, made
    with psycopg.connect(database) as db:
        rows = db.execute("SELECT kind, state, who FROM curation_changes").fetchall()
    assert rows == [("ignore", "live", "an organiser (edit token)")]
    _, missed, _ = get(stack, f"/admin/missed?since={today()}&until={today()}", organiser.cookie)
    assert "how do I renew my visa" not in missed and "where can I park my car at school" in missed


def test_every_gateway_and_action_server_exposes_its_own_metrics(stack: Stack) -> None:
    from tests.integration.test_metrics import moved, scrape

    gateway = (f"{stack.url}/metrics", METRICS_TOKEN)
    actions = (f"http://127.0.0.1:{stack.ports['actions']}/metrics", METRICS_TOKEN[::-1])
    before = scrape(*gateway), scrape(*actions)
    assert stack.chat("metrics-production", "When did the JET Programme start?")["kind"] == "answer"
    after = scrape(*gateway), scrape(*actions)
    assert moved(before[0], after[0], "senpai_replies_total", channel="web", kind="answer", lang="en") == 1
    assert moved(before[1], after[1], "senpai_decisions_total", channel="web", kind="answer", lang="en") == 1
    for replica in ("rasa-1", "rasa-2"):  # the names every host uses
        assert after[0][("senpai_component_up", frozenset({("component", replica)}))] == 1


def test_the_orientation_report_reads_postgresql(stack: Stack, database: str) -> None:
    from tests.integration.test_admin import get, sign_in, today

    _, cookie = sign_in(stack, ADMIN_TOKEN)
    status, body, _ = get(stack, f"/admin/report.json?since={today()}&until={today()}", cookie.split(";")[0])
    assert status == 200
    report = json.loads(body)
    assert [t["theme"] for t in report["themes"]][:3] == ["role_identity", "jtes", "jet_aims"]
    assert report["min_conversations"] == 5


def test_a_dead_replica_degrades_service_instead_of_stopping_it(stack: Stack) -> None:
    os.kill(stack.pid_of("rasa-2"), signal.SIGKILL)
    statuses = []
    for n in range(6):  # every other request would go to the dead replica
        status, body = stack.request(
            "POST",
            "/api/chat",
            json.dumps({"sender": stack.token(f"failover-{n}"), "message": "When did JET start?"}).encode(),
        )
        statuses.append(status)
        assert status == 503 or body["kind"] == "answer", body
    # At most the one request that was on its way to the dying replica gets "try again"; the
    # gateway then sets the replica aside and the other one serves everything.
    assert statuses.count(503) <= 1 and statuses[-4:] == [200] * 4, statuses
    status, health = stack.request("GET", "/healthz")
    if status == 200 and health["status"] == "degraded":  # unless the supervisor already restarted it
        assert health["down"] == ["rasa-2"]
    stack.wait_for_output("rasa-2 exited unexpectedly", 30)

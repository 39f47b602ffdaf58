"""Faults on the real stack: a hung or dead action server, a dead Rasa, a broken index.

Each fault must cost the user a clear reply within 5 seconds, never a hang,
and service must come back on its own.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from settings import PROJECT_ROOT
from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

QUESTION = "When did the JET Programme start?"


def timed_chat(stack: Stack, sender: str, message: str) -> tuple[float, int, dict[str, object]]:
    start = time.monotonic()
    status, body = stack.request(
        "POST", "/api/chat", json.dumps({"sender": stack.token(sender), "message": message}).encode()
    )
    return time.monotonic() - start, status, body


def test_hung_action_server_gives_a_clear_error_within_5_seconds_and_recovers(stack: Stack) -> None:
    assert stack.chat("fault-hang", QUESTION)["kind"] == "answer"
    pid = stack.pid_of("actions")
    os.kill(pid, signal.SIGSTOP)  # alive but answering nothing: the worst kind of slow
    try:
        seconds, status, body = timed_chat(stack, "fault-hang", "What is the Dabbler identity?")
        assert status == 200 and body["kind"] == "error", body
        assert "can't reach my notes" in body["messages"][0]["text"]  # type: ignore[index]
        assert seconds < 5, seconds
    finally:
        os.kill(pid, signal.SIGCONT)
    body = stack.chat("fault-hang", "What is the Dabbler identity?")
    assert body["kind"] == "answer", body  # the same conversation goes on


def test_dead_action_server_is_reported_then_service_resumes_on_its_own(stack: Stack) -> None:
    pid = stack.pid_of("actions")
    os.kill(pid, signal.SIGKILL)
    seconds, status, body = timed_chat(stack, "fault-dead", QUESTION)
    assert status == 200 and body["kind"] == "error" and seconds < 5, (seconds, body)
    health_status, health = stack.request("GET", "/healthz")
    if health_status == 503:  # unless the supervisor was quicker than us
        assert "actions" in health["down"]
    stack.wait_for_output("actions exited unexpectedly", 30)
    stack.wait_healthy(120)
    assert stack.chat("fault-dead", QUESTION)["kind"] == "answer"


def test_dead_rasa_answers_503_within_5_seconds_and_healthz_names_it(stack: Stack) -> None:
    pid = stack.pid_of("rasa")
    os.kill(pid, signal.SIGKILL)
    seconds, status, body = timed_chat(stack, "fault-rasa", QUESTION)
    assert status == 503 and seconds < 5, (seconds, status, body)
    assert body["kind"] == "error" and "unavailable" in str(body["error"])
    health_status, health = stack.request("GET", "/healthz")
    assert health_status == 503 and health["down"] == ["rasa"] and health["actions"] == "ok"
    stack.wait_for_output("rasa exited unexpectedly", 30)
    stack.wait_healthy(240)
    assert stack.chat("fault-rasa", QUESTION)["kind"] == "answer"


def run_action_server(index_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "actions"],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "SENPAI_INDEX_DIR": str(index_dir),
            "SENPAI_ACTION_URL": "http://127.0.0.1:9",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_action_server_refuses_a_missing_corrupt_or_mismatched_index(stack: Stack, tmp_path: Path) -> None:
    missing = run_action_server(tmp_path / "nowhere")
    assert missing.returncode == 2 and "build-index" in missing.stderr, missing.stderr

    corrupt = tmp_path / "corrupt"
    shutil.copytree((stack.data_dir / "index" / "current").resolve(), corrupt)
    (corrupt / "index.faiss").write_bytes(b"not a faiss index")
    result = run_action_server(corrupt)
    assert result.returncode == 2 and "Rebuild" in result.stderr, result.stderr

    other_model = tmp_path / "other-model"
    shutil.copytree((stack.data_dir / "index" / "current").resolve(), other_model)
    meta = json.loads((other_model / "meta.json").read_text())
    (other_model / "meta.json").write_text(json.dumps({**meta, "model": "some-other-model"}))
    result = run_action_server(other_model)
    assert result.returncode == 2 and "some-other-model" in result.stderr and "Rebuild" in result.stderr

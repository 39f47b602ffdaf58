"""A long message on the real stack, embedded with the int8 copy of the encoder (the default).

The action server embeds a text of 48 tokens or more on its long-text session;
by default (``SENPAI_LONG_QUERY_INT8=auto``) that session runs the export's int8
copy. The stack must start with it, say so, and answer a long message from the
right passage; with ``SENPAI_LONG_QUERY_INT8=1`` an export without the copy must
stop the action server with the reason, not serve float vectors under an int8
setting (with ``auto`` it serves the float model: tests/unit/knowledge/encoders).
The Japanese scope's second opinion is opt-in (docs/retrieval.md, item 18): the
default stack neither loads it nor warns about it, and an action server asked for
it on a build without it says how to get it, and serves (the rule itself:
tests/unit/knowledge/search/test_second_opinion.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from knowledge import current_dir
from knowledge.encoders.base import DEFAULT_MODEL
from knowledge.encoders.int8 import INT8_FILE
from knowledge.encoders.onnx import META_FILE, WIDE_TOKENS, OnnxEncoder, export_dir
from senpai.harness import free_port
from settings import PROJECT_ROOT, Settings
from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration

#: An ALT's story with the question at its end (our own words), well over the long session's 48 tokens.
NOVELTY_STORY = (
    "I moved to a small town in Kyushu in August and I visit three elementary schools. Every time I "
    "walk into a classroom the kids shout 'gaikokujin!' and want to touch my hair, and the teachers "
    "introduce me mostly as the foreigner from America. Sometimes I feel like I'm only here as a "
    "novelty for the kids to gawk at. Is that just me?"
)


def test_the_default_stack_hears_no_second_opinion_and_does_not_warn(stack: Stack) -> None:
    meta = json.loads((current_dir(stack.data_dir / "index") / "meta.json").read_text(encoding="utf-8"))
    assert meta["second_opinion"] is None
    assert "Japanese scope hears a second opinion" not in stack.output()
    assert "has no second opinion on scope" not in stack.output()


def test_an_action_server_asked_for_a_second_opinion_its_build_lacks_says_so_and_serves(
    stack: Stack,
) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "actions"],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "SENPAI_INDEX_DIR": str(stack.data_dir / "index"),
            "SENPAI_SECOND_OPINION": "1",
            "SENPAI_ACTION_URL": f"http://127.0.0.1:{port}/webhook",
        },
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(180, server.kill)  # a server that never says it serves fails, not hangs
    watchdog.start()
    try:
        seen = []
        assert server.stderr is not None
        for line in server.stderr:  # the warning comes before the server says it serves
            seen.append(line)
            if "serving on" in line:
                break
        assert any("has no second opinion on scope (SENPAI_SECOND_OPINION=1)" in s for s in seen), seen
        assert any("senpai build-index" in s for s in seen)
        assert server.poll() is None  # it still starts: an older build is served, not refused
    finally:
        watchdog.cancel()
        server.terminate()
        server.wait(timeout=30)


def test_a_long_message_is_answered_on_the_int8_copy(stack: Stack) -> None:
    export = export_dir(Settings.from_env().onnx_dir, DEFAULT_MODEL)
    assert OnnxEncoder.open(export).count_tokens(NOVELTY_STORY) >= WIDE_TOKENS
    assert "long messages on its int8 copy" in stack.output()
    reply = stack.chat("alt-int8", NOVELTY_STORY)
    assert reply["kind"] == "answer", reply
    cited = {c["passage_id"] for m in reply["messages"] for c in m.get("citations", [])}
    assert any(p.startswith("identity-foreigner") for p in cited), cited


def test_an_export_without_its_int8_copy_stops_the_action_server_with_the_reason(
    stack: Stack, tmp_path: Path
) -> None:
    onnx = tmp_path / "onnx"
    shutil.copytree(export_dir(Settings.from_env().onnx_dir, DEFAULT_MODEL), export_dir(onnx, DEFAULT_MODEL))
    export = export_dir(onnx, DEFAULT_MODEL)
    meta = json.loads((export / META_FILE).read_text())
    refused = {"refused": "its lowest cosine with the float model is 0.412 (< 0.95)"}
    (export / META_FILE).write_text(json.dumps({**meta, "int8": refused}))
    (export / INT8_FILE).unlink()
    result = subprocess.run(
        [sys.executable, "-m", "actions"],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "SENPAI_INDEX_DIR": str(stack.data_dir / "index"),
            "SENPAI_ONNX_DIR": str(onnx),
            "SENPAI_LONG_QUERY_INT8": "1",
            "SENPAI_ACTION_URL": "http://127.0.0.1:9",
        },
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 2, result.stderr
    assert "no int8 copy (its lowest cosine with the float model is 0.412" in result.stderr
    assert "senpai build-index" in result.stderr

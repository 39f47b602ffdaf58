"""Shared fixtures for integration tests: the real stack started with `senpai up`.

Each test module gets its own stack (on free ports, with its own data
directory and its own copy of the index), so a module may stop or break it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from bot.harness import LocalStack
from bot.settings import Settings
from bot.supervisor import PreflightError, preflight

__all__ = ["ANSWER_TURN", "Stack", "answer_turns", "start_stack"]


class Stack(LocalStack):
    """A running stack, with an asserting chat helper."""

    def chat(self, sender: str, message: str) -> dict[str, Any]:
        status, body = self.request(
            "POST", "/api/chat", json.dumps({"sender": sender, "message": message}).encode()
        )
        assert status == 200, body
        return body


#: The events of one knowledge turn handled whole, from the user's message to listening again.
ANSWER_TURN = [
    "user_featurization",
    "action:action_answer",
    "bot",
    "slot:last_passages",
    "slot:last_topic",
    "slot:candidates",
    "slot:shown",
    "action:action_listen",
]


def answer_turns(events: list[str]) -> list[list[str]]:
    """Split a conversation's events (``type`` or ``type:action``) into the turns after each user message."""
    return [turn.split() for turn in " ".join(events).split("user ")[1:]]


def start_stack(
    tmp: Path, extra_env: Mapping[str, str] | None = None, *, ports: Mapping[str, int] | None = None
) -> Stack:
    """Start ``senpai up`` for a test (see :meth:`LocalStack.start`); fail clearly if nothing is built."""
    try:
        preflight(Settings.from_env())
    except PreflightError as exc:
        pytest.fail(f"the integration tests need a built stack: {exc}")
    started = LocalStack.start(tmp, extra_env, ports=ports)
    return Stack(**vars(started))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("stack"))
    try:
        yield running
    finally:
        running.stop()

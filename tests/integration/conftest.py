"""Shared fixtures for integration tests: the real stack started with `senpai up`.

Each test module gets its own stack (on free ports, with its own data
directory and its own copy of the index), so a module may stop or break it.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from bot.sender_keys import SenderKeys, load_secret
from senpai.harness import LocalStack
from senpai.supervisor import PreflightError, preflight
from settings import Settings

__all__ = ["ANSWER_TURN", "CHROMIUM", "CHROMIUM_ARGS", "Stack", "answer_turns", "start_stack"]


_NAMING = threading.Lock()


class Stack(LocalStack):
    """A running stack, with an asserting chat helper that knows its users by name.

    Each name stands for one web user: :meth:`token` is the sender id the
    gateway would issue them, signed with the secret the gateway generated
    into the stack's data directory, and :meth:`conversation` is where Rasa
    keeps their turns.
    """

    def keys(self) -> SenderKeys:
        """The gateway's own sender keys (its secret, read from the environment or the data dir)."""
        return SenderKeys(load_secret(self.env.get("SENPAI_SENDER_SECRET"), self.data_dir))

    def token(self, name: str) -> str:
        """The issued sender id of the user called ``name`` (the same one every time)."""
        with _NAMING:  # tests send from many threads at once; each name gets one id
            names: dict[str, str] = self.__dict__.setdefault("_names", {})
            if name not in names:
                names[name] = self.keys().issue()
            return names[name]

    def conversation(self, name: str) -> str:
        """The tracker store's id of ``name``'s conversation."""
        return self.keys().conversation(self.token(name))

    def patiently(self, method: str, path: str, body: bytes | None = None) -> tuple[int, dict[str, Any]]:
        """:meth:`request`, waiting out the gateway's per-address rate limit as a polite client would.

        Every test of a module shares one address, so one test's burst must not fail the next.
        """
        deadline = time.monotonic() + 60
        while True:
            status, reply = self.request(method, path, body)
            if status != 429 or time.monotonic() > deadline:
                return status, reply
            time.sleep(1)

    def chat(self, sender: str, message: str) -> dict[str, Any]:
        """Send ``message`` as the user called ``sender``; assert a 200 and return the body."""
        status, body = self.patiently(
            "POST", "/api/chat", json.dumps({"sender": self.token(sender), "message": message}).encode()
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
    "slot:last_question",
    "slot:candidates",
    "slot:shown",
    "action:action_listen",
]


def answer_turns(events: list[str]) -> list[list[str]]:
    """Split a conversation's events (``type`` or ``type:action``) into the turns after each user message."""
    return [turn.split() for turn in " ".join(events).split("user ")[1:]]


def start_stack(
    tmp: Path,
    extra_env: Mapping[str, str] | None = None,
    *,
    ports: Mapping[str, int] | None = None,
    copy_index: bool = True,
) -> Stack:
    """Start ``senpai up`` for a test (see :meth:`LocalStack.start`); fail clearly if nothing is built."""
    try:
        preflight(Settings.from_env())
    except PreflightError as exc:
        pytest.fail(f"the integration tests need a built stack: {exc}")
    started = LocalStack.start(tmp, extra_env, ports=ports, copy_index=copy_index)
    return Stack(**vars(started))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("stack"))
    try:
        yield running
    finally:
        running.stop()


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, one per test module."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()

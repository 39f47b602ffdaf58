"""Shared fixture for integration tests: the real stack started with `senpai up`.

Each test module gets its own stack (on free ports, with its own data
directory and its own copy of the index), so a module may stop or break it.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.settings import PROJECT_ROOT, Settings
from bot.supervisor import PreflightError, preflight
from knowledge import current_dir

STARTUP_S = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    proc: subprocess.Popen[bytes]
    url: str
    log: Path
    env: dict[str, str]
    tmp: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, dict[str, Any]]:
        req = urllib.request.Request(self.url + path, data=body, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def chat(self, sender: str, message: str) -> dict[str, Any]:
        status, body = self.request(
            "POST", "/api/chat", json.dumps({"sender": sender, "message": message}).encode()
        )
        assert status == 200, body
        return body

    def wait_for_output(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output():
            assert time.monotonic() < deadline, f"{text!r} not printed:\n{self.output()[-3000:]}"
            time.sleep(0.2)

    def wait_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"senpai up exited early:\n{self.output()[-3000:]}"
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(1)
        raise AssertionError(f"stack not healthy after {timeout}s:\n{self.output()[-3000:]}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    try:
        preflight(Settings.from_env())
    except PreflightError as exc:
        pytest.fail(f"the integration tests need a built stack: {exc}")
    tmp = tmp_path_factory.mktemp("stack")
    port = free_port()
    env = {
        **os.environ,
        "SENPAI_PORT": str(port),
        "SENPAI_RASA_URL": f"http://127.0.0.1:{free_port()}",
        "SENPAI_ACTION_URL": f"http://127.0.0.1:{free_port()}",
        "SENPAI_DATA_DIR": str(tmp),
        "HF_HUB_OFFLINE": "1",
    }
    # The stack gets its own copy of the index, so a test can rebuild it.
    shutil.copytree(current_dir(Settings.from_env().index_dir), tmp / "index" / "builds" / "initial")
    (tmp / "index" / "current").symlink_to(Path("builds") / "initial")
    log = tmp / "senpai.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "up"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = Stack(proc, f"http://127.0.0.1:{port}", log, env, tmp)
    try:
        running.wait_healthy(STARTUP_S)
        running.wait_for_output("Senpai is up", 10)
        yield running
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()

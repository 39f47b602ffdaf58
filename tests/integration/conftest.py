"""Shared fixture for integration tests: the real stack started with `senpai up`.

Each test module gets its own stack (on free ports, with its own data
directory and its own copy of the index), so a module may stop or break it.
"""

from __future__ import annotations

import json
import os
import re
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
    ports: dict[str, int]

    def stop(self) -> int | None:
        """Ctrl-C the supervisor and wait for it; kill it if it hangs."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        return self.proc.returncode

    def pid_of(self, child: str) -> int:
        """The pid of a child as the supervisor last reported it (``started NAME (pid N)``)."""
        found = re.findall(rf"(?:started|restarted) {re.escape(child)} \(pid (\d+)\)", self.output())
        assert found, f"no pid for {child}:\n{self.output()[-2000:]}"
        return int(found[-1])

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
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


def start_stack(
    tmp: Path, extra_env: dict[str, str] | None = None, *, ports: dict[str, int] | None = None
) -> Stack:
    """Start ``senpai up`` on free ports with its own data directory and copy of the index.

    Args:
        tmp: The stack's data directory (reuse one to restart a stack on its data).
        extra_env: More environment for the stack (a profile, Slack settings...).
        ports: Reuse these ports (``gateway``, ``rasa``, ``actions``) instead of new ones.
    """
    try:
        preflight(Settings.from_env())
    except PreflightError as exc:
        pytest.fail(f"the integration tests need a built stack: {exc}")
    ports = ports or {"gateway": free_port(), "rasa": free_port(), "actions": free_port()}
    env = {
        **os.environ,
        "SENPAI_PORT": str(ports["gateway"]),
        "SENPAI_RASA_URL": f"http://127.0.0.1:{ports['rasa']}",
        "SENPAI_ACTION_URL": f"http://127.0.0.1:{ports['actions']}",
        "SENPAI_DATA_DIR": str(tmp),
        "HF_HUB_OFFLINE": "1",
        **(extra_env or {}),
    }
    # The stack gets its own copy of the index, so a test can rebuild it.
    if not (tmp / "index" / "current").exists():
        shutil.copytree(current_dir(Settings.from_env().index_dir), tmp / "index" / "builds" / "initial")
        (tmp / "index" / "current").symlink_to(Path("builds") / "initial")
    log = tmp / f"senpai-{len(list(tmp.glob('senpai-*.log')))}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "up"],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = Stack(proc, f"http://127.0.0.1:{ports['gateway']}", log, env, tmp, ports)
    try:
        running.wait_healthy(STARTUP_S)
        running.wait_for_output("Senpai is up", 30)
    except BaseException:
        running.stop()
        raise
    return running


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("stack"))
    try:
        yield running
    finally:
        running.stop()

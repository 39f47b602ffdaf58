"""Run a whole Senpai stack on free local ports: for tests, the load test and the benchmark.

:meth:`LocalStack.start` runs ``senpai up`` as a child process with its own
data directory (and its own copy of the published index), waits until the
supervisor says the stack is up, and gives back a handle to talk to it and
to stop it.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge import current_dir
from settings import PROJECT_ROOT, Settings

#: Seconds a stack may take to come up (a cold machine, two replicas).
STARTUP_S = 240.0


class StackError(RuntimeError):
    """The stack did not start, or did not do what was asked in time."""


#: Ports are picked below Linux's ephemeral range (32768-60999), so a port chosen now is
#: not taken later as the local end of some outgoing connection.
PORT_RANGE = (20000, 32000)


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(avoid: frozenset[int] = frozenset(), run: int = 1) -> int:
    """Return a port on 127.0.0.1 where ``run`` consecutive ports are free and not in ``avoid``."""
    rng = random.SystemRandom()
    for _ in range(1000):
        port = rng.randrange(PORT_RANGE[0], PORT_RANGE[1] - run)
        span = range(port, port + run)
        if not avoid.intersection(span) and all(_bindable(p) for p in span):
            return port
    raise StackError("no free ports on 127.0.0.1")


def stack_ports(replicas: int = 1) -> dict[str, int]:
    """Free, distinct ports for a gateway, an action server and ``replicas`` consecutive Rasa servers."""
    rasa = free_port(run=replicas)
    taken = frozenset(range(rasa, rasa + replicas))
    gateway = free_port(taken)
    actions = free_port(taken | {gateway})
    return {"gateway": gateway, "rasa": rasa, "actions": actions}


@dataclass
class LocalStack:
    """A running ``senpai up`` and how to reach it."""

    proc: subprocess.Popen[bytes]
    url: str
    log: Path
    env: dict[str, str]
    data_dir: Path
    ports: dict[str, int]

    @classmethod
    def start(
        cls,
        data_dir: Path,
        extra_env: Mapping[str, str] | None = None,
        *,
        ports: Mapping[str, int] | None = None,
        timeout_s: float = STARTUP_S,
        every_replica: bool = True,
        copy_index: bool = True,
    ) -> LocalStack:
        """Start a stack and wait until it is up.

        Args:
            data_dir: The stack's data directory; reuse one to restart a stack on its data.
            extra_env: More environment (a profile, Slack settings, rate limits...).
            ports: Reuse these ``gateway``, ``rasa`` and ``actions`` ports.
            timeout_s: How long to wait for "Senpai is up".
            every_replica: Also wait until every Rasa replica has joined ("Senpai is
                up" needs only one), as tests of the replicas expect.
            copy_index: Give a new data directory a copy of the built index; without
                it the stack starts empty (a production host then serves the shared
                store's build).

        Raises:
            StackError: If it exits or is not up in time (with the end of its output).
        """
        data_dir.mkdir(parents=True, exist_ok=True)
        replicas = int((extra_env or {}).get("SENPAI_RASA_REPLICAS", "1"))
        chosen = dict(ports) if ports else stack_ports(replicas)
        index = data_dir / "index"
        shared = Settings.from_env()
        if copy_index and not (index / "current").exists():  # its own copy, so a caller may rebuild it
            shutil.copytree(current_dir(shared.index_dir), index / "builds" / "initial")
            (index / "current").symlink_to(Path("builds") / "initial")
        embeddings = data_dir / "embeddings"  # so a curation rebuild embeds only what changed
        if shared.embedding_cache_dir.is_dir() and not embeddings.exists():
            shutil.copytree(shared.embedding_cache_dir, embeddings)
        env = {
            **os.environ,
            "SENPAI_PORT": str(chosen["gateway"]),
            "SENPAI_RASA_URL": f"http://127.0.0.1:{chosen['rasa']}",
            "SENPAI_RASA_REPLICAS": str(replicas),
            "SENPAI_ACTION_URL": f"http://127.0.0.1:{chosen['actions']}",
            "SENPAI_DATA_DIR": str(data_dir),
            "SENPAI_INDEX_DIR": str(index),
            "SENPAI_ONNX_DIR": str(shared.onnx_dir),  # the model export is read-only: share it
            "HF_HUB_OFFLINE": "1",
            **(extra_env or {}),
        }
        log = data_dir / f"senpai-{len(list(data_dir.glob('senpai-*.log')))}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "senpai", "up"],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        stack = cls(proc, f"http://127.0.0.1:{chosen['gateway']}", log, env, data_dir, chosen)
        try:
            stack.wait_for_output("Senpai is up", timeout_s)
            if every_replica and replicas > 1:
                stack.wait_for_output(f"all {replicas} Rasa replicas up", timeout_s)
        except BaseException:
            stack.stop()
            raise
        return stack

    def output(self) -> str:
        """Everything the supervisor and its children printed so far."""
        return self.log.read_text(errors="replace")

    def wait_for_output(self, text: str, timeout_s: float) -> None:
        """Wait until ``text`` is printed.

        Raises:
            StackError: If the stack exits first or the time runs out.
        """
        deadline = time.monotonic() + timeout_s
        while text not in self.output():
            if self.proc.poll() is not None:
                raise StackError(f"senpai up exited with {self.proc.returncode}:\n{self.output()[-3000:]}")
            if time.monotonic() > deadline:
                raise StackError(f"{text!r} not printed in {timeout_s:.0f}s:\n{self.output()[-3000:]}")
            time.sleep(0.2)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Send one HTTP request to the gateway; return the status and the JSON body."""
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def wait_healthy(self, timeout_s: float) -> None:
        """Wait until ``/healthz`` answers 200.

        Raises:
            StackError: If the stack exits first or the time runs out.
        """
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise StackError(f"senpai up exited early:\n{self.output()[-3000:]}")
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        raise StackError(f"stack not healthy after {timeout_s:.0f}s:\n{self.output()[-3000:]}")

    def pid_of(self, child: str) -> int:
        """The pid of a child as the supervisor last reported it (``started NAME (pid N)``)."""
        found = re.findall(rf"(?:started|restarted) {re.escape(child)} \(pid (\d+)\)", self.output())
        if not found:
            raise StackError(f"no pid for {child}:\n{self.output()[-2000:]}")
        return int(found[-1])

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

"""No message slows other users on the real stack: the messages of issue 34, sent while others chat.

One 75-character message used to stop every user's answers for about 20 s
(a regular expression that backtracked exponentially, on the action server's
event loop). Here three users keep asking distinct questions from the
development sets; first quietly, then while the messages that used to hurt
arrive, one by one and ten at once. Each such message gets a reply (not an
error) within :data:`REPLY_WITHIN_S`, and the others' turns go on: no
errors, and no stall (their p95 stays under :data:`STALL_S` above the quiet
run's; before the fix they waited out Rasa's 3 s timeout). How much the
others slow down while ten 2,000-character messages share two cores is a
figure, not a pass mark: ``make bench`` measures it side by side
(``slow_input_p95_ratio``, target 2; 1.76 on 2 cores, bench/README.md).
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from senpai.adversarial import slow_input, ten_long
from settings import PROJECT_ROOT
from tests.integration.conftest import Stack, start_stack

pytestmark = pytest.mark.integration

#: How soon each of the messages below must be answered.
REPLY_WITHIN_S = 2.0
#: How much the other users' p95 may grow while they arrive before it counts as a stall (the
#: DoS this guards against cost them 3 s and an error; sharing two cores with ten long messages
#: costs a few hundred milliseconds, which the bench measures as a ratio).
STALL_S = 1.0
USERS = 3


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Any:
    running = start_stack(
        tmp_path_factory.mktemp("slow"),
        {"SENPAI_RATE_IP_PER_MIN": "100000", "SENPAI_RATE_SENDER_PER_MIN": "100000"},
    )
    try:
        yield running
    finally:
        running.stop()


def questions() -> list[str]:
    """Distinct questions of both development sets (the query cache can't hide the work)."""
    found = []
    for name in ("devset.yaml", "devset-ja.yaml"):
        data = yaml.safe_load((PROJECT_ROOT / "eval" / name).read_text(encoding="utf-8"))
        found += [str(q["q"]) for q in data["questions"]]
    return found


def ask(stack: Stack, message: str) -> tuple[float, int, str]:
    """Send ``message`` in a new conversation; its time, status and reply kind."""
    started = time.perf_counter()
    status, body = stack.request(
        "POST", "/api/chat", json.dumps({"message": message}).encode(), {"Content-Type": "application/json"}
    )
    return time.perf_counter() - started, status, str(body.get("kind"))


class Others:
    """Users asking one question after another, until stopped."""

    def __init__(self, stack: Stack, pool: list[str], offset: int) -> None:
        self.stack, self.pool, self.offset = stack, pool, offset
        self.turns: list[tuple[float, int, str]] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(n,)) for n in range(USERS)]

    def _run(self, user: int) -> None:
        n = self.offset + user
        while not self._stop.is_set():
            self.turns.append(ask(self.stack, self.pool[n % len(self.pool)]))
            n += USERS
            time.sleep(0.05)

    def __enter__(self) -> Others:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def p95(self) -> float:
        times = sorted(t for t, _, _ in self.turns)
        return times[int(0.95 * (len(times) - 1))]

    def errors(self) -> list[tuple[float, int, str]]:
        return [t for t in self.turns if t[1] != 200 or t[2] == "error"]


def test_slow_input_gets_a_reply_and_others_keep_their_latency(stack: Stack) -> None:
    pool = questions()
    for question in pool[:20]:  # warm every process, as users would have
        ask(stack, question)
    with Others(stack, pool, offset=20) as quiet:
        time.sleep(12)
    with Others(stack, pool, offset=20 + len(quiet.turns) + USERS) as busy:
        time.sleep(1)
        slow = []
        for name, message in slow_input():
            took, status, kind = ask(stack, message)
            if status != 200 or kind == "error" or took > REPLY_WITHIN_S:
                slow.append((name, took, status, kind))
        long_ones = ten_long()
        with ThreadPoolExecutor(len(long_ones)) as pool_of_ten:
            for (took, status, kind), message in zip(
                pool_of_ten.map(lambda m: ask(stack, m), long_ones), long_ones, strict=True
            ):
                if status != 200 or kind == "error" or took > REPLY_WITHIN_S:
                    slow.append(("ten at once: " + message[:20], took, status, kind))
        time.sleep(2)
    assert not slow, f"these were not answered within {REPLY_WITHIN_S} s: {slow}"
    assert quiet.turns and busy.turns
    assert not busy.errors(), busy.errors()
    print(f"others' p95: {quiet.p95():.3f} s quiet, {busy.p95():.3f} s while the slow input arrived")
    assert busy.p95() <= quiet.p95() + STALL_S, (
        f"others' p95 went from {quiet.p95():.3f} s to {busy.p95():.3f} s"
    )
    logs = stack.output()
    assert "took over its" not in logs  # no turn needed the apology
    assert Path(stack.log).exists()

"""``senpai loadtest --scenario orientation``: a hall of new ALTs trying Senpai at once.

The presenter says "try asking Senpai", and 300 people open the widget within
a minute. Each greets it, then asks three questions with a few seconds of
thinking between them, and one in five follows an answer up ("why?"). The
report gives errors, lost messages (counted in the tracker store), and p50,
p95 and p99 for each kind of turn, with the ratio of knowledge p95 to
small-talk p95 in the same run.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp

from senpai.benchmarks.stats import percentile
from senpai.benchmarks.turns import FOLLOW_UPS, KNOWLEDGE_KINDS, questions
from senpai.loadtest import chat_once

TURN_KINDS = ("smalltalk", "knowledge", "follow_up")
EXPECTED = {"smalltalk": ("smalltalk",), "knowledge": KNOWLEDGE_KINDS, "follow_up": KNOWLEDGE_KINDS}


@dataclass(frozen=True)
class Scenario:
    """The shape of the crowd.

    Attributes:
        users: People in the hall.
        arrive_s: They open the widget at random moments within this many seconds.
        questions: Questions each asks after greeting.
        think_s: Thinking time between one reply and the next message (uniform).
        follow_up_every: One person in this many follows their first answer up.
        seed: The random seed (arrivals, thinking, which questions).
    """

    users: int = 300
    arrive_s: float = 60.0
    questions: int = 3
    think_s: tuple[float, float] = (2.0, 5.0)
    follow_up_every: int = 5
    seed: int = 0


@dataclass(frozen=True)
class Turn:
    """One message: its kind of turn, how long the reply took, and what came back."""

    turn: str
    seconds: float
    status: int
    kind: str

    @property
    def failed(self) -> bool:
        """An HTTP error, a network error, or a reply of a kind this turn can't have."""
        return self.status != 200 or self.kind not in EXPECTED[self.turn]


@dataclass
class Figures:
    """Latency of one kind of turn."""

    turns: int
    errors: int
    p50_ms: float
    p95_ms: float
    p99_ms: float


@dataclass
class OrientationReport:
    """What the orientation burst measured."""

    scenario: dict[str, Any]
    sent: int
    errors: int
    wall_s: float
    by_turn: dict[str, Figures]
    knowledge_vs_smalltalk_p95: float
    stored: int | None = None
    lost: int | None = None
    error_kinds: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return asdict(self)

    def table(self) -> str:
        """The report as aligned text."""
        s = self.scenario
        rows = [
            (
                "scenario",
                f"{s['users']} users arriving within {s['arrive_s']:.0f} s, {s['questions']} questions each, "
                f"1 in {s['follow_up_every']} following up",
            ),
            ("messages sent", f"{self.sent} over {self.wall_s:.1f} s"),
            ("errors", f"{self.errors} {self.error_kinds or ''}".strip()),
            ("lost messages", "?" if self.lost is None else str(self.lost)),
        ]
        for name, f in self.by_turn.items():
            rows.append(
                (
                    f"{name} p50 / p95 / p99",
                    f"{f.p50_ms:.0f} / {f.p95_ms:.0f} / {f.p99_ms:.0f} ms ({f.turns})",
                )
            )
        rows.append(("knowledge p95 / small-talk p95", f"{self.knowledge_vs_smalltalk_p95:.3f}"))
        width = max(len(label) for label, _ in rows)
        return "\n".join(f"{label:<{width}}  {value}" for label, value in rows)


async def _say(
    session: aiohttp.ClientSession, url: str, sender: str | None, text: str, turn: str, into: list[Turn]
) -> str | None:
    sent = await chat_once(session, url, sender, text)
    into.append(Turn(turn, sent.seconds, sent.status, sent.kind))
    return sent.sender if sender is None else sender


async def _person(
    session: aiohttp.ClientSession,
    url: str,
    n: int,
    scenario: Scenario,
    asked: Sequence[str],
    into: list[Turn],
    senders: set[str],
) -> None:
    rng = random.Random(scenario.seed * 100_003 + n)
    await asyncio.sleep(rng.uniform(0, scenario.arrive_s))
    sender = await _say(session, url, None, rng.choice(("hi", "hello", "hi Senpai!")), "smalltalk", into)
    if sender is None:
        return
    senders.add(sender)
    for k in range(scenario.questions):
        await asyncio.sleep(rng.uniform(*scenario.think_s))
        await _say(session, url, sender, asked[(n * scenario.questions + k) % len(asked)], "knowledge", into)
        if k == 0 and n % scenario.follow_up_every == 0:
            await asyncio.sleep(rng.uniform(*scenario.think_s))
            await _say(session, url, sender, FOLLOW_UPS[n % len(FOLLOW_UPS)], "follow_up", into)


async def drive(url: str, scenario: Scenario, timeout_s: float = 60.0) -> tuple[list[Turn], set[str], float]:
    """Run the scenario against a gateway; every turn, the sender ids it issued, and the wall time."""
    turns: list[Turn] = []
    senders: set[str] = set()
    asked = questions()
    connector = aiohttp.TCPConnector(limit=scenario.users)
    start = time.perf_counter()
    async with aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout_s), connector=connector
    ) as s:
        await asyncio.gather(
            *(_person(s, url, n, scenario, asked, turns, senders) for n in range(scenario.users))
        )
    return turns, senders, time.perf_counter() - start


def summarise(scenario: Scenario, turns: Sequence[Turn], wall_s: float) -> OrientationReport:
    """Per-turn-kind latency percentiles, errors, and the knowledge-to-small-talk p95 ratio."""
    by_turn = {}
    for name in TURN_KINDS:
        ms = [t.seconds * 1000 for t in turns if t.turn == name]
        by_turn[name] = Figures(
            turns=len(ms),
            errors=sum(1 for t in turns if t.turn == name and t.failed),
            p50_ms=round(statistics.median(ms), 1) if ms else 0.0,
            p95_ms=round(percentile(ms, 0.95), 1) if ms else 0.0,
            p99_ms=round(percentile(ms, 0.99), 1) if ms else 0.0,
        )
    kinds: dict[str, int] = {}
    for t in turns:
        if t.failed:
            key = f"HTTP {t.status}" if t.status not in (0, 200) else t.kind
            kinds[key] = kinds.get(key, 0) + 1
    small = by_turn["smalltalk"].p95_ms
    return OrientationReport(
        scenario={**asdict(scenario), "think_s": list(scenario.think_s)},
        sent=len(turns),
        errors=sum(1 for t in turns if t.failed),
        wall_s=round(wall_s, 1),
        by_turn=by_turn,
        knowledge_vs_smalltalk_p95=round(by_turn["knowledge"].p95_ms / small, 3) if small else 0.0,
        error_kinds=kinds,
    )

"""End-to-end figures on a real stack: knowledge turns against small talk, concurrency, memory, start-up.

The floor of a knowledge turn is a small-talk turn ("hi"): the same gateway,
Rasa, NLU, policies and tracker store, with no custom action. Both go through
``/api/chat`` side by side (a greeting, then a question, in each
conversation), so the ratio isolates what retrieval and the action server add.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from senpai.benchmarks import metrics_cost
from senpai.benchmarks.slow_input import under_slow_input
from senpai.benchmarks.stats import median, rss_mb
from senpai.benchmarks.turns import (
    KNOWLEDGE_KINDS,
    SMALL_TALKS,
    Chat,
    Load,
    Turns,
    deal,
    long_messages,
    many_users,
    one_user,
    only,
    questions,
    with_follow_ups,
)
from senpai.harness import LocalStack
from settings import PROJECT_ROOT, Settings, rasa_replica_names


def _median_of(trials: Sequence[Load], figure: Callable[[Load], float]) -> float:
    return round(median([figure(t) for t in trials]), 1)


def startup_phases(output: str) -> dict[str, float]:
    """Seconds to readiness of each process and of the whole stack, from the supervisor's log."""
    phases = {name: float(s) for name, s in re.findall(r"\[senpai\] ([\w-]+) ready after ([\d.]+)s", output)}
    up = re.findall(r"Senpai is up after ([\d.]+)s", output)
    if up:
        phases["stack"] = float(up[-1])
    every = re.findall(r"all \d+ Rasa replicas up after ([\d.]+)s", output)
    if every:
        phases["every_replica"] = float(every[-1])
    one = phases.get("rasa-1", phases.get("rasa"))
    if up and one:
        phases["vs_one_replica"] = round(phases["stack"] / one, 3)
    return phases


def memory(stack: LocalStack) -> dict[str, float]:
    """Resident memory (MB) of the action server, each Rasa replica and the gateway."""
    names = ["actions", "gateway", *sorted(set(re.findall(r"started (rasa(?:-\d+)?) \(pid", stack.output())))]
    return {name: round(rss_mb(stack.pid_of(name)), 1) for name in names}


@dataclass
class StackFigures:
    """What :func:`measure` found."""

    ratio_trials: list[float]
    small_1: Turns
    knowledge_1: Turns
    distinct_ratio_trials: list[float]
    distinct_knowledge_p50: float
    follow_up_ratio_trials: list[float]
    japanese_ratio_trials: list[float]
    long_ratio_trials: list[float]
    twenty: list[Load]
    throughput_trials: list[tuple[Load, Load]]
    slow_input: list[tuple[Turns, Turns, Turns]]
    rss_1000: dict[str, float]
    rss_5000: dict[str, float]
    turns_at: dict[str, int]
    startups: list[dict[str, float]]
    scrape_pairs: list[tuple[float, float]]
    scrapes: int

    @property
    def scrape_p50_ratio(self) -> float:
        """Knowledge p50 while scraped ten times a second over the same unscraped: the median over trials."""
        return round(median([busy / quiet for quiet, busy in self.scrape_pairs]), 3)

    @property
    def knowledge_p95_20(self) -> float:
        """The 20-user knowledge p95 (ms): the median over the trials."""
        return _median_of(self.twenty, lambda t: t.knowledge.p95)

    @property
    def p95_ratio_20(self) -> float:
        """Knowledge p95 over small-talk p95 in the same 20-user runs: the median over the trials."""
        return round(median([t.knowledge.p95 / t.small.p95 for t in self.twenty]), 3)

    @property
    def slow_input_p95_ratio(self) -> float:
        """Others' p95 while slow input arrived over their p95 when quiet: the median over the trials."""
        return round(median([busy.p95 / quiet.p95 for quiet, busy, _ in self.slow_input]), 3)

    @property
    def slow_input_reply_max_s(self) -> float:
        """The longest any message that used to hurt waited for its reply, over every trial."""
        return round(max(max(attack.ms) for _, _, attack in self.slow_input) / 1000, 3)

    @property
    def throughput_ratio_20(self) -> float:
        """Turns/s of 20 users asking only questions over 20 users only chatting: the median over trials."""
        return round(median([k.throughput / s.throughput for s, k in self.throughput_trials]), 3)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready details."""
        growth = {
            name: round(100 * (self.rss_5000[name] - self.rss_1000[name]) / self.rss_1000[name], 1)
            for name in self.rss_1000
            if name in self.rss_5000
        }
        return {
            "one_user": {
                "ratio_trials": [round(r, 3) for r in self.ratio_trials],
                "smalltalk_p50_ms": round(self.small_1.p50, 1),
                "knowledge_p50_ms": round(self.knowledge_1.p50, 1),
                "distinct_questions_ratio_trials": [round(r, 3) for r in self.distinct_ratio_trials],
                "distinct_questions_ratio": round(median(self.distinct_ratio_trials), 3),
                "distinct_questions_knowledge_p50_ms": round(self.distinct_knowledge_p50, 1),
                "follow_up_ratio_trials": [round(r, 3) for r in self.follow_up_ratio_trials],
                "follow_up_ratio": round(median(self.follow_up_ratio_trials), 3),
                "japanese_ratio_trials": [round(r, 3) for r in self.japanese_ratio_trials],
                "japanese_ratio": round(median(self.japanese_ratio_trials), 3),
                "long_messages_ratio_trials": [round(r, 3) for r in self.long_ratio_trials],
                "long_messages_ratio": round(median(self.long_ratio_trials), 3),
                "errors": self.small_1.errors + self.knowledge_1.errors,
            },
            "twenty_users": {
                "trials": len(self.twenty),
                "smalltalk_p50_ms": _median_of(self.twenty, lambda t: t.small.p50),
                "smalltalk_p95_ms": _median_of(self.twenty, lambda t: t.small.p95),
                "knowledge_p50_ms": _median_of(self.twenty, lambda t: t.knowledge.p50),
                "knowledge_p95_ms": self.knowledge_p95_20,
                "knowledge_p95_ms_trials": [round(t.knowledge.p95, 1) for t in self.twenty],
                "turns": sum(t.turns for t in self.twenty),
                "errors": sum(t.small.errors + t.knowledge.errors for t in self.twenty),
                "throughput_per_s": _median_of(self.twenty, lambda t: t.throughput),
                "p95_ratio_trials": [round(t.knowledge.p95 / t.small.p95, 3) for t in self.twenty],
                "smalltalk_only_throughput_per_s": [
                    round(s.throughput, 1) for s, _ in self.throughput_trials
                ],
                "knowledge_only_throughput_per_s": [
                    round(k.throughput, 1) for _, k in self.throughput_trials
                ],
                "only_errors": sum(
                    s.knowledge.errors + k.knowledge.errors for s, k in self.throughput_trials
                ),
            },
            "slow_input": {
                "p95_ratio_trials": [round(b.p95 / q.p95, 3) for q, b, _ in self.slow_input],
                "quiet_p95_ms": [round(q.p95, 1) for q, _, _ in self.slow_input],
                "busy_p95_ms": [round(b.p95, 1) for _, b, _ in self.slow_input],
                "slow_messages_p50_ms": [round(a.p50, 1) for _, _, a in self.slow_input],
                "slow_messages_max_ms": [round(max(a.ms), 1) for _, _, a in self.slow_input],
                "errors": sum(b.errors + a.errors for _, b, a in self.slow_input),
                "others_errors": dict(sum((b.problems for _, b, _ in self.slow_input), Counter())),
                "slow_messages_errors": dict(sum((a.problems for _, _, a in self.slow_input), Counter())),
            },
            "rss_mb_after_1000_turns": self.rss_1000,
            "rss_mb_after_5000_turns": self.rss_5000,
            "rss_growth_percent_1000_to_5000": growth,
            "turns_when_measured": self.turns_at,
            "startup_trials_s": self.startups,
            "metrics": {
                "scraped_every_s": 1.0,
                "scrapes_during_the_run": self.scrapes,
                "knowledge_p50_ms_unscraped_vs_scraped_10_per_s": [
                    [round(q, 1), round(b, 1)] for q, b in self.scrape_pairs
                ],
                "scrape_p50_ratio": self.scrape_p50_ratio,
            },
        }


async def _drive(stack: LocalStack, quick: bool) -> StackFigures:
    asked = questions()
    repeated = asked[::9][:24]  # the questions a room of new ALTs keeps asking
    fresh = iter(asked)  # each asked once only: nothing to cache
    timeout = aiohttp.ClientTimeout(total=60)
    urls = [
        (f"{stack.url}/metrics", metrics_cost.GATEWAY_TOKEN),
        (f"http://127.0.0.1:{stack.ports['actions']}/metrics", metrics_cost.ACTIONS_TOKEN),
    ]
    async with (
        aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=64)) as session,
        metrics_cost.scraping(session, urls, 1.0) as scrapes,  # every figure with the metrics on
    ):
        chat = Chat(stack.url, session)
        await one_user(chat, repeated, 24, Turns(), Turns())  # warm-up, discarded
        trials = 3 if quick else 5
        small_1, knowledge_1, ratios = Turns(), Turns(), []
        for _ in range(trials):
            small, knowledge = Turns(), Turns()
            await one_user(chat, repeated, 24 if quick else 40, small, knowledge)
            ratios.append(knowledge.p50 / small.p50)
            small_1.ms += small.ms
            small_1.errors += small.errors
            knowledge_1.ms += knowledge.ms
            knowledge_1.errors += knowledge.errors
        # Questions nobody has asked yet: nothing cached, so each pays for its embedding
        # (which the gateway's prefetch overlaps with Rasa's parsing). Each is asked once.
        distinct_ratios, distinct_knowledge = [], Turns()
        unseen = (q for q in fresh if q not in repeated)
        for _ in range(2 if quick else 3):
            distinct = list(itertools.islice(unseen, 30 if quick else 60))
            small, knowledge = Turns(), Turns()
            await one_user(chat, distinct, len(distinct), small, knowledge)
            distinct_ratios.append(knowledge.p50 / small.p50)
            distinct_knowledge.ms += knowledge.ms
        follow_ratios = []  # a follow-up turn ("why?") against a small-talk turn, in the same conversations
        for trial in range(2 if quick else 3):
            small, knowledge, follow = Turns(), Turns(), Turns()
            await with_follow_ups(chat, repeated[trial::2] or repeated, small, knowledge, follow)
            follow_ratios.append(follow.p50 / small.p50)
        japanese = questions(PROJECT_ROOT / "eval" / "devset-ja.yaml")[::8][:24]
        ja_ratios = []  # a JTE asking in Japanese: the Japanese index and its encoder, against small talk
        for _ in range(2 if quick else 3):
            small, knowledge = Turns(), Turns()
            await one_user(chat, japanese, len(japanese), small, knowledge)
            ja_ratios.append(knowledge.p50 / small.p50)
        long_ratios = []  # a question inside a 200-600 character back-story, each asked once
        long_trials = 2 if quick else 3  # every trial the same mix of English and Japanese
        for batch in deal(long_messages(), long_trials, 24):
            small, knowledge = Turns(), Turns()
            await one_user(chat, batch, len(batch), small, knowledge)
            long_ratios.append(knowledge.p50 / small.p50)
        twenty, throughputs = [], []  # a room of 20 at once, three times: the figures are the medians
        for _ in range(3):
            load = await many_users(chat, repeated, 20, 5 if quick else 10)
            twenty.append(Load(*load))
            chatting = await only(chat, SMALL_TALKS, 20, 5 if quick else 10, ("smalltalk",))
            asking = await only(chat, repeated, 20, 5 if quick else 10, KNOWLEDGE_KINDS)
            throughputs.append((chatting, asking))
        scrape_pairs = await metrics_cost.scrape_trials(chat, urls, repeated, 2 if quick else 3)
        both = asked + questions(PROJECT_ROOT / "eval" / "devset-ja.yaml")
        slow = [await under_slow_input(chat, both[t::3], f"t{t}") for t in range(2 if quick else 3)]
        turns_at = {"after_20_users": chat.turns}
        target = 1000
        while chat.turns < target:
            await many_users(chat, repeated, 20, 5)
        rss_1000 = memory(stack)
        turns_at["rss_1000"] = chat.turns
        rss_5000: dict[str, float] = {}
        if not quick:
            while chat.turns < 5000:
                await many_users(chat, repeated, 20, 10)
            rss_5000 = memory(stack)
            turns_at["rss_5000"] = chat.turns
    return StackFigures(
        ratio_trials=ratios,
        small_1=small_1,
        knowledge_1=knowledge_1,
        distinct_ratio_trials=distinct_ratios,
        distinct_knowledge_p50=distinct_knowledge.p50,
        follow_up_ratio_trials=follow_ratios,
        japanese_ratio_trials=ja_ratios,
        long_ratio_trials=long_ratios,
        twenty=twenty,
        throughput_trials=throughputs,
        slow_input=slow,
        rss_1000=rss_1000,
        rss_5000=rss_5000,
        turns_at=turns_at,
        startups=[],
        scrape_pairs=scrape_pairs,
        scrapes=scrapes[0],
    )


#: The benchmark's own stack: every simulated user comes from this one address.
BENCH_ENV = {
    "SENPAI_RATE_IP_PER_MIN": "1000000",
    "SENPAI_RATE_SENDER_PER_MIN": "100000",
    **metrics_cost.ENV,
}


def measure(data_dir: Path, quick: bool = False) -> StackFigures:
    """Start stacks, time their start-up, and drive one of them.

    Args:
        data_dir: Where the stacks keep their data (fresh each time).
        quick: Fewer trials and turns, and no 5,000-turn memory run.
    """
    startups = []
    trials = 1 if quick else 2
    replicas = len(Settings.from_env().rasa_urls)  # as configured (default 2)
    env = {**BENCH_ENV, "SENPAI_RASA_REPLICAS": str(replicas)}
    rasa = rasa_replica_names(replicas)
    for trial in range(trials):
        stack = LocalStack.start(data_dir / f"startup-{trial}", env)
        for child in ("actions", *rasa, "gateway"):
            stack.wait_for_output(f"{child} ready after", 60)
        startups.append(startup_phases(stack.output()))
        if trial < trials - 1:
            stack.stop()
    try:
        figures = asyncio.run(_drive(stack, quick))
    finally:
        stack.stop()
    figures.startups = startups
    return figures

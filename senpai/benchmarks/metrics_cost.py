"""What the metrics cost: recording them on every turn, and Prometheus scraping them.

- :func:`record_us`: the time one turn spends on recording, with the real
  collectors (the gateway's request, Rasa call and reply; the action server's
  search and decision), in microseconds. ``make bench`` reports it as a share
  of the cheapest turn (a small-talk round trip): ``metrics_record_share``.
- :func:`scraping`: scrapes the gateway's and the action server's ``/metrics``
  while a benchmark runs, so every ratio of ``make bench`` is measured with
  the metrics on, and :func:`scrape_trials` sets knowledge turns while they
  are scraped ten times a second beside the same turns unscraped:
  ``metrics_scrape_p50_ratio``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence

import aiohttp

from actions.action_metrics import ActionMetrics
from bot.gateway_metrics import GatewayMetrics
from senpai.benchmarks.stats import median
from senpai.benchmarks.turns import Chat, Turns, one_user

#: The tokens of the benchmark's own stack.
GATEWAY_TOKEN = "bench-gateway-metrics-token"
ACTIONS_TOKEN = "bench-actions-metrics-token"
ENV = {"SENPAI_METRICS_TOKEN": GATEWAY_TOKEN, "SENPAI_ACTION_METRICS_TOKEN": ACTIONS_TOKEN}


def record_us(turns: int = 2000, trials: int = 5) -> float:
    """Microseconds one turn spends recording its metrics: the median over ``trials`` runs of ``turns``."""
    gateway, actions = GatewayMetrics(), ActionMetrics()
    kinds = ("answer", "smalltalk", "fallback", "answer")
    results = []
    for _ in range(trials):
        started = time.perf_counter()
        for n in range(turns):
            kind = kinds[n % len(kinds)]
            gateway.request("web", "chat")
            gateway.rasa("rasa-1", "ok")
            actions.searched("en", 0.004, 0.61)
            actions.decided("rest", kind, "en")
            gateway.reply("web", kind, "en", 0.05)
        results.append((time.perf_counter() - started) / turns * 1e6)
    return round(median(results), 2)


@contextlib.asynccontextmanager
async def scraping(
    session: aiohttp.ClientSession, urls: Sequence[tuple[str, str]], interval_s: float
) -> AsyncIterator[list[int]]:
    """Scrape each ``(url, token)`` every ``interval_s`` while the block runs; yields the scrape count."""
    done = [0]
    stop = asyncio.Event()

    async def scrape() -> None:
        while not stop.is_set():
            for url, token in urls:
                async with session.get(url, headers={"Authorization": f"Bearer {token}"}) as resp:
                    await resp.read()
                    if resp.status == 200:
                        done[0] += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s)

    task = asyncio.create_task(scrape())
    try:
        yield done
    finally:
        stop.set()
        await task


async def scrape_trials(
    chat: Chat, urls: Sequence[tuple[str, str]], asked: Sequence[str], trials: int
) -> list[tuple[float, float]]:
    """Knowledge p50 (ms) without, then with, scraping every 0.1 s, ``trials`` times side by side."""
    pairs = []
    for _ in range(trials):
        quiet, busy = Turns(), Turns()
        await one_user(chat, asked, len(asked), Turns(), quiet)
        async with scraping(chat.session, urls, 0.1):
            await one_user(chat, asked, len(asked), Turns(), busy)
        pairs.append((quiet.p50, busy.p50))
    return pairs

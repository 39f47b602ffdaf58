"""``senpai eval --stack URL``: the development set through a running Senpai's ``/api/chat``.

This measures what users get (Rasa's NLU, its topic prior and out-of-scope
threshold, retrieval and the answer policy together), where ``senpai eval``
alone measures retrieval.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from knowledge.content.corpus import Corpus
from knowledge.evaluation.recall import DevQuestion

ROLE_MESSAGES = {"jte": "I'm a JTE", "alt": "I'm an ALT"}
NOT_ANSWERS = frozenset({"fallback", "smalltalk"})
MAX_RETRIES = 30


@dataclass
class Outcome:
    """What the stack replied to one question."""

    question: DevQuestion
    kind: str
    cited: list[str]
    choices: list[str]
    seconds: float


async def ask(
    session: aiohttp.ClientSession, url: str, sender: str | None, message: str
) -> tuple[dict[str, Any], float]:
    """Send one message, waiting out rate limits (429 + Retry-After) like a polite client.

    Args:
        session: The HTTP session.
        url: The gateway.
        sender: The conversation's issued id, or ``None`` to start a new one.
        message: What to say.

    Returns:
        The reply body (its ``sender`` is the conversation's id), and the
        seconds the answered request took (time spent waiting out a rate
        limit is not the bot's latency, so it is left out).
    """
    payload = {"message": message} if sender is None else {"sender": sender, "message": message}
    for _ in range(MAX_RETRIES):
        start = time.perf_counter()
        async with session.post(f"{url}/api/chat", json=payload) as resp:
            body: dict[str, Any] = await resp.json()
            seconds = time.perf_counter() - start
            if resp.status == 429:
                await asyncio.sleep(float(resp.headers.get("Retry-After", "1")))
                continue
            if resp.status != 200:
                return {"kind": "error", "messages": [], "error": body.get("error")}, seconds
            return body, seconds
    return {"kind": "error", "messages": [], "error": "still rate-limited"}, 0.0


async def _one(
    session: aiohttp.ClientSession, url: str, n: int, q: DevQuestion, title_ids: dict[str, str]
) -> Outcome:
    sender: str | None = None  # each question in a new conversation
    if q.role in ROLE_MESSAGES:
        said, _ = await ask(session, url, sender, ROLE_MESSAGES[q.role])
        sender = said.get("sender")
    body, seconds = await ask(session, url, sender, q.q)
    messages = body.get("messages", [])
    # A passage that draws on both studies has one citation per study: count it once.
    cited = list(dict.fromkeys(c["passage_id"] for m in messages for c in m.get("citations", [])))
    choices = [
        title_ids[b["title"].split(": ", 1)[-1]]
        for m in messages
        for b in m.get("buttons", [])
        if b["title"].split(": ", 1)[-1] in title_ids
    ]
    return Outcome(q, str(body.get("kind")), cited, choices, seconds)


async def run_through_stack(
    url: str, questions: Sequence[DevQuestion], corpus: Corpus, concurrency: int = 4
) -> list[Outcome]:
    """Ask every question through the gateway, each in a fresh conversation."""
    title_ids = {p.title: p.id for p in corpus.passages}
    gate = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def bounded(n: int, q: DevQuestion) -> Outcome:
            async with gate:
                return await _one(session, url.rstrip("/"), n, q, title_ids)

        return await asyncio.gather(*(bounded(n, q) for n, q in enumerate(questions)))


def summarise(outcomes: Sequence[Outcome]) -> dict[str, float]:
    """Return accuracy, top-1 answer precision, out-of-scope rejection and latency.

    An out-of-scope question counts as rejected when it gets no knowledge
    answer: an honest fallback, or small talk (chit-chat such as "hi, how are
    you?" is out of the studies' scope, and a friendly reply is right for it).
    """
    in_scope = [o for o in outcomes if not o.question.out_of_scope]
    oos = [o for o in outcomes if o.question.out_of_scope]
    rejected = [o for o in outcomes if o.kind in NOT_ANSWERS]
    true_rejects = sum(1 for o in rejected if o.question.out_of_scope)

    def right(o: Outcome) -> bool:
        if o.question.out_of_scope:
            return o.kind in NOT_ANSWERS
        if o.kind == "answer":
            return bool(o.cited) and o.cited[0] in o.question.relevant
        if o.kind == "clarify":
            return any(c in o.question.relevant for c in o.choices)
        return False

    answered = [o for o in in_scope if o.kind == "answer"]
    latencies = sorted(o.seconds * 1000 for o in outcomes)
    n = len(in_scope) or 1
    return {
        "questions": len(outcomes),
        "accuracy": sum(map(right, outcomes)) / (len(outcomes) or 1),
        "in_scope_top1": sum(1 for o in answered if o.cited and o.cited[0] in o.question.relevant) / n,
        "in_scope_answered": len(answered) / n,
        "clarify_rate": sum(1 for o in in_scope if o.kind == "clarify") / n,
        "oos_precision": true_rejects / len(rejected) if rejected else 1.0,
        "oos_recall": true_rejects / len(oos) if oos else 1.0,
        "errors": sum(1 for o in outcomes if o.kind == "error"),
        "latency_ms_p50": statistics.median(latencies) if latencies else 0.0,
        "latency_ms_p95": latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
    }

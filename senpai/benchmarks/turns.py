"""The simulated users of the stack benchmarks: a client of ``/api/chat``, the turns it times, and the loads.

A user is a :class:`Chat` (one keep-alive session, like the widget); its
turns are timed into :class:`Turns`, one kind of turn at a time, so that a
figure compares a knowledge turn with its floor, a small-talk turn.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import yaml

from senpai.benchmarks.stats import median, percentile
from senpai.loadtest import chat_once
from settings import PROJECT_ROOT

SMALL_TALK = "hi"


def questions(devset: Path = PROJECT_ROOT / "eval" / "devset.yaml") -> list[str]:
    """Every in-scope question of the development set, in file order (realistic wording)."""
    data = yaml.safe_load(devset.read_text(encoding="utf-8"))
    return [str(q["q"]) for q in data["questions"] if q.get("relevant")]


#: The development sets of real-style messages (never the held-out one).
REAL_STYLE = (PROJECT_ROOT / "eval" / "real-en.yaml", PROJECT_ROOT / "eval" / "real-ja.yaml")


def long_messages(low: int = 200, high: int = 600) -> list[str]:
    """Real-style development messages of ``low``-``high`` characters, English and Japanese interleaved.

    A question inside a back-story, as ALTs and JTEs post them (issue 28).
    """
    sets = [
        [str(m["q"]) for m in yaml.safe_load(p.read_text(encoding="utf-8"))["messages"]] for p in REAL_STYLE
    ]
    found = [[m for m in messages if low <= len(m) <= high] for messages in sets]
    mixed = [m for group in itertools.zip_longest(*found) for m in group if m is not None]
    return mixed


def deal(messages: Sequence[str], trials: int, size: int) -> list[list[str]]:
    """Deal messages round-robin into ``trials`` batches of at most ``size``, each message at most once.

    Every batch gets the same mix of what the list holds: :func:`long_messages`
    interleaves its few Japanese messages with the first English ones, so
    consecutive batches would put them all in the first trial.
    """
    return [list(messages[t::trials][:size]) for t in range(trials)]


@dataclass
class Turns:
    """Latencies (ms) of one kind of turn, and what went wrong."""

    ms: list[float] = field(default_factory=list)
    errors: int = 0
    #: What each error was: the HTTP status and the reply's kind, counted.
    problems: Counter[str] = field(default_factory=Counter)

    @property
    def p50(self) -> float:
        """Median latency."""
        return median(self.ms)

    @property
    def p95(self) -> float:
        """95th percentile latency."""
        return percentile(self.ms, 0.95)


class Chat:
    """A client of one stack's ``/api/chat`` with one keep-alive session (like the widget)."""

    def __init__(self, url: str, session: aiohttp.ClientSession) -> None:
        self.url = url
        self.session = session
        self.turns = 0

    async def say(self, sender: str | None, text: str, into: Turns, expect: tuple[str, ...]) -> str | None:
        """Send one message and record its latency, or an error if the reply is not of an expected kind.

        Returns:
            The conversation's sender id (issued by the gateway when ``sender`` is ``None``).
        """
        sent = await chat_once(self.session, self.url, sender, text)
        into.ms.append(sent.seconds * 1000)
        self.turns += 1
        if sent.status != 200 or sent.kind not in expect:
            into.errors += 1
            into.problems[f"{sent.status} {sent.kind}"] += 1
        return sent.sender or sender


KNOWLEDGE_KINDS = ("answer", "clarify", "fallback")


async def one_user(chat: Chat, asked: Sequence[str], pairs: int, small: Turns, knowledge: Turns) -> None:
    """``pairs`` conversations of a greeting and one question, one after another."""
    for n in range(pairs):  # each pair a new conversation: the greeting starts it
        sender = await chat.say(None, SMALL_TALK, small, ("smalltalk",))
        await chat.say(sender, asked[n % len(asked)], knowledge, KNOWLEDGE_KINDS)


#: Follow-ups after an answer: each is read with the question before it (a second embedding).
FOLLOW_UPS = ("why?", "is that common?", "who said that?", "what about JTEs?", "and in the other study?")


async def with_follow_ups(
    chat: Chat, asked: Sequence[str], small: Turns, knowledge: Turns, follow: Turns
) -> None:
    """Conversations of a greeting, a question and a follow-up that leans on it."""
    for n, question in enumerate(asked):
        sender = await chat.say(None, SMALL_TALK, small, ("smalltalk",))
        sender = await chat.say(sender, question, knowledge, KNOWLEDGE_KINDS)
        await chat.say(sender, FOLLOW_UPS[n % len(FOLLOW_UPS)], follow, KNOWLEDGE_KINDS)


async def many_users(chat: Chat, asked: Sequence[str], users: int, pairs: int) -> tuple[Turns, Turns, float]:
    """``users`` people at once, each greeting and asking ``pairs`` times; returns the turns and wall time."""
    small, knowledge = Turns(), Turns()
    start = time.perf_counter()
    await asyncio.gather(
        *(one_user(chat, asked[u::users] or asked, pairs, small, knowledge) for u in range(users))
    )
    return small, knowledge, time.perf_counter() - start


async def only(chat: Chat, texts: Sequence[str], users: int, each: int, expect: tuple[str, ...]) -> Load:
    """``users`` people at once, each sending ``each`` messages of one kind, every one a new conversation."""
    turns = Turns()
    start = time.perf_counter()

    async def person(offset: int) -> None:
        for n in range(each):
            await chat.say(None, texts[(offset + n * users) % len(texts)], turns, expect)

    await asyncio.gather(*(person(u) for u in range(users)))
    return Load(Turns(), turns, time.perf_counter() - start)


#: Small-talk messages for a small-talk-only load (each answered by Rasa alone, no custom action).
SMALL_TALKS = ("hi", "hello", "thanks", "thank you", "good morning", "hey there")


@dataclass(frozen=True)
class Load:
    """One trial of many users at once: their small-talk and knowledge turns, and its wall time."""

    small: Turns
    knowledge: Turns
    wall_s: float

    @property
    def turns(self) -> int:
        """Turns in the trial."""
        return len(self.small.ms) + len(self.knowledge.ms)

    @property
    def throughput(self) -> float:
        """Turns per second."""
        return self.turns / self.wall_s

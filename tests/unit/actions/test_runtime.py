"""One slow turn never stops the others: text work off the event loop, lanes, and a time budget per turn."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import actions.reply_language
import knowledge.text.words
from actions import runtime
from actions.registry import action
from actions.runtime import LONG_CHARS, KnowledgeService
from actions.texts import say
from knowledge import Index
from knowledge.search.decide import Policy
from tests.unit.fakes import TrackerFactory, meta, run

ANSWER = action("action_answer")

THRESHOLD = 0.45


class Gate:
    """An encoder in front of the real one that holds long texts until it is opened."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.opened = threading.Event()
        self.holding = threading.Event()

    def encode(self, texts: list[str], batch_size: int = 32) -> Any:
        if any(len(t) > LONG_CHARS // 2 for t in texts):
            self.holding.set()
            self.opened.wait(10)
        return self.inner.encode(texts, batch_size)


@pytest.fixture
def gated(tiny_index: Index) -> Iterator[tuple[KnowledgeService, Gate]]:
    gate = Gate(tiny_index.encoder)
    svc = KnowledgeService(
        tiny_index.with_encoder(gate), Policy(threshold=THRESHOLD), oos_threshold=0.6, turn_budget_s=1.0
    )
    runtime.install(svc)
    yield svc, gate
    gate.opened.set()
    svc.close()


async def test_a_turn_over_its_budget_gets_an_apology_and_changes_nothing(
    gated: tuple[KnowledgeService, Gate], make_tracker: TrackerFactory
) -> None:
    _, gate = gated
    long = "Our school is small and quiet. " * 12 + "When did the JET Programme start?"
    started = time.monotonic()
    messages, slot_events = await run(ANSWER, make_tracker(long, last_passages=["programme-start"]))
    took = time.monotonic() - started
    assert gate.holding.is_set()  # the search really was stuck
    assert meta(messages)["kind"] == "error"
    assert messages[0]["text"] == say("en", "too_slow")
    assert slot_events == {}  # the conversation's memory is as it was
    assert took < 2.0  # the budget (1 s), not the stuck work, decided when the user heard back


async def test_the_apology_is_in_the_users_language(
    gated: tuple[KnowledgeService, Gate], make_tracker: TrackerFactory
) -> None:
    long = "研修について知りたいです。" * 30 + "ALTとの授業はどうしたらいいでしょうか。"
    messages, _ = await run(ANSWER, make_tracker(long, language="ja"))
    assert meta(messages)["kind"] == "error"
    assert messages[0]["text"] == say("ja", "too_slow")


async def test_long_messages_wait_in_their_own_lane_while_short_ones_are_answered(
    gated: tuple[KnowledgeService, Gate], make_tracker: TrackerFactory
) -> None:
    _, gate = gated
    long = "Our school is small and quiet. " * 12 + "When did the JET Programme start?"
    stuck = [asyncio.create_task(run(ANSWER, make_tracker(long))) for _ in range(3)]
    await asyncio.get_running_loop().run_in_executor(None, gate.holding.wait, 5)
    started = time.monotonic()
    messages, _ = await run(ANSWER, make_tracker("When did the JET Programme start?"))
    assert meta(messages)["kind"] == "answer"  # the long lane is blocked; the quick lane is not
    assert time.monotonic() - started < 1.0
    gate.opened.set()
    for task in stuck:
        await task


@pytest.fixture
def plain(tiny_index: Index) -> Iterator[KnowledgeService]:
    svc = KnowledgeService(tiny_index, Policy(threshold=THRESHOLD), oos_threshold=0.6)
    runtime.install(svc)
    yield svc
    svc.close()


async def test_reading_a_message_runs_in_a_worker_thread_not_on_the_event_loop(
    plain: KnowledgeService, make_tracker: TrackerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: dict[str, set[str]] = {"detect": set(), "ja_tokens": set()}

    def spy(name: str, real: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            threads[name].add(threading.current_thread().name)
            return real(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(actions.reply_language, "detect", spy("detect", actions.reply_language.detect))
    monkeypatch.setattr(knowledge.text.words, "ja_tokens", spy("ja_tokens", knowledge.text.words.ja_tokens))
    for text in ("When did the JET Programme start? I wonder", "JETプログラムはいつ始まりましたか？ ALT"):
        await run(ANSWER, make_tracker(text))
    loop_thread = threading.current_thread().name
    assert threads["detect"] and threads["ja_tokens"]
    assert loop_thread not in threads["detect"] | threads["ja_tokens"]
    assert all(name.startswith("encode") for name in threads["detect"] | threads["ja_tokens"]), threads


async def test_a_lone_surrogate_from_another_channel_is_read_not_crashed_on(
    plain: KnowledgeService, make_tracker: TrackerFactory
) -> None:
    messages, _ = await run(ANSWER, make_tracker("When did the JET Programme start?\ud800"))
    assert meta(messages)["kind"] == "answer"

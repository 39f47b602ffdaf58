"""Other users' latency while the messages that used to hurt arrive (issue 34), for ``senpai bench``.

Three users keep asking distinct questions; first quietly, then while every
message of :mod:`senpai.adversarial` arrives, one by one and then ten long
ones at once. The figure is their p95 then over their p95 before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from senpai.adversarial import slow_input, ten_long
from senpai.benchmarks.turns import Chat, Turns

#: Every reply kind but ``error``: what a message that used to hurt must get.
REPLY_KINDS = ("answer", "clarify", "fallback", "smalltalk")
#: How many users keep asking while the slow input arrives.
SLOW_INPUT_USERS = 3


async def keep_asking(chat: Chat, asked: Sequence[str], users: int, stop: asyncio.Event) -> Turns:
    """``users`` people asking one question after another, each a new conversation, until ``stop``."""
    turns = Turns()

    async def person(offset: int) -> None:
        n = offset
        while not stop.is_set():
            await chat.say(None, asked[n % len(asked)], turns, REPLY_KINDS)  # errors, not routing, count
            n += users

    await asyncio.gather(*(person(u) for u in range(users)))
    return turns


async def under_slow_input(chat: Chat, asked: Sequence[str], tag: str) -> tuple[Turns, Turns, Turns]:
    """Users asking quietly, then while every message that used to hurt arrives (singly, then ten at once).

    Returns:
        The others' turns when quiet and while the slow input arrived, and the slow input's own turns.
    """
    quiet_stop, busy_stop, attack = asyncio.Event(), asyncio.Event(), Turns()
    quiet_task = asyncio.create_task(keep_asking(chat, asked[::2], SLOW_INPUT_USERS, quiet_stop))
    await asyncio.sleep(8)
    quiet_stop.set()
    quiet = await quiet_task
    busy_task = asyncio.create_task(keep_asking(chat, asked[1::2], SLOW_INPUT_USERS, busy_stop))
    await asyncio.sleep(1)
    for _, message in slow_input():
        await chat.say(None, f"{tag} {message}"[:2000], attack, REPLY_KINDS)
    await asyncio.gather(*(chat.say(None, message, attack, REPLY_KINDS) for message in ten_long(tag)))
    await asyncio.sleep(1)
    busy_stop.set()
    return quiet, await busy_task, attack

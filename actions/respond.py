"""What every action does first: decide what the message really is, then handle it, within a time budget.

Rasa's NLU picks the action (``action_answer``, ``action_tell_me_more``,
``action_cite_source``, ``action_small_talk``), but its guess is only a hint.
:meth:`knowledge.text.routing.Router.route` takes a message for small talk, a
source request or "tell me more" only when that kind's own vocabulary covers
it; everything else is a question and is answered, in the light of the
conversation. So "is that one common?" is never answered with a citation,
and "is the stock market going up?" never with "I'm a bot".

Every turn runs under :func:`within_budget`: the message is read in a worker
thread (:mod:`actions.reading`), and a turn that takes longer than the
service's budget gets an apology in the user's language (kind ``error``)
instead of holding the conversation until Rasa's action time-out.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import compose, slots
from actions.answer import answer
from actions.channels import TurnDispatcher, send
from actions.follow_up import tell_more
from actions.messages import ERROR, SMALLTALK, Reply
from actions.reading import Reading, read
from actions.reply_language import latest_text
from actions.runtime import get_service
from actions.smalltalk import small_talk
from actions.source import cite_source
from actions.texts import say
from contracts import logs
from knowledge.text.language import Lang, has_japanese
from knowledge.text.routing import Route

logger = logging.getLogger("senpai.actions")
access = logging.getLogger(logs.ACCESS_LOGGER)


async def respond(dispatcher: CollectingDispatcher, tracker: Tracker, hint: Route) -> list[EventType]:
    """Route the latest message and reply to it, in the conversation's language, within the turn's budget.

    Args:
        dispatcher: Where the reply goes.
        tracker: The conversation.
        hint: What the action Rasa chose stands for.
    """

    async def work(scratch: CollectingDispatcher) -> list[EventType]:
        reading = await read_latest(tracker, hint)
        return await handle(scratch, tracker, reading)

    return await within_budget(dispatcher, tracker, work)


async def read_latest(tracker: Tracker, hint: Route | None) -> Reading:
    """Read the latest message (:func:`actions.reading.read`) in a worker thread of its lane."""
    service = get_service()
    return await service.offload(latest_text(tracker), read, tracker, service, hint)


async def handle(dispatcher: CollectingDispatcher, tracker: Tracker, reading: Reading) -> list[EventType]:
    """Reply to a message already read: switch language, cite, say more, chat, or answer."""
    lang, events = reading.lang, reading.events
    if reading.requested is not None:
        return [*events, *switch_language(dispatcher, tracker, reading.requested)]
    if reading.route == "source":
        return [*events, *await cite_source(dispatcher, tracker, lang)]
    if reading.route == "more":
        return [*events, *await tell_more(dispatcher, tracker, lang)]
    if reading.route == "smalltalk":
        return [*events, *await small_talk(dispatcher, tracker, lang, reading.smalltalk_intent)]
    return [*events, *await answer(dispatcher, tracker, reading)]


async def within_budget(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    work: Callable[[CollectingDispatcher], Awaitable[list[EventType]]],
) -> list[EventType]:
    """Run one turn's ``work`` for at most the service's turn budget.

    The work replies into a scratch dispatcher, copied to ``dispatcher`` only
    when it finishes in time. Otherwise the user gets an apology in their
    language (kind ``error``), no slot changes, and the conversation goes on:
    their message stays in it, and they can send it again. The work's threads
    finish on their own; what they cost is bounded (:mod:`knowledge.encoders.window`).

    Every log line of the turn carries the request id the gateway gave it
    (the user message's metadata), and its replies are counted
    (``senpai_decisions_total``) once it has finished.

    Returns:
        The work's events, or none when it ran out of time.
    """
    service = get_service()
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    logs.request_id.set(metadata.get(logs.METADATA_KEY))  # this turn's task only
    logs.sender.set(metadata.get(logs.SENDER_KEY))
    channel = tracker.get_latest_input_channel()
    started = time.perf_counter()
    scratch = TurnDispatcher()
    try:
        events = await asyncio.wait_for(work(scratch), service.turn_budget_s)
    except TimeoutError:
        text = latest_text(tracker)
        lang: Lang = "ja" if tracker.get_slot(slots.LANGUAGE) == "ja" or has_japanese(text) else "en"
        budget = service.turn_budget_s
        logger.warning("a turn of %d characters took over its %.1f s budget; apologised", len(text), budget)
        scratch = TurnDispatcher()
        send(scratch, Reply(ERROR, say(lang, "too_slow"), lang=lang), channel)
        events = []
    dispatcher.messages.extend(scratch.messages)
    seconds = time.perf_counter() - started
    for reply in scratch.replies:
        service.metrics.decided(channel, reply.kind, reply.lang)
        access.info(
            "replied %s (%s) in %.3f s",
            reply.kind,
            reply.lang,
            seconds,
            extra={"kind": reply.kind, "duration": seconds},
        )
    return events


def switch_language(dispatcher: CollectingDispatcher, tracker: Tracker, lang: Lang) -> list[EventType]:
    """Say so, and give the last answer again in the language asked for, if there was one."""
    channel = tracker.get_latest_input_channel()
    send(dispatcher, Reply(SMALLTALK, say(lang, "language_set"), lang=lang), channel)
    index = get_service().index
    last = [p for p in (index.get(pid) for pid in tracker.get_slot(slots.LAST_PASSAGES) or []) if p]
    if last:
        send(dispatcher, compose.answer_reply(last, lang), channel)
    return []

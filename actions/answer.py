"""``action_answer``: answer a question from the knowledge index, in the light of the conversation."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import compose, slots
from actions.channels import send
from actions.runtime import get_service
from knowledge.search.context import Previous

if TYPE_CHECKING:
    from actions.reading import Reading


def previous_exchange(tracker: Tracker) -> Previous | None:
    """The previous question and its answer, as the slots remember them; ``None`` before any answer."""
    passages = tracker.get_slot(slots.LAST_PASSAGES) or []
    question = tracker.get_slot(slots.LAST_QUESTION)
    if not passages or not question:
        return None
    return Previous(str(question), tuple(passages), tracker.get_slot(slots.LAST_TOPIC))


async def answer(dispatcher: CollectingDispatcher, tracker: Tracker, reading: Reading) -> list[EventType]:
    """Answer the latest user message from the index, clarify, or fall back honestly.

    A follow-up ("and in high school?", "why?") is read with the previous
    exchange (:func:`knowledge.search.context.answer_in_context`); one that has nothing
    to follow gets a prompt to ask a whole question, not "I don't know".

    Args:
        dispatcher: Where the reply goes.
        tracker: The conversation; its latest message is the question.
        reading: The latest message, read (:mod:`actions.reading`): its text,
            the language to reply in, and the role it states.

    Returns:
        The slot events that remember the exchange for follow-ups, "tell me
        more" and "where is that from?", after setting ``role`` when the
        question says who the user is ("I'm a JTE at a junior high, what do ALTs want?").
    """
    service = get_service()
    message = tracker.latest_message or {}
    query, lang = reading.text, reading.lang
    intent = (message.get("intent") or {}).get("name")
    known = tracker.get_slot(slots.ROLE)
    role = reading.stated_role or known
    events: list[EventType] = [SlotSet(slots.ROLE, role)] if role != known else []
    channel = tracker.get_latest_input_channel()
    previous = previous_exchange(tracker)
    found = reading.found or await service.in_context(query, previous, intent=intent, audience=role)
    decision = found.decision
    if previous is None and reading.needs_previous and not found.strong and decision.not_covered is None:
        # "why?" with nothing before it: ask for a whole question rather than guess.
        reply = compose.nothing_to_follow(service.index, query, lang)
        send(dispatcher, replace(reply, role=role), channel)
        return events
    if decision.kind == "fallback":
        reply = compose.fallback_reply(
            service.index, found.hits, service.policy_for(intent), decision.not_covered, lang
        )
        nearest = found.hits[0] if found.hits else None
        missed = {
            "not_covered": decision.not_covered.topic.id if decision.not_covered else None,
            "nearest": nearest.id if nearest else None,
            "score": round(nearest.similarity, 4) if nearest else None,
        }
        send(dispatcher, replace(reply, role=role, missed=missed), channel)
        service.remember(tracker.sender_id, None)
        forget = [SlotSet(slots.CANDIDATES, []), SlotSet(slots.LAST_PASSAGES, None)]
        return [*events, *forget, SlotSet(slots.LAST_QUESTION, None)]
    if decision.kind == "clarify":
        send(dispatcher, replace(compose.clarify_reply(service.index, decision, lang), role=role), channel)
        return events
    chosen = [hit.passage for hit in decision.hits]
    send(dispatcher, replace(compose.answer_reply(chosen, lang), role=role), channel)
    ids = [p.id for p in chosen]
    service.remember(tracker.sender_id, Previous(found.query, tuple(ids), chosen[0].topic))
    return [
        *events,
        SlotSet(slots.LAST_PASSAGES, ids),
        SlotSet(slots.LAST_TOPIC, chosen[0].topic),
        SlotSet(slots.LAST_QUESTION, found.query),
        SlotSet(slots.CANDIDATES, [h.id for h in found.hits if h.id not in ids]),
        SlotSet(slots.SHOWN, ids),
    ]

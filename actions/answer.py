"""``action_answer``: answer a question from the knowledge index, or fall back honestly."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import compose, slots
from actions.channels import send
from actions.runtime import get_service
from actions.stated_role import stated_role
from knowledge.decide import decide

#: How many ranked candidates to remember for "tell me more".
CANDIDATES = 8


class ActionAnswer(Action):
    """Search the passages with the intent's topic as a soft prior and answer with the best."""

    def name(self) -> str:
        """Return the action's name in the domain."""
        return "action_answer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Answer the latest user message."""
        return await answer(dispatcher, tracker)


async def answer(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Answer the latest user message from the index, clarify, or fall back honestly.

    Args:
        dispatcher: Where the reply goes.
        tracker: The conversation; its latest message is the question.

    Returns:
        The slot events that remember the answer for "tell me more" and "where is
        that from?", after setting ``role`` when the question says who the user
        is ("I'm a JTE at a junior high, what do ALTs want?").
    """
    service = get_service()
    message = tracker.latest_message or {}
    query = (message.get("text") or "").strip()
    intent = (message.get("intent") or {}).get("name")
    known = tracker.get_slot(slots.ROLE)
    role = stated_role(query) or known
    events: list[EventType] = [SlotSet(slots.ROLE, role)] if role != known else []
    hits = (
        await service.search(query, CANDIDATES, topic=slots.INTENT_TOPICS.get(intent or ""), audience=role)
        if query
        else []
    )
    decision = decide(hits, service.policy_for(intent))
    channel = tracker.get_latest_input_channel()
    if decision.kind == "fallback":
        reply = compose.fallback_reply(service.index, hits, service.answer_threshold, decision.not_covered)
        send(dispatcher, replace(reply, role=role), channel)
        return [*events, SlotSet(slots.CANDIDATES, []), SlotSet(slots.LAST_PASSAGES, None)]
    if decision.kind == "clarify":
        send(dispatcher, replace(compose.clarify_reply(service.index, decision), role=role), channel)
        return events
    chosen = [hit.passage for hit in decision.hits]
    send(dispatcher, replace(compose.answer_reply(chosen), role=role), channel)
    ids = [p.id for p in chosen]
    return [
        *events,
        SlotSet(slots.LAST_PASSAGES, ids),
        SlotSet(slots.LAST_TOPIC, chosen[0].topic),
        SlotSet(slots.CANDIDATES, [h.id for h in hits if h.id not in ids]),
        SlotSet(slots.SHOWN, ids),
    ]

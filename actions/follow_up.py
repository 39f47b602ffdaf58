"""``action_tell_me_more``: the next-best passage on the topic of the last answer."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import compose, slots
from actions.channels import send
from actions.runtime import get_service
from actions.texts import say


async def tell_more(dispatcher: CollectingDispatcher, tracker: Tracker, lang: str = "en") -> list[EventType]:
    """Show the next passage on the last answer's topic, or say there is nothing more."""
    service = get_service()
    channel = tracker.get_latest_input_channel()
    last = tracker.get_slot(slots.LAST_PASSAGES) or []
    if not last:
        text = say(lang, "nothing_more_yet")
        send(dispatcher, compose.nudge(service.index, text, lang), channel)
        return []
    shown = tracker.get_slot(slots.SHOWN) or []
    passage = compose.next_passage(
        service.index,
        tracker.get_slot(slots.CANDIDATES) or [],
        last,
        shown,
        tracker.get_slot(slots.LAST_TOPIC),
    )
    if passage is None:
        text = say(lang, "nothing_more")
        send(dispatcher, compose.nudge(service.index, text, lang), channel)
        return []
    send(dispatcher, compose.answer_reply([passage], lang), channel)
    return [
        SlotSet(slots.LAST_PASSAGES, [passage.id]),
        SlotSet(slots.SHOWN, [*shown, passage.id]),
    ]

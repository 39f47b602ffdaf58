"""``action_tell_me_more``: the next-best passage on the topic of the last answer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import compose, slots
from actions.reply import FALLBACK, Reply, send
from actions.runtime import get_service


class ActionTellMeMore(Action):
    """Follow up on the last answer without repeating anything already shown."""

    def name(self) -> str:
        """Return the action's name in the domain."""
        return "action_tell_me_more"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Show the next passage, or say there is nothing more."""
        service = get_service()
        channel = tracker.get_latest_input_channel()
        last = tracker.get_slot(slots.LAST_PASSAGES) or []
        if not last:
            reply = Reply(
                kind=FALLBACK,
                text="I haven't answered anything yet that I could say more about. Try one of these:",
                buttons=tuple(compose.suggestions(service.index, [], service.answer_threshold)),
            )
            send(dispatcher, reply, channel)
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
            reply = Reply(
                kind=FALLBACK,
                text="That's everything I have on that. You could ask about something else:",
                buttons=tuple(compose.suggestions(service.index, [], service.answer_threshold)),
            )
            send(dispatcher, reply, channel)
            return []
        send(dispatcher, compose.answer_reply([passage]), channel)
        return [
            SlotSet(slots.LAST_PASSAGES, [passage.id]),
            SlotSet(slots.SHOWN, [*shown, passage.id]),
        ]

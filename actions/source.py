"""``action_cite_source``: the full reference behind the last answer."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import compose, slots
from actions.channels import send
from actions.runtime import get_service


class ActionCiteSource(Action):
    """Answer "where is that from?" with the study, section and participant."""

    def name(self) -> str:
        """Return the action's name in the domain."""
        return "action_cite_source"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Cite the last answer, unless the message asks something else (see :mod:`actions.respond`)."""
        from actions.respond import respond

        return await respond(dispatcher, tracker, "source")


async def cite_source(
    dispatcher: CollectingDispatcher, tracker: Tracker, lang: str = "en"
) -> list[EventType]:
    """Cite the passages of the last answer (or, before any, the studies themselves)."""
    service = get_service()
    channel = tracker.get_latest_input_channel()
    ids = tracker.get_slot(slots.LAST_PASSAGES) or []
    passages = [p for p in (service.index.get(pid) for pid in ids) if p is not None]
    if not passages:
        send(dispatcher, compose.studies_reply(service.index, lang), channel)
        return []
    send(dispatcher, compose.source_reply(passages, lang), channel)
    return []

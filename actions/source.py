"""``action_cite_source``: the full reference behind the last answer."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import compose, slots
from actions.channels import send
from actions.runtime import get_service


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

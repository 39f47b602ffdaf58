"""Which language Senpai replies in, and "英語で" / "in Japanese please".

A message is answered in its own language (:func:`knowledge.text.language.detect`),
unless the user asked for one: that preference holds for the rest of the
conversation, in the ``language_preference`` slot. The ``language`` slot
remembers the language of the last reply, so a message with nothing to tell
by ("TT", "ok") keeps it, and the widget's strings follow it.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions import slots
from knowledge.text.language import Lang, detect, requested_language
from knowledge.text.patterns import scrub


def latest_text(tracker: Tracker) -> str:
    """The latest user message, stripped, with any lone surrogate made readable (:func:`scrub`)."""
    return scrub(((tracker.latest_message or {}).get("text") or "").strip())


def reply_language(tracker: Tracker) -> tuple[Lang, Lang | None, list[EventType]]:
    """The language to reply in, the language the message asks for (if it only asks that), and slot events.

    Returns:
        ``(lang, requested, events)``: ``events`` set ``language`` when it
        changes and ``language_preference`` when the message asks for one.
    """
    text = latest_text(tracker)
    before: Lang = "ja" if tracker.get_slot(slots.LANGUAGE) == "ja" else "en"
    preference = tracker.get_slot(slots.LANGUAGE_PREFERENCE)
    requested = requested_language(text)
    events: list[EventType] = []
    if requested is not None:
        preference = requested
        events.append(SlotSet(slots.LANGUAGE_PREFERENCE, requested))
    if text.startswith("/"):  # a button payload says nothing about the language
        lang: Lang = before
    else:
        lang = "ja" if preference == "ja" else "en" if preference == "en" else detect(text, before)
    if lang != (tracker.get_slot(slots.LANGUAGE) or "en"):
        events.append(SlotSet(slots.LANGUAGE, lang))
    return lang, requested, events

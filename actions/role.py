"""The user says who they are: "I'm a JTE", often with a question attached.

The rule for ``inform_role`` runs ``action_set_role``, then ``action_answer_if_asked``:

* ``action_set_role`` sets the ``role`` slot to the role the user says they
  have (:mod:`actions.stated_role`): "I'm a JTE, what do ALTs want from me?"
  names two roles but states one, and "our ALT never speaks up" states none.
  It acknowledges the role, and the acknowledgement carries it, so the widget's
  role switch shows what Senpai heard. A message that states no role gets
  "are you an ALT or a JTE?", unless it asks a question: then that is answered
  and nothing is asked first.
* ``action_answer_if_asked`` answers a question asked in the same message.
  NLU files "I teach English at a junior high. Why would our ALT choose
  Japan?" under ``inform_role``; acknowledging only the role would drop the
  question.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import slots, texts
from actions.answer import answer
from actions.channels import send
from actions.messages import SMALLTALK, Button, Reply
from actions.respond import read_latest, within_budget

if TYPE_CHECKING:
    from actions.reading import Reading

ROLES = frozenset({"alt", "jte"})
INFORM_ROLE = "inform_role"


def first_role(entities: list[dict[str, Any]]) -> str | None:
    """The role the message names first (``alt`` or ``jte``), or ``None``."""
    found = [e for e in entities if e.get("entity") == slots.ROLE and e.get("value") in ROLES]
    return str(min(found, key=lambda e: e.get("start") or 0)["value"]) if found else None


def set_role(
    dispatcher: CollectingDispatcher, tracker: Tracker, reading: Reading, events: list[EventType]
) -> list[EventType]:
    """Acknowledge the role the user says they have, or ask for one unless the message asks something.

    Only the user's own role counts: "I'm a JTE", 「JTEです」, "JTE" alone (an
    answer to "are you an ALT or a JTE?"), or a role button's payload. A role
    merely named ("our ALT never speaks up") sets nothing.
    """
    message = tracker.latest_message or {}
    channel = tracker.get_latest_input_channel()
    lang = reading.lang
    payload = reading.text.startswith("/")
    role = first_role(message.get("entities") or []) if payload else reading.stated_role
    if role is None:
        if not reading.asks:
            offered = tuple(Button(label, payload) for label, payload in texts.buttons(lang, "roles"))
            send(
                dispatcher, Reply(SMALLTALK, texts.say(lang, "ask_role"), buttons=offered, lang=lang), channel
            )
        return events  # a question comes next (action_answer_if_asked), not "who are you?"
    said = texts.say(lang, f"acknowledge_{role}")
    send(dispatcher, Reply(SMALLTALK, said, role=role, lang=lang), channel)
    return events if role == tracker.get_slot(slots.ROLE) else [*events, SlotSet(slots.ROLE, role)]


async def set_role_turn(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """``action_set_role``: set and acknowledge the role; a message not about the user's role sets nothing."""
    message = tracker.latest_message or {}
    if (message.get("intent") or {}).get("name") != INFORM_ROLE:
        return []  # "how do I support my ALT?" names a role, but not the user's

    async def work(scratch: CollectingDispatcher) -> list[EventType]:
        reading = await read_latest(tracker, None)
        return set_role(scratch, tracker, reading, reading.events)

    return await within_budget(dispatcher, tracker, work)


async def answer_if_asked(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """``action_answer_if_asked``: after the role is acknowledged, answer a question the message asks."""

    async def work(scratch: CollectingDispatcher) -> list[EventType]:
        reading = await read_latest(tracker, None)
        if not reading.asks:
            return []
        return await answer(scratch, tracker, reading)  # action_set_role set the language slot

    return await within_budget(dispatcher, tracker, work)

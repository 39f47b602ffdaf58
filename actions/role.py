"""The user says who they are: "I'm a JTE", often with a question attached.

The rule for ``inform_role`` runs ``action_set_role``, then ``action_answer_if_asked``:

* ``action_set_role`` corrects the ``role`` slot to the *first* role the
  message names. "I'm a JTE, what do ALTs want from me?" names two; Rasa's own
  entity mapping (``domain.yml``) keeps the last one and takes this JTE for an ALT.
  It acknowledges the role, and the acknowledgement carries it, so the widget's
  role switch shows what Senpai heard. A message that names no role gets
  "are you an ALT or a JTE?", unless it asks a question: then that is answered
  and nothing is asked first.
* ``action_answer_if_asked`` answers a question asked in the same message.
  NLU files "I teach English at a junior high. Why would our ALT choose
  Japan?" under ``inform_role``; acknowledging only the role would drop the
  question.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import slots
from actions.answer import answer
from actions.channels import send
from actions.reply import SMALLTALK, Button, Reply

ROLES = frozenset({"alt", "jte"})
INFORM_ROLE = "inform_role"

#: What Senpai says when it hears a role.
ACKNOWLEDGE = {
    "jte": (
        "Thanks! I'll prefer answers written for Japanese teachers of English, "
        "such as what ALTs think and want."
    ),
    "alt": "Thanks! I'll prefer answers written for ALTs.",
}
ASK_ROLE = "Thanks! Are you an ALT or a JTE? Tell me, for example \"I'm a JTE\", and I'll tailor my answers."
ROLE_BUTTONS = (
    Button("I'm an ALT", '/inform_role{"role": "alt"}'),
    Button("I'm a JTE", '/inform_role{"role": "jte"}'),
)

#: Words that open a question (or a request) at the start of a sentence or clause.
QUESTION_OPENERS = frozenset(
    [
        "what",
        "whats",
        "what's",
        "why",
        "how",
        "hows",
        "how's",
        "when",
        "where",
        "who",
        "whom",
        "whose",
        "which",
        "is",
        "are",
        "was",
        "were",
        "do",
        "does",
        "did",
        "can",
        "could",
        "should",
        "would",
        "will",
        "may",
        "might",
        "tell",
        "explain",
        "any",
        "anything",
    ]
)
_CLAUSES = re.compile(r"[.!;,:\n]+|\s+(?:and|but|so)\s+", re.IGNORECASE)
_WORD = re.compile(r"[a-z']+")


def asks_question(text: str) -> bool:
    """Whether a message asks something besides saying who the user is.

    True when it has a question mark, or when a sentence or clause opens with
    a question word ("I'm a JTE, what do ALTs want from me").
    """
    if text.startswith("/"):  # a button payload such as /inform_role{"role": "jte"}
        return False
    if "?" in text:
        return True
    for clause in _CLAUSES.split(text.lower()):
        words = _WORD.findall(clause)
        if words and words[0] in QUESTION_OPENERS:
            return True
    return False


def first_role(entities: list[dict[str, Any]]) -> str | None:
    """The role the message names first (``alt`` or ``jte``), or ``None``."""
    found = [e for e in entities if e.get("entity") == slots.ROLE and e.get("value") in ROLES]
    return str(min(found, key=lambda e: e.get("start") or 0)["value"]) if found else None


class ActionSetRole(Action):
    """Set the ``role`` slot from the first role the message names, and acknowledge it."""

    def name(self) -> str:
        """Return the action's name in the domain."""
        return "action_set_role"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Set and acknowledge the role; a message that is not about the user's role changes nothing."""
        message = tracker.latest_message or {}
        if (message.get("intent") or {}).get("name") != INFORM_ROLE:
            return []  # "how do I support my ALT?" names a role, but not the user's
        channel = tracker.get_latest_input_channel()
        role = first_role(message.get("entities") or [])
        if role is None:
            if not asks_question((message.get("text") or "").strip()):
                send(dispatcher, Reply(SMALLTALK, ASK_ROLE, buttons=ROLE_BUTTONS), channel)
            return []  # a question comes next (action_answer_if_asked), not "who are you?"
        send(dispatcher, Reply(SMALLTALK, ACKNOWLEDGE[role], role=role), channel)
        return [] if role == tracker.get_slot(slots.ROLE) else [SlotSet(slots.ROLE, role)]


class ActionAnswerIfAsked(Action):
    """After the role is acknowledged, answer any question asked in the same message."""

    def name(self) -> str:
        """Return the action's name in the domain."""
        return "action_answer_if_asked"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Answer the message as a question if it asks one; otherwise say nothing more."""
        text = ((tracker.latest_message or {}).get("text") or "").strip()
        if not asks_question(text):
            return []
        return await answer(dispatcher, tracker)

"""Every custom action Rasa can call: a table of its name and the turn that handles it.

The action server registers each row once (:func:`actions`). Four actions
stand for a kind of message Rasa's NLU guessed, and each is routed again by
:func:`actions.respond.respond`, which takes the guess only as a hint; the
two role actions run their own turn (:mod:`actions.role`). The handlers live
in their own modules and import nothing from here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import role
from actions.respond import respond
from knowledge.text.routing import Route

#: One turn of an action: reply into the dispatcher, return the events.
Turn = Callable[[CollectingDispatcher, Tracker], Awaitable[list[EventType]]]


def routed(hint: Route) -> Turn:
    """A turn that routes the message, with what Rasa's choice of action stands for as a hint."""

    async def turn(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        return await respond(dispatcher, tracker, hint)

    return turn


#: Each custom action of ``domain.yml`` and its turn.
HANDLERS: dict[str, Turn] = {
    "action_answer": routed("question"),
    "action_tell_me_more": routed("more"),
    "action_cite_source": routed("source"),
    "action_small_talk": routed("smalltalk"),
    "action_set_role": role.set_role_turn,
    "action_answer_if_asked": role.answer_if_asked,
}


class TableAction(Action):
    """One row of :data:`HANDLERS` as a Rasa SDK action."""

    def __init__(self, name: str, turn: Turn) -> None:
        self._name, self._turn = name, turn

    def name(self) -> str:
        """Return the action's name in the domain."""
        return self._name

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        """Run the action's turn."""
        return await self._turn(dispatcher, tracker)


def action(name: str) -> Action:
    """The action of that name.

    Raises:
        KeyError: If no action has it.
    """
    return TableAction(name, HANDLERS[name])


def actions() -> list[Action]:
    """Every action, once."""
    return [TableAction(name, turn) for name, turn in HANDLERS.items()]

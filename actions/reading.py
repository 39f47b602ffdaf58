"""What the latest message is, worked out once per turn in a worker thread, never on the event loop.

Every action first needs the same facts about the message: its language
(and whether it only asks for one), what it is (small talk, "tell me more",
"where is that from?", a question), the role the user says they have, whether
it asks something, and whether it only makes sense after an answer; and a
question needs its search. Each reads the user's text (language detection,
Sudachi's words, patterns, the encoders), so :func:`read` does all of it in
one call that :meth:`actions.runtime.KnowledgeService.offload` runs in a
worker thread: the action server's event loop only waits, other users' turns
go on, and a turn queues for a worker once, not once per step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rasa_sdk import Tracker
from rasa_sdk.events import EventType

from actions import slots
from actions.answer import previous_exchange
from actions.reply_language import latest_text, reply_language
from actions.stated_role import stated_role
from knowledge.search.context import InContext, needs_previous
from knowledge.text.language import Lang
from knowledge.text.routing import Route
from knowledge.text.words import asks_question

if TYPE_CHECKING:
    from actions.runtime import KnowledgeService


@dataclass(frozen=True)
class Reading:
    """The facts about one message that the actions act on.

    Attributes:
        text: The message, stripped.
        lang: The language to reply in.
        requested: The language the message only asks for ("英語で"), if that is all it says.
        events: Slot events for the language (see :func:`actions.reply_language.reply_language`).
        route: What the message is (:meth:`knowledge.text.routing.Router.route`).
        stated_role: The role the user says they have in it (``alt``, ``jte``), if any
            (read for a question, and for the role actions).
        asks: Whether it asks something besides saying who the user is (read for
            the role actions, which pass no hint).
        needs_previous: Whether it only makes sense after an answer ("why?"; read for a question).
        smalltalk_intent: The kind of small talk it is closest to, by vocabulary (read for small talk).
        found: For a question, its search in the light of the conversation
            (:meth:`actions.runtime.KnowledgeService.answer_now`).
    """

    text: str
    lang: Lang
    requested: Lang | None
    events: list[EventType] = field(default_factory=list)
    route: Route = "question"
    stated_role: str | None = None
    asks: bool = False
    needs_previous: bool = False
    smalltalk_intent: str = "greet"
    found: InContext | None = None


def read(tracker: Tracker, service: KnowledgeService, hint: Route | None) -> Reading:
    """Read the tracker's latest message, and search for it if it is a question.

    Call it in a worker thread: it is CPU work on user text.

    Args:
        tracker: The conversation (only read).
        service: The router, the index and the thresholds.
        hint: What the action Rasa chose stands for.
    """
    text = latest_text(tracker)
    lang, requested, events = reply_language(tracker)
    after_answer = bool(tracker.get_slot(slots.LAST_PASSAGES))
    route = service.router.route(text, hint, after_answer=after_answer)
    question = route == "question"
    stated = stated_role(text) if question or hint is None else None
    found = None
    if question and requested is None:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        role = stated or tracker.get_slot(slots.ROLE)
        found = service.answer_now(text, previous_exchange(tracker), intent=intent, audience=role)
    return Reading(
        text=text,
        lang=lang,
        requested=requested,
        events=events,
        route=route,
        stated_role=stated,
        asks=asks_question(text) if hint is None else False,
        needs_previous=needs_previous(text) if question else False,
        smalltalk_intent=service.router.smalltalk_intent(text) if route == "smalltalk" else "greet",
        found=found,
    )

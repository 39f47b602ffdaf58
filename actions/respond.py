"""What every action does first: decide what the message really is, then handle it.

Rasa's NLU picks the action (``action_answer``, ``action_tell_me_more``,
``action_cite_source``, ``action_small_talk``), but its guess is only a hint.
:meth:`knowledge.context.Router.route` takes a message for small talk, a
source request or "tell me more" only when that kind's own vocabulary covers
it; everything else is a question and is answered, in the light of the
conversation. So "is that one common?" is never answered with a citation,
and "is the stock market going up?" never with "I'm a bot".
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.answer import answer
from actions.follow_up import tell_more
from actions.runtime import get_service
from actions.smalltalk import small_talk
from actions.source import cite_source
from knowledge.routing import Route


async def respond(dispatcher: CollectingDispatcher, tracker: Tracker, hint: Route) -> list[EventType]:
    """Route the latest message and reply to it.

    Args:
        dispatcher: Where the reply goes.
        tracker: The conversation.
        hint: What the action Rasa chose stands for.
    """
    text = ((tracker.latest_message or {}).get("text") or "").strip()
    route = get_service().router.route(text, hint)
    if route == "source":
        return await cite_source(dispatcher, tracker)
    if route == "more":
        return await tell_more(dispatcher, tracker)
    if route == "smalltalk":
        return await small_talk(dispatcher, tracker)
    return await answer(dispatcher, tracker)

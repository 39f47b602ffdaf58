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

from actions import compose, slots
from actions.answer import answer
from actions.channels import send
from actions.follow_up import tell_more
from actions.language import latest_text, reply_language
from actions.reply import SMALLTALK, Reply
from actions.runtime import get_service
from actions.smalltalk import small_talk
from actions.source import cite_source
from actions.texts import say
from knowledge.language import Lang
from knowledge.routing import Route


async def respond(dispatcher: CollectingDispatcher, tracker: Tracker, hint: Route) -> list[EventType]:
    """Route the latest message and reply to it, in the conversation's language.

    Args:
        dispatcher: Where the reply goes.
        tracker: The conversation.
        hint: What the action Rasa chose stands for.
    """
    lang, requested, events = reply_language(tracker)
    if requested is not None:
        return [*events, *switch_language(dispatcher, tracker, requested)]
    text = latest_text(tracker)
    route = get_service().router.route(text, hint)
    if route == "source":
        return [*events, *await cite_source(dispatcher, tracker, lang)]
    if route == "more":
        return [*events, *await tell_more(dispatcher, tracker, lang)]
    if route == "smalltalk":
        return [*events, *await small_talk(dispatcher, tracker, lang)]
    return [*events, *await answer(dispatcher, tracker, lang)]


def switch_language(dispatcher: CollectingDispatcher, tracker: Tracker, lang: Lang) -> list[EventType]:
    """Say so, and give the last answer again in the language asked for, if there was one."""
    channel = tracker.get_latest_input_channel()
    send(dispatcher, Reply(SMALLTALK, say(lang, "language_set"), lang=lang), channel)
    index = get_service().index
    last = [p for p in (index.get(pid) for pid in tracker.get_slot(slots.LAST_PASSAGES) or []) if p]
    if last:
        send(dispatcher, compose.answer_reply(last, lang), channel)
    return []

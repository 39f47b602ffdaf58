"""``action_small_talk``: greetings, thanks, goodbyes and "are you a bot?"."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions import texts
from actions.channels import SLACK, send
from actions.messages import SMALLTALK, Button, Reply

#: The kinds of small talk NLU files messages under.
KINDS = ("greet", "goodbye", "thanks", "bot_challenge")


def _buttons(lang: str, key: str) -> tuple[Button, ...]:
    return tuple(Button(label, payload) for label, payload in texts.buttons(lang, key))


def small_talk_reply(kind: str, lang: str, channel: str | None) -> Reply:
    """The reply to one kind of small talk (in Slack, with no role switch, the greeting offers one)."""
    if kind != "greet":
        return Reply(SMALLTALK, texts.say(lang, kind), lang=lang)
    first = _buttons(lang, "first_questions")
    intro = texts.say(lang, "intro")
    if channel == SLACK:
        offered = (*_buttons(lang, "roles"), first[0], first[2])
        return Reply(SMALLTALK, texts.say(lang, "greet_slack", intro=intro), buttons=offered, lang=lang)
    return Reply(SMALLTALK, texts.say(lang, "greet", intro=intro), buttons=first, lang=lang)


async def small_talk(
    dispatcher: CollectingDispatcher, tracker: Tracker, lang: str = "en", closest: str = "greet"
) -> list[EventType]:
    """Reply to the kind of small talk, in ``en`` or ``ja``.

    Args:
        dispatcher: Where the reply goes.
        tracker: The conversation.
        lang: The language to reply in.
        closest: The kind the message's words are closest to
            (:meth:`knowledge.text.routing.Router.smalltalk_intent`), for a message
            NLU filed under another intent.
    """
    message = tracker.latest_message or {}
    intent = (message.get("intent") or {}).get("name") or ""
    if intent not in KINDS:
        intent = closest
    channel = tracker.get_latest_input_channel()
    send(dispatcher, small_talk_reply(intent, lang, channel), channel)
    return []

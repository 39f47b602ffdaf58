"""``action_small_talk``: greetings, thanks, goodbyes and "are you a bot?"."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.channels import SLACK, send
from actions.messages import SMALLTALK, Button, Reply

INTRO = (
    "Hi, I'm Senpai! I answer questions about being an ALT on the JET Programme: your role and "
    "identity, working with JTEs, and what the programme is for. My answers come from research with "
    "JET ALTs, and I always say where they come from."
)
#: The greeting's first questions.
FIRST_QUESTIONS = (
    Button("What is my role as an ALT?", "What is my role as an ALT?"),
    Button("How can I work well with my JTE?", "How can I work well with my JTE?"),
    Button("What is the JET Programme for?", "What is the JET Programme for?"),
)
#: In Slack there is no role switch beside the chat, so the greeting offers it.
SLACK_GREETING = Reply(
    SMALLTALK,
    f"{INTRO} Tell me who you are, or just ask.",
    buttons=(
        Button("I'm an ALT", '/inform_role{"role": "alt"}'),
        Button("I'm a JTE", '/inform_role{"role": "jte"}'),
        FIRST_QUESTIONS[0],
        FIRST_QUESTIONS[2],
    ),
)
REPLIES = {
    "greet": Reply(SMALLTALK, f"{INTRO} What would you like to know?", buttons=FIRST_QUESTIONS),
    "goodbye": Reply(
        SMALLTALK, "Good luck at your school! Come back any time you have a question. がんばって!"
    ),
    "thanks": Reply(SMALLTALK, "You're welcome! Ask me anything else about being an ALT."),
    "bot_challenge": Reply(
        SMALLTALK,
        "I'm a bot: Senpai, an orientation assistant. I answer from two studies of JET ALTs by "
        "T. Hiratsuka, and I'll tell you the source of every answer. For anything personal or urgent, "
        "please talk to your supervisor or a colleague.",
    ),
}


INTRO_JA = (
    "こんにちは、Senpaiです！JETプログラムのALTについての質問にお答えします。ALTの役割やアイデンティティ、"
    "JTEとの協働、JETプログラムの目的などです。お答えはJETのALTを対象にした研究にもとづいており、"
    "必ず出典をお示しします。"
)
FIRST_QUESTIONS_JA = (
    Button("ALTはJTEに何を望んでいますか？", "ALTはJTEに何を望んでいますか？"),
    Button("ALTの役割とは？", "ALTの役割とは何ですか？"),
    Button("JETプログラムの目的は？", "JETプログラムの目的は何ですか？"),
)
SLACK_GREETING_JA = Reply(
    SMALLTALK,
    f"{INTRO_JA}どなたか教えていただくか、そのまま質問してください。",
    buttons=(
        Button("ALTです", '/inform_role{"role": "alt"}'),
        Button("JTEです", '/inform_role{"role": "jte"}'),
        FIRST_QUESTIONS_JA[0],
        FIRST_QUESTIONS_JA[2],
    ),
    lang="ja",
)
REPLIES_JA = {
    "greet": Reply(SMALLTALK, f"{INTRO_JA}何について知りたいですか？", buttons=FIRST_QUESTIONS_JA, lang="ja"),
    "goodbye": Reply(
        SMALLTALK, "学校でのお仕事、がんばってください！質問があればいつでもどうぞ。", lang="ja"
    ),
    "thanks": Reply(SMALLTALK, "どういたしまして！ALTについて、ほかにも何でも聞いてください。", lang="ja"),
    "bot_challenge": Reply(
        SMALLTALK,
        "私はボットです。オリエンテーション用のアシスタント、Senpaiです。T. HiratsukaによるJETのALTに関する"
        "2つの研究をもとにお答えし、毎回出典をお示しします。個人的なことや急ぎのことは、スーパーバイザー（担当者）"
        "や同僚の先生に相談してください。",
        lang="ja",
    ),
}


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
    if intent not in REPLIES:
        intent = closest
    channel = tracker.get_latest_input_channel()
    replies, greeting = (REPLIES_JA, SLACK_GREETING_JA) if lang == "ja" else (REPLIES, SLACK_GREETING)
    reply = greeting if intent == "greet" and channel == SLACK else replies[intent]
    send(dispatcher, reply, channel)
    return []

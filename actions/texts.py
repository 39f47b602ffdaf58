"""Senpai's own words, in English and Japanese: every fixed string an action says.

Passages carry their own Japanese (``text_ja``); these are the sentences
around them: greetings, small talk, role prompts, fallbacks and labels, and the
labels of the buttons they offer (:data:`BUTTONS`). Look one up with
:func:`say` or :func:`buttons`; a key missing in one language is a bug a unit
test catches.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "intro": (
            "Hi, I'm Senpai! I answer questions about being an ALT on the JET Programme: your role and "
            "identity, working with JTEs, and what the programme is for. My answers come from research "
            "with JET ALTs, and I always say where they come from."
        ),
        "greet": "{intro} What would you like to know?",
        "greet_slack": "{intro} Tell me who you are, or just ask.",
        "goodbye": "Good luck at your school! Come back any time you have a question. がんばって!",
        "thanks": "You're welcome! Ask me anything else about being an ALT.",
        "bot_challenge": (
            "I'm a bot: Senpai, an orientation assistant. I answer from two studies of JET ALTs by "
            "T. Hiratsuka, and I'll tell you the source of every answer. For anything personal or urgent, "
            "please talk to your supervisor or a colleague."
        ),
        "acknowledge_jte": (
            "Thanks! I'll prefer answers written for Japanese teachers of English, "
            "such as what ALTs think and want."
        ),
        "acknowledge_alt": "Thanks! I'll prefer answers written for ALTs.",
        "ask_role": (
            "Thanks! Are you an ALT or a JTE? Tell me, for example \"I'm a JTE\", and I'll tailor my answers."
        ),
        "source": "Source",
        "sources": "Sources",
        "dont_know": (
            "I'm sorry, I don't know that. I only answer from two studies of JET ALTs by T. Hiratsuka, "
            "and {covered} Here are things I can help with:"
        ),
        "not_covered": "they don't cover {title}. {who}",
        "not_covered_general": (
            "they don't cover it. For practical questions about living or working in Japan, your "
            "supervisor, your contracting organisation or your prefectural advisor will know best."
        ),
        "clarify": "I can answer that in two ways. Which did you mean?",
        "nothing_to_follow": (
            "Happy to help, but I haven't answered anything yet for “{message}” to follow on from. "
            "Ask me a whole question, for example one of these:"
        ),
        "nothing_more_yet": "I haven't answered anything yet that I could say more about. Try one of these:",
        "nothing_more": "That's everything I have on that. You could ask about something else:",
        "studies_intro": "I haven't quoted anything in this conversation yet. Everything I say comes from ",
        "this_study": "this study:",
        "these_studies": "these {n} studies:",
        "studies_outro": (
            "Ask me something, and I'll tell you which section (and which participant) the answer draws on."
        ),
        "comes_from": "“{title}” comes from {parts}.",
        "section": "{reference}, section “{section}”",
        "participant": ", drawing on what participant {participant} said",
        "and_from": "; and from ",
        "too_slow": (
            "Sorry, that took me too long to work out. Please send it again, or ask it in a shorter message."
        ),
        "language_set": (
            "Sure, I'll answer in English from now on. You can switch back any time: just say 「日本語で」."
        ),
    },
    "ja": {
        "intro": (
            "こんにちは、Senpaiです！JETプログラムのALTについての質問にお答えします。ALTの役割やアイデンティティ、"
            "JTEとの協働、JETプログラムの目的などです。お答えはJETのALTを対象にした研究にもとづいており、"
            "必ず出典をお示しします。"
        ),
        "greet": "{intro}何について知りたいですか？",
        "greet_slack": "{intro}どなたか教えていただくか、そのまま質問してください。",
        "goodbye": "学校でのお仕事、がんばってください！質問があればいつでもどうぞ。",
        "thanks": "どういたしまして！ALTについて、ほかにも何でも聞いてください。",
        "bot_challenge": (
            "私はボットです。オリエンテーション用のアシスタント、Senpaiです。"
            "T. HiratsukaによるJETのALTに関する2つの研究をもとにお答えし、毎回出典をお示しします。"
            "個人的なことや急ぎのことは、スーパーバイザー（担当者）や同僚の先生に相談してください。"
        ),
        "acknowledge_jte": (
            "ありがとうございます！JTEの先生向けのお答え（ALTが何を考え、何を望んでいるかなど）を優先します。"
        ),
        "acknowledge_alt": "ありがとうございます！ALT向けのお答えを優先します。",
        "ask_role": (
            "ありがとうございます！ALTとJTEのどちらですか？"
            "「JTEです」のように教えていただければ、お答えを合わせます。"
        ),
        "source": "出典",
        "sources": "出典",
        "dont_know": (
            "申し訳ありません、その質問にはお答えできません。SenpaiはT. HiratsukaによるJETプログラムの"
            "ALTに関する2つの研究だけをもとにお答えしていますが、{covered}次のようなことならお答えできます。"
        ),
        "not_covered": "この研究は{title}については扱っていません。{who}",
        "not_covered_general": (
            "この研究はその内容を扱っていません。日本での生活や仕事の実際的なことは、スーパーバイザー（担当者）、"
            "任用団体、またはプリフェクチュラル・アドバイザーに聞くのがいちばん確実です。"
        ),
        "clarify": "二通りの意味に取れます。どちらについてお知りになりたいですか？",
        "nothing_to_follow": (
            "お手伝いしたいのですが、「{message}」の前にまだ何もお答えしていません。"
            "たとえば次のような、まとまった質問をしてみてください。"
        ),
        "nothing_more_yet": (
            "まだ何もお答えしていないので、補足できることがありません。次のような質問はいかがですか？"
        ),
        "nothing_more": "この件についてお伝えできることは以上です。ほかのことも聞いてみてください。",
        "studies_intro": "この会話ではまだ何も引用していません。Senpaiのお答えはすべて",
        "this_study": "次の研究にもとづいています。",
        "these_studies": "次の{n}つの研究にもとづいています。",
        "studies_outro": "質問していただければ、お答えがどの節（どの参加者の話）にもとづくかもお伝えします。",
        "comes_from": "「{title}」の出典は {parts} です。",
        "section": "{reference}、「{section}」の節",
        "participant": "（参加者{participant}の発言より）",
        "and_from": "、および ",
        "too_slow": (
            "申し訳ありません、お答えに時間がかかりすぎました。もう一度送るか、短くして聞いてみてください。"
        ),
        "language_set": (
            "承知しました。これからは日本語でお答えします。英語に戻すときは「in English」と言ってください。"
        ),
    },
}


def say(lang: str, key: str, **values: object) -> str:
    """The sentence ``key`` in ``lang`` (English for an unknown language), with ``values`` filled in."""
    table = TEXTS.get(lang, TEXTS["en"])
    return table[key].format(**values) if values else table[key]


#: A button's payload when it states the user's role (Rasa's intent-with-entity syntax).
ROLE_PAYLOADS = {"alt": '/inform_role{"role": "alt"}', "jte": '/inform_role{"role": "jte"}'}

#: The buttons actions offer, as (label, what it sends): a question, or a role's payload.
BUTTONS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "en": {
        "first_questions": (
            ("What is my role as an ALT?", "What is my role as an ALT?"),
            ("How can I work well with my JTE?", "How can I work well with my JTE?"),
            ("What is the JET Programme for?", "What is the JET Programme for?"),
        ),
        "roles": (("I'm an ALT", ROLE_PAYLOADS["alt"]), ("I'm a JTE", ROLE_PAYLOADS["jte"])),
    },
    "ja": {
        "first_questions": (
            ("ALTはJTEに何を望んでいますか？", "ALTはJTEに何を望んでいますか？"),
            ("ALTの役割とは？", "ALTの役割とは何ですか？"),
            ("JETプログラムの目的は？", "JETプログラムの目的は何ですか？"),
        ),
        "roles": (("ALTです", ROLE_PAYLOADS["alt"]), ("JTEです", ROLE_PAYLOADS["jte"])),
    },
}


def buttons(lang: str, key: str) -> tuple[tuple[str, str], ...]:
    """The buttons ``key`` in ``lang`` (English for an unknown language), as (label, payload) pairs."""
    return BUTTONS.get(lang, BUTTONS["en"])[key]

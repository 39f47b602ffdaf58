"""Senpai's own words, in English and Japanese: every fixed string an action says.

Passages carry their own Japanese (``text_ja``); these are the sentences
around them: greetings, fallbacks, prompts and labels. Look one up with
:func:`say`; a key missing in one language is a bug a unit test catches.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
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

"""Everything the gateway itself says, in English and Japanese: its errors and its no-reply message.

The answers are the actions' words (``actions/texts.py``, another process);
these are what the gateway says when it answers for itself. Every JSON error
carries its English ``error``, unchanged for API clients that match on it, and
``error_ja``: word for word for the errors a chat user can meet
(:data:`ERRORS`), and by status for the rest.
"""

from __future__ import annotations

#: What a chat user can meet: key -> (English, which may take ``{values}``; Japanese).
ERRORS: dict[str, tuple[str, str]] = {
    "empty_message": ("'message' must not be empty", "メッセージが空です。質問を入力してください。"),
    "message_too_long": (
        "'message' must be at most {limit} characters (got {got})",
        "メッセージが長すぎます。2000文字以内で入力してください。",
    ),
    "missing_message": ("missing field 'message'", "メッセージ（message）がありません。"),
    "body_too_large": (
        "request body is too large",
        "リクエストが大きすぎます。メッセージを短くしてください。",
    ),
    "bad_body": (
        "request body {problem}",
        "リクエストの形式が正しくありません。JSONのオブジェクトを送ってください。",
    ),
    "too_many": (
        "too many messages; please wait {seconds} s and try again",
        "送信が続いています。少し待ってから、もう一度お試しください。",
    ),
    "unknown_sender": (
        "this sender id was not issued by this Senpai, or has been altered; "
        "send your message without 'sender' to start a new conversation",
        "この会話IDは、このSenpaiが発行したものではありません。senderを付けずに送ると、新しい会話を始められます。",
    ),
    "unavailable": (
        "Senpai's dialogue service is unavailable; please try again shortly.",
        "Senpaiは現在ご利用いただけません。少し時間をおいて、もう一度お試しください。",
    ),
    "history_unavailable": (
        "history is unavailable right now",
        "会話の履歴をいま読み込めません。少し時間をおいて、もう一度お試しください。",
    ),
    "feedback_not_stored": (
        "feedback could not be stored; please try again",
        "評価を保存できませんでした。もう一度お試しください。",
    ),
}
#: The Japanese of any other error, by status.
BY_STATUS = {
    400: "リクエストの内容が正しくありません。",
    401: "認証できませんでした。",
    403: "この操作は許可されていません。",
    404: "見つかりませんでした。",
    405: "この方法ではアクセスできません。",
    413: "リクエストが大きすぎます。",
    429: "リクエストが多すぎます。少し待ってから、もう一度お試しください。",
    503: "現在ご利用いただけません。少し時間をおいて、もう一度お試しください。",
}
#: What the widget shows when Rasa answered but said nothing.
NO_REPLY = {
    "en": "I can't reach my notes right now, please try again in a moment.",
    "ja": "いま資料を参照できません。少し時間をおいて、もう一度お試しください。",
}


def error(key: str, **values: object) -> str:
    """The English of the error ``key``, with ``values`` filled in."""
    english = ERRORS[key][0]
    return english.format(**values) if values else english


def japanese_error(english: str, status: int) -> str:
    """The Japanese of a JSON error's English text: the error it was made from, else by status."""
    for template, japanese in ERRORS.values():
        opening = template.split("{", 1)[0]
        if english.startswith(opening) and (opening != template or english == template):
            return japanese
    return BY_STATUS.get(status, "エラーが発生しました。もう一度お試しください。")

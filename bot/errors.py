"""Every JSON error also in Japanese (``error_ja``), for JTEs and for the widget's Japanese face.

The English ``error`` stays exactly as it was (API clients may match on it);
``error_ja`` says the same in Japanese: word for word for the errors a chat
user can meet, and by status for the rest.
"""

from __future__ import annotations

#: The English error's opening, and its Japanese.
_BY_TEXT = (
    ("'message' must not be empty", "メッセージが空です。質問を入力してください。"),
    ("'message' must be at most", "メッセージが長すぎます。2000文字以内で入力してください。"),
    ("missing field 'message'", "メッセージ（message）がありません。"),
    ("request body is too large", "リクエストが大きすぎます。メッセージを短くしてください。"),
    ("request body", "リクエストの形式が正しくありません。JSONのオブジェクトを送ってください。"),
    ("too many messages", "送信が続いています。少し待ってから、もう一度お試しください。"),
    (
        "this sender id was not issued",
        "この会話IDは、このSenpaiが発行したものではありません。senderを付けずに送ると、新しい会話を始められます。",
    ),
    (
        "Senpai's dialogue service is unavailable",
        "Senpaiは現在ご利用いただけません。少し時間をおいて、もう一度お試しください。",
    ),
    ("feedback could not be stored", "評価を保存できませんでした。もう一度お試しください。"),
)
_BY_STATUS = {
    400: "リクエストの内容が正しくありません。",
    401: "認証できませんでした。",
    403: "この操作は許可されていません。",
    404: "見つかりませんでした。",
    405: "この方法ではアクセスできません。",
    413: "リクエストが大きすぎます。",
    429: "リクエストが多すぎます。少し待ってから、もう一度お試しください。",
    503: "現在ご利用いただけません。少し時間をおいて、もう一度お試しください。",
}


def japanese_error(english: str, status: int) -> str:
    """The Japanese of a JSON error's English text."""
    for opening, japanese in _BY_TEXT:
        if english.startswith(opening):
            return japanese
    return _BY_STATUS.get(status, "エラーが発生しました。もう一度お試しください。")

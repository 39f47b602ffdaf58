"""Everything the orientation report says, in English and Japanese (the organiser's language).

The findings beside the figures are the corpus's own passages, cited as
Senpai cites them (:data:`FINDINGS` names them); these strings only frame
them and the cohort's figures.
"""

from __future__ import annotations

from typing import Final

from organisers.report.themes import JET_AIMS, JTES, LIVING, OTHER, ROLE_IDENTITY

#: Theme labels.
LABELS: Final = {
    "en": {
        ROLE_IDENTITY: "The ALT's role and identity",
        JTES: "Working with JTEs",
        JET_AIMS: "What JET is for",
        LIVING: "Living in Japan",
        OTHER: "Other",
    },
    "ja": {
        ROLE_IDENTITY: "ALTの役割とアイデンティティ",
        JTES: "JTEとの協働",
        JET_AIMS: "JETプログラムの目的",
        LIVING: "日本での生活",
        OTHER: "その他",
    },
}

#: The passage that states the study's finding about each theme, and its recommendations.
FINDINGS: Final = {
    LIVING: "pd-orientation-content",
    ROLE_IDENTITY: "pd-want-about-alts",
    JTES: "pd-want-about-jtes",
    JET_AIMS: "pd-want-about-jet",
    "recommendation": "pd-implication-content",
    "jte_session": "pd-jte-attendance-for-jtes",
}

#: Session titles, one per theme, and the joint session with JTEs.
SESSIONS: Final = {
    "en": {
        ROLE_IDENTITY: "Who we are here: the ALT's role and identity",
        JTES: "Understanding and working with your JTEs",
        JET_AIMS: "What the JET Programme is for",
        LIVING: "Living in Japan: the questions this cohort still had",
        OTHER: "Open questions",
        "jte_session": "A joint session with JTEs",
    },
    "ja": {
        ROLE_IDENTITY: "ALTの役割とアイデンティティを考える",
        JTES: "JTEを理解し、ともに働く",
        JET_AIMS: "JETプログラムは何のためにあるのか",
        LIVING: "日本での生活：今年の参加者がまだ抱えていた疑問",
        OTHER: "そのほかの質問",
        "jte_session": "JTEとの合同セッション",
    },
}

TEXT: Final = {
    "en": {
        "title": "Orientation report",
        "cohort": "Cohort",
        "all": "all",
        "questions": "questions",
        "answered": "answered",
        "missed": "could not answer",
        "share": "share of questions",
        "missed_share": "share of unanswered",
        "suppressed": "fewer than {n} conversations: not shown",
        "comparison": (
            "The study found that orientations mostly covered living in Japan; this cohort asked about "
            "it in {living} of questions, and about their role and identity in {role}, their JTEs in "
            "{jtes} and what JET is for in {aims}."
        ),
        "jte_reason": "JTEs asked {n} questions; the study recommends that JTEs attend orientation too.",
        "session_reason": "{questions} questions ({share} of all), {missed} of them not answered.",
        "range": "Questions asked from {since} to {until}",
        "totals": (
            "{questions} questions in {conversations} conversations; "
            "Senpai answered {answered} and could not answer {missed}."
        ),
        "study": "What the study found",
        "by_theme": "What this cohort asked, by theme",
        "by_theme_chart": "Share of questions and of unanswered questions, by theme",
        "roles": "ALTs and JTEs side by side",
        "roles_chart": "Questions by theme: ALTs beside JTEs",
        "weeks": "Questions by week",
        "weeks_chart": "Questions by week and theme",
        "themes_detail": "Each theme: what was asked, and what Senpai answered from",
        "asked": "Most-asked questions",
        "served": "Passages most served",
        "sessions": "Suggested sessions for the next orientation",
        "build_from": "Build it from",
        "open_with": "Open with these questions",
        "theme": "theme",
        "week": "week",
        "conversations": "conversations",
        "times": "times asked",
        "hide": "Hide",
        "no_quotes": "Quoted questions are turned off.",
        "recommendation": "The study's recommendation",
    },
    "ja": {
        "title": "オリエンテーション報告",
        "cohort": "対象",
        "all": "すべて",
        "questions": "質問",
        "answered": "回答済み",
        "missed": "回答できず",
        "share": "質問に占める割合",
        "missed_share": "未回答に占める割合",
        "suppressed": "会話が{n}件未満のため表示しません",
        "comparison": (
            "研究では、オリエンテーションの中心は日本での生活でした。今回の参加者の質問のうち、"
            "日本での生活に関するものは{living}、自分の役割とアイデンティティに関するものは{role}、"
            "JTEに関するものは{jtes}、JETの目的に関するものは{aims}でした。"
        ),
        "jte_reason": (
            "JTEから{n}件の質問がありました。研究はJTEもオリエンテーションに参加することを勧めています。"
        ),
        "session_reason": "質問{questions}件（全体の{share}）、うち{missed}件は回答できませんでした。",
        "range": "{since}から{until}までの質問",
        "totals": (
            "{conversations}件の会話で{questions}件の質問があり、"
            "Senpaiは{answered}件に回答し、{missed}件には回答できませんでした。"
        ),
        "study": "研究で分かったこと",
        "by_theme": "テーマ別の質問",
        "by_theme_chart": "テーマ別の、質問全体と回答できなかった質問に占める割合",
        "roles": "ALTとJTEの比較",
        "roles_chart": "テーマ別の質問数（ALTとJTE）",
        "weeks": "週ごとの質問",
        "weeks_chart": "週・テーマ別の質問数",
        "themes_detail": "テーマごとの質問と、回答に使った資料",
        "asked": "よくある質問",
        "served": "よく使われた資料",
        "sessions": "次回のオリエンテーションで提案するセッション",
        "build_from": "使う資料",
        "open_with": "導入に使える質問",
        "theme": "テーマ",
        "week": "週",
        "conversations": "会話",
        "times": "質問された回数",
        "hide": "非表示にする",
        "no_quotes": "質問の引用はオフになっています。",
        "recommendation": "研究の提言",
    },
}


def label(theme: str, lang: str) -> str:
    """A theme's label in ``lang`` (English for any other)."""
    return LABELS.get(lang, LABELS["en"]).get(theme, theme)


def text(key: str, lang: str, **values: object) -> str:
    """One of :data:`TEXT`'s strings in ``lang``, filled in."""
    return TEXT.get(lang, TEXT["en"])[key].format(**values)

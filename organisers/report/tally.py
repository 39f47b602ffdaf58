"""The orientation report: what a cohort asked, by theme, against what the study found ALTs want.

Privacy: every count is drawn from conversations, and a cell drawn from
fewer than :data:`MIN_CONVERSATIONS` of them is not shown (``null``, with
``suppressed``), so that nobody's question can be traced back in a small
cohort. Quoted questions come only from cells that are shown, are never
ones an organiser hid, and can be turned off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

from knowledge.content.corpus import Passage
from knowledge.content.curation import key
from organisers.insights.queries import day
from organisers.report import report_texts as texts
from organisers.report.cohort import Cohort, Question
from organisers.report.themes import JTES, LIVING, OTHER, ROLE_IDENTITY, THEMES, WANTS

#: The fewest conversations a shown figure may be drawn from.
MIN_CONVERSATIONS: Final = 5
#: Questions quoted and passages listed per theme.
TOP: Final = 5
ROLES: Final = ("alt", "jte")


def _share(part: int | None, whole: int) -> float | None:
    return None if part is None or not whole else round(part / whole, 4)


def _cell(found: Sequence[Question]) -> dict[str, Any]:
    """Counts of some questions, or ``None``s when they come from too few conversations."""
    conversations = len({q.sender for q in found})
    if conversations < MIN_CONVERSATIONS:
        return {
            "questions": None,
            "answered": None,
            "missed": None,
            "conversations": None,
            "suppressed": True,
        }
    answered = sum(q.answered for q in found)
    return {
        "questions": len(found),
        "answered": answered,
        "missed": len(found) - answered,
        "conversations": conversations,
        "suppressed": False,
    }


def _cite(passages: Mapping[str, Passage], pid: str, lang: str) -> dict[str, Any] | None:
    passage = passages.get(pid)
    if passage is None:
        return None
    return {
        "passage_id": pid,
        "title": passage.title_in(lang),
        "citation": passage.citation.label(),
        "reference": passage.citation.reference,
    }


def _asked(found: Sequence[Question], hidden: set[str], name: Callable[[str], str]) -> list[dict[str, Any]]:
    """The most-asked questions, grouped as curation folds them, hidden ones left out."""
    groups: dict[str, list[Question]] = {}
    folds: dict[str, str] = {}  # each distinct text folded once
    for q in found:
        folded = folds.get(q.text)
        if folded is None:
            folded = folds[q.text] = key(q.text)
        if folded not in hidden:
            groups.setdefault(folded, []).append(q)
    ranked = sorted(groups.items(), key=lambda kv: (-len({q.sender for q in kv[1]}), -len(kv[1]), kv[0]))
    return [
        {
            "text": group[0].text,
            "key": folded,
            "asked": len(group),
            "asked_by": sorted({name(q.sender) for q in group})[:3],
        }
        for folded, group in ranked[:TOP]
    ]


def _served(found: Iterable[Question], passages: Mapping[str, Passage], lang: str) -> list[dict[str, Any]]:
    counts = Counter(pid for q in found for pid in q.passages)
    return [
        {"passage_id": pid, "title": passages[pid].title_in(lang) if pid in passages else pid, "served": n}
        for pid, n in counts.most_common(TOP)
    ]


def build(
    questions: Sequence[Question],
    since: float,
    until: float,
    cohort: Cohort,
    passages: Mapping[str, Passage],
    *,
    lang: str = "en",
    hidden: set[str] | None = None,
    name: Callable[[str], str] = lambda s: s,
    quotes: bool = True,
) -> dict[str, Any]:
    """The report of a range for a cohort, as a JSON-ready dict.

    Args:
        questions: Every question of the range (:func:`organisers.report.cohort.questions`).
        since: Start of the range (Unix seconds).
        until: End of the range (excluded).
        cohort: Who the report is about.
        passages: The corpus's passages by id (titles, citations).
        lang: The organiser's language for labels and titles (``en`` or ``ja``).
        hidden: Folded keys of questions an organiser hid.
        name: Turns a conversation id into its pseudonym.
        quotes: Whether to quote questions at all.
    """
    hidden = hidden or set()
    asked = [q for q in questions if cohort.admits(q)]
    total, total_missed = len(asked), sum(not q.answered for q in asked)
    by_theme = {t: [q for q in asked if q.theme == t] for t in THEMES}
    roles = {r: {t: _cell([q for q in by_theme[t] if q.role == r]) for t in THEMES} for r in ROLES}
    themes = []
    for theme, found in by_theme.items():
        cell = _cell(found)
        shown = not cell["suppressed"]
        finding = texts.FINDINGS.get(theme)
        themes.append(
            {
                "theme": theme,
                "label": texts.label(theme, lang),
                **cell,
                "share": _share(cell["questions"], total),
                "missed_share": _share(cell["missed"], total_missed),
                "by_role": {r: roles[r][theme]["questions"] for r in ROLES},
                "top_questions": _asked(found, hidden, name) if shown and quotes else [],
                "top_passages": _served(found, passages, lang) if shown else [],
                "finding": _cite(passages, finding, lang) if finding else None,
            }
        )
    return {
        "since": day(since),
        "until": day(until - 1),  # the last day included
        "cohort": cohort.as_dict(),
        "lang": lang,
        "min_conversations": MIN_CONVERSATIONS,
        "quotes": quotes,
        **_cell(asked),
        "themes": themes,
        "roles": roles,
        "weeks": _weeks(asked),
        "comparison": _comparison(themes, lang),
        "recommendation": _cite(passages, texts.FINDINGS["recommendation"], lang),
        "sessions": _sessions(themes, asked, total, passages, lang),
    }


def _weeks(asked: Sequence[Question]) -> list[dict[str, Any]]:
    cells: dict[tuple[str, str], list[Question]] = {}
    for q in asked:
        cells.setdefault((q.week, q.theme), []).append(q)
    weeks = sorted({w for w, _ in cells})
    return [
        {
            "week": w,
            **{t: _cell([q for q in asked if q.week == w and q.theme == t])["questions"] for t in THEMES},
        }
        for w in weeks
    ]


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{round(100 * value)}%"


def _comparison(themes: Sequence[Mapping[str, Any]], lang: str) -> str | None:
    share = {t["theme"]: t["share"] for t in themes}
    if share[LIVING] is None or share[ROLE_IDENTITY] is None:
        return None
    return texts.text(
        "comparison",
        lang,
        living=_percent(share[LIVING]),
        role=_percent(share[ROLE_IDENTITY]),
        jtes=_percent(share[JTES]),
        aims=_percent(share["jet_aims"]),
    )


def _sessions(
    themes: Sequence[Mapping[str, Any]],
    asked: Sequence[Question],
    total: int,
    passages: Mapping[str, Passage],
    lang: str,
) -> list[dict[str, Any]]:
    """One session per theme asked about, ranked by demand and by how often Senpai could not answer."""
    ranked = sorted(
        (t for t in themes if t["theme"] != OTHER and t["questions"]),
        key=lambda t: (-(t["questions"] + t["missed"]), -t["questions"], THEMES.index(t["theme"])),
    )
    sessions = []
    for rank, theme in enumerate(ranked, 1):
        build_from = [p["passage_id"] for p in theme["top_passages"]]
        if theme["finding"] and theme["finding"]["passage_id"] not in build_from:
            build_from.append(theme["finding"]["passage_id"])
        sessions.append(
            {
                "rank": rank,
                "theme": theme["theme"],
                "title": texts.SESSIONS[lang if lang in texts.SESSIONS else "en"][theme["theme"]],
                "why": texts.text(
                    "session_reason",
                    lang,
                    questions=theme["questions"],
                    share=_percent(_share(theme["questions"], total)),
                    missed=theme["missed"],
                ),
                "passages": [c for c in (_cite(passages, pid, lang) for pid in build_from) if c],
                "open_with": [q["text"] for q in theme["top_questions"][:3]],
                "wanted_by_alts": theme["theme"] in WANTS,
            }
        )
    jte = [q for q in asked if q.role == "jte"]
    if jte:
        shown = _cell(jte)["questions"]
        sessions.append(
            {
                "rank": len(sessions) + 1,
                "theme": "jte_session",
                "title": texts.SESSIONS[lang if lang in texts.SESSIONS else "en"]["jte_session"],
                "why": texts.text(
                    "jte_reason", lang, n=shown if shown is not None else f"<{MIN_CONVERSATIONS}"
                ),
                "passages": [c for c in [_cite(passages, texts.FINDINGS["jte_session"], lang)] if c],
                "open_with": [],
                "wanted_by_alts": True,
            }
        )
    return sessions

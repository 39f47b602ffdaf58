"""The overview for a date range: traffic, channels, roles, languages, reply kinds, passages, feedback."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from contracts.reply import ANSWER, FALLBACK, KINDS, message_id
from contracts.senders import SLACK
from organisers.insights.queries import RANGE, Store, loads


@dataclass(frozen=True)
class Missed:
    """A question Senpai fell back on."""

    sender: str
    at: float
    text: str
    not_covered: str | None
    nearest: str | None
    score: float | None


@dataclass
class Overview:
    """What happened between ``since`` and ``until`` (Unix seconds, ``until`` excluded)."""

    since: float
    until: float
    days: list[tuple[str, int, int]] = field(default_factory=list)
    channels: dict[str, int] = field(default_factory=dict)
    roles: dict[str, int] = field(default_factory=dict)
    languages: dict[str, int] = field(default_factory=dict)
    kinds_by_day: dict[str, dict[str, int]] = field(default_factory=dict)
    passages: list[tuple[str, str, int]] = field(default_factory=list)
    topics: list[tuple[str, int]] = field(default_factory=list)
    feedback: list[tuple[str, int, int]] = field(default_factory=list)

    @property
    def conversations(self) -> int:
        """Conversations with a message in the range (one that spans two days counts on each)."""
        return sum(c for _, c, _ in self.days)

    @property
    def messages(self) -> int:
        """User messages in the range."""
        return sum(m for _, _, m in self.days)

    def kind_rates(self) -> dict[str, float]:
        """Each reply kind's share of all replies in the range."""
        totals = Counter[str]()
        for counts in self.kinds_by_day.values():
            totals.update(counts)
        whole = sum(totals.values()) or 1
        return {kind: round(totals.get(kind, 0) / whole, 4) for kind in KINDS}


def overview(store: Store, since: float, until: float, topic_of: Mapping[str, str] | None = None) -> Overview:
    """Compute the overview of a date range.

    Args:
        store: The tracker store and feedback table.
        since: Start of the range (Unix seconds, included).
        until: End of the range (excluded).
        topic_of: Each passage id's topic, to count topics; passages without one count as ``other``.
    """
    q, rng = store.sql, (since, until)
    out = Overview(since, until)
    out.days = [
        (str(d), int(c), int(m))
        for d, c, m in store.rows(
            f"SELECT {q.day} AS d, COUNT(DISTINCT sender_id), COUNT(*) FROM events"
            f" WHERE type_name = 'user' AND {RANGE} GROUP BY d ORDER BY d",
            rng,
        )
    ]
    out.channels = {
        str(c): int(n)
        for c, n in store.rows(
            f"SELECT CASE WHEN substr(sender_id, 1, {len(SLACK)}) = '{SLACK}' THEN 'slack' ELSE 'web' END"
            " AS c, COUNT(*)"
            f" FROM events WHERE type_name = 'user' AND {RANGE} GROUP BY c",
            rng,
        )
    }
    for day, kind, n in store.rows(
        f"SELECT {q.day} AS d, {q.kind} AS k, COUNT(*) FROM events"
        f" WHERE type_name = 'bot' AND {RANGE} AND {q.kind} IS NOT NULL GROUP BY d, k",
        rng,
    ):
        out.kinds_by_day.setdefault(str(day), {})[str(kind)] = int(n)
    languages = Counter[str]()
    for lang, n in store.rows(
        f"SELECT {q.lang} AS l, COUNT(*) FROM events WHERE type_name = 'bot' AND {RANGE}"
        f" AND {q.kind} IS NOT NULL GROUP BY l",
        rng,
    ):
        languages[str(lang or "en")] += int(n)  # replies from before replies said their language were English
    out.languages = dict(languages)
    out.roles = _roles(store, since, until)
    cited = Counter[str]()
    titles: dict[str, str] = {}
    for (citations,) in store.rows(
        f"SELECT {q.citations} FROM events WHERE type_name = 'bot' AND {RANGE} AND {q.kind} = 'answer'", rng
    ):
        for pid in dict.fromkeys(c.get("passage_id") for c in loads(citations) or [] if isinstance(c, dict)):
            if isinstance(pid, str):
                cited[pid] += 1
        for c in loads(citations) or []:
            if isinstance(c, dict) and isinstance(c.get("passage_id"), str):
                titles.setdefault(c["passage_id"], str(c.get("title", "")))
    out.passages = [(pid, titles.get(pid, ""), n) for pid, n in cited.most_common()]
    topics = Counter[str]()
    for pid, n in cited.items():
        topics[(topic_of or {}).get(pid, "other")] += n
    out.topics = topics.most_common()
    out.feedback = _feedback_by_passage(store, since, until)
    return out


def _roles(store: Store, since: float, until: float) -> dict[str, int]:
    """Conversations by the role they ended the range with (``unknown`` if never said)."""
    senders = {
        str(s)
        for (s,) in store.rows(
            f"SELECT DISTINCT sender_id FROM events WHERE type_name = 'user' AND {RANGE}", (since, until)
        )
    }
    last = roles_by_sender(store, until)
    roles = Counter(last.get(s, "unknown") for s in senders)
    return {role: roles.get(role, 0) for role in ("alt", "jte", "unknown")}


def roles_by_sender(store: Store, until: float) -> dict[str, str]:
    """The role each conversation had said by ``until`` (``alt`` or ``jte``; absent if never said)."""
    last: dict[str, str] = {}
    for sender, data in store.rows(
        "SELECT sender_id, data FROM events WHERE type_name = 'slot' AND timestamp < {p} ORDER BY id",
        (until,),
    ):
        event = loads(data) or {}
        if event.get("name") == "role":
            last[str(sender)] = str(event.get("value") or "unknown")
    return last


def bot_messages(store: Store, senders: set[str]) -> dict[str, dict[str, Any]]:
    """Every bot message of these conversations by its id: text, citations and the question before it."""
    if not senders:
        return {}
    q = store.sql
    marks = ", ".join([q.param] * len(senders))
    found: dict[str, dict[str, Any]] = {}
    question: dict[str, str] = defaultdict(str)
    for sender, kind, text, citations in store.rows(
        f"SELECT sender_id, type_name, {q.text}, {q.citations} FROM events"
        f" WHERE type_name IN ('user', 'bot') AND sender_id IN ({marks}) ORDER BY id",
        sorted(senders),
    ):
        if kind == "user":
            question[sender] = str(text or "")
        elif text:
            found[message_id(sender, text)] = {
                "sender": sender,
                "text": text,
                "citations": loads(citations) or [],
                "question": question[sender],
            }
    return found


def feedback_rows(store: Store, since: float, until: float) -> list[tuple[str, str, int, str | None, float]]:
    """Ratings given in the range: sender, message id, rating, comment, time."""
    return [
        (str(s), str(m), int(r), c, float(t))
        for s, m, r, c, t in store.rows(
            "SELECT sender, message_id, rating, comment, created_at FROM feedback"
            " WHERE created_at >= {p} AND created_at < {p} ORDER BY created_at",
            (since, until),
            feedback=True,
        )
    ]


def _feedback_by_passage(store: Store, since: float, until: float) -> list[tuple[str, int, int]]:
    rated = feedback_rows(store, since, until)
    messages = bot_messages(store, {s for s, *_ in rated})
    ups, downs = Counter[str](), Counter[str]()
    for _sender, mid, rating, _comment, _at in rated:
        for c in messages.get(mid, {}).get("citations", []):
            if isinstance(c, dict) and isinstance(c.get("passage_id"), str):
                (ups if rating > 0 else downs)[c["passage_id"]] += 1
    ids = sorted(set(ups) | set(downs), key=lambda p: (-downs[p], -ups[p], p))
    return [(pid, ups[pid], downs[pid]) for pid in ids]


def replies(store: Store, since: float, until: float, *, answers: bool) -> list[tuple[Any, ...]]:
    """Senpai's replies to questions in the range, oldest first, each with the question it answered.

    A row is ``(sender, time, question, kind, lang, citations, missed)``. A
    fallback counts only when it fell back on a question: the action marks
    those with a ``missed`` payload, which "tell me more" with nothing to
    follow, or "why?" before any answer, do not have. With ``answers``,
    answers count too. A question that was a button's payload is left out.
    """
    q = store.sql
    wanted = f"(kind = '{FALLBACK}' AND missed IS NOT NULL)"
    if answers:
        wanted = f"(kind = '{ANSWER}' OR {wanted})"
    rows = store.rows(
        "SELECT sender_id, timestamp, prev_text, kind, lang, citations, missed FROM ("
        f" SELECT sender_id, timestamp, type_name, {q.kind} AS kind, {q.lang} AS lang,"
        f" {q.citations} AS citations, {q.missed} AS missed,"
        f" LAG({q.text}) OVER (PARTITION BY sender_id ORDER BY id) AS prev_text,"
        " LAG(type_name) OVER (PARTITION BY sender_id ORDER BY id) AS prev_type"
        f" FROM events WHERE type_name IN ('user', 'bot') AND {RANGE}"
        f") AS turns WHERE type_name = 'bot' AND prev_type = 'user' AND {wanted} ORDER BY timestamp",
        (since, until),
    )
    return [row for row in rows if row[2] and not str(row[2]).startswith("/")]


def missed(store: Store, since: float, until: float) -> list[Missed]:
    """Every question Senpai fell back on in the range, with what refused it (see :func:`replies`)."""
    out = []
    for sender, at, text, _kind, _lang, _citations, info in replies(store, since, until, answers=False):
        detail = loads(info) or {}
        score = detail.get("score")
        out.append(
            Missed(
                str(sender),
                float(at),
                str(text),
                detail.get("not_covered"),
                detail.get("nearest"),
                float(score) if isinstance(score, (int, float)) else None,
            )
        )
    return out

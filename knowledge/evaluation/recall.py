"""Measure retrieval on a labelled development set: dense, BM25 and hybrid side by side.

For each retriever: Recall@1, Recall@3 and MRR on in-scope questions; the
precision and recall of out-of-scope rejection at a threshold (and, for the
bot's own search, a not-covered margin) calibrated on the set; the clarify
rate; and latency per query.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml

from knowledge.search.decide import SCOPE_MARGIN, Decision, Policy, decide, scope_lead
from knowledge.search.hits import Hit, Hits
from knowledge.search.index import Index

DEPTH = 10
#: Not-covered margins tried by :func:`calibrate` (how much the best passage must lead by).
SCOPE_MARGINS = tuple(round(m * 0.005, 3) for m in range(-20, 21))


@dataclass(frozen=True)
class DevQuestion:
    """One labelled question: the passages that answer it, or out of scope."""

    q: str
    relevant: tuple[str, ...] = ()
    out_of_scope: bool = False
    role: str | None = None
    style: str = ""


def load_devset(path: Path, known_ids: set[str] | None = None) -> list[DevQuestion]:
    """Load and check a development set.

    Raises:
        ValueError: On a malformed entry, or a ``relevant`` id not in ``known_ids``.
    """
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    questions = []
    for n, raw in enumerate(data.get("questions", []), 1):
        q = DevQuestion(
            q=str(raw["q"]),
            relevant=tuple(raw.get("relevant") or ()),
            out_of_scope=bool(raw.get("out_of_scope", False)),
            role=raw.get("role"),
            style=str(raw.get("style", "")),
        )
        if q.out_of_scope == bool(q.relevant):
            raise ValueError(
                f"{path}: question {n} ({q.q!r}) needs either 'relevant' ids or 'out_of_scope: true'"
            )
        if known_ids is not None and (missing := set(q.relevant) - known_ids):
            raise ValueError(f"{path}: question {n} ({q.q!r}) names unknown ids {sorted(missing)}")
        questions.append(q)
    return questions


class Retriever(Protocol):
    """Ranks passages for a question; a hit's ``similarity`` is what the threshold applies to."""

    name: str

    def search(self, query: str, k: int, audience: str | None) -> list[Hit]:
        """Return up to ``k`` hits, best first."""
        ...


class IndexRetriever:
    """The bot's own search: :meth:`Index.search` at a given BM25 weight (0 is pure dense)."""

    def __init__(self, index: Index, lexical_weight: float, suffix: str = "") -> None:
        self.index = index.with_lexical_weight(lexical_weight)
        self.name = ("dense" if lexical_weight == 0 else f"hybrid(w={lexical_weight:g})") + suffix

    def search(self, query: str, k: int, audience: str | None) -> list[Hit]:
        """Search as the bot does (typo correction, priors, blending)."""
        return self.index.search(query, k, audience=audience)


class LexicalRetriever:
    """Plain BM25 (bm25s) over the same passage views: the baseline. Its threshold is on the BM25 scale."""

    name = "bm25"

    def __init__(self, index: Index) -> None:
        self.index = index

    def search(self, query: str, k: int, audience: str | None) -> list[Hit]:
        """Rank passages by BM25 score."""
        scores = self.index.lexical.scores(query)
        order = np.argsort(-scores, kind="stable")[:k]
        return [
            Hit(self.index.passages[i], float(scores[i]), float(scores[i]), rank + 1)
            for rank, i in enumerate(order)
        ]


@dataclass
class Record:
    """One question's ranking under one retriever."""

    question: DevQuestion
    hits: list[Hit]
    seconds: float

    @property
    def top(self) -> float:
        """The similarity the threshold is compared with."""
        return self.hits[0].similarity if self.hits else float("-inf")

    @property
    def lead(self) -> float | None:
        """How far the best passage leads the closest not-covered topic (``None`` if there is none)."""
        return scope_lead(self.hits)

    def rejected(self, threshold: float, scope_margin: float | None) -> bool:
        """Whether the bot falls back: below the threshold, or not ahead of a not-covered topic."""
        lead = self.lead
        return self.top < threshold or (
            scope_margin is not None and lead is not None and lead <= scope_margin
        )

    def rank(self) -> int | None:
        """Rank of the first relevant passage in the top ``DEPTH``, if any."""
        for hit in self.hits:
            if hit.id in self.question.relevant:
                return hit.rank
        return None


@dataclass
class Result:
    """Metrics of one retriever at its calibrated threshold."""

    retriever: str
    recall_at_1: float
    recall_at_3: float
    mrr: float
    threshold: float
    scope_margin: float | None
    oos_precision: float
    oos_recall: float
    in_scope_answered: float
    clarify_rate: float
    answer_accuracy: float
    latency_ms_p50: float
    latency_ms_p95: float
    sweep: list[dict[str, float]] = field(default_factory=list)


def rejection(
    records: Sequence[Record], threshold: float, scope_margin: float | None = None
) -> tuple[float, float, float]:
    """Return (precision, recall) of rejecting out-of-scope questions, and the in-scope answer rate.

    A question is rejected when its best similarity is below ``threshold``, or
    (with a ``scope_margin``) when the best passage does not lead the closest
    not-covered topic by more than the margin, as :func:`decide` does.
    """
    rejected = [r for r in records if r.rejected(threshold, scope_margin)]
    oos = [r for r in records if r.question.out_of_scope]
    in_scope = [r for r in records if not r.question.out_of_scope]
    true_rejects = sum(1 for r in rejected if r.question.out_of_scope)
    precision = true_rejects / len(rejected) if rejected else 1.0
    recall = true_rejects / len(oos) if oos else 1.0
    answered = (
        sum(1 for r in in_scope if not r.rejected(threshold, scope_margin)) / len(in_scope)
        if in_scope
        else 0.0
    )
    return precision, recall, answered


def calibrate(records: Sequence[Record]) -> tuple[float, float | None]:
    """Choose the threshold, and the not-covered margin, that best separate in-scope from out-of-scope.

    Maximises the F1 of out-of-scope rejection over every threshold between
    two observed top similarities and every margin in :data:`SCOPE_MARGINS`
    (only when the retriever reports not-covered matches). Among equals it
    prefers the setting farthest from the observed values, so the choice is
    robust to small shifts, then the lower threshold.

    Returns:
        The threshold, and the margin (``None`` when there are no not-covered matches).
    """
    tops_all = np.asarray([r.top for r in records], dtype=np.float64)
    finite = tops_all[np.isfinite(tops_all)]
    tops = np.unique(np.round(finite, 4))
    candidates = (tops[:-1] + tops[1:]) / 2 if len(tops) > 1 else tops
    if not len(candidates):
        return 0.0, None
    leads = np.asarray([np.nan if r.lead is None else r.lead for r in records], dtype=np.float64)
    has_leads = bool(np.isfinite(leads).any())
    margins: Sequence[float | None] = SCOPE_MARGINS if has_leads else (None,)
    oos = np.asarray([r.question.out_of_scope for r in records])
    gaps = np.min(np.abs(candidates[:, None] - tops[None, :]), axis=1)
    below = tops_all[None, :] < candidates[:, None]  # (thresholds, records)
    best: tuple[float, float, float] | None = None
    chosen: tuple[float, float | None] = (float(candidates[0]), None)
    for margin in margins:
        if margin is None:
            outside = np.zeros(len(records), dtype=bool)
            margin_gap = 0.0
        else:
            with np.errstate(invalid="ignore"):
                outside = np.nan_to_num(leads, nan=np.inf) <= margin
            finite_leads = leads[np.isfinite(leads)]
            margin_gap = float(np.min(np.abs(finite_leads - margin))) if len(finite_leads) else 0.0
        rejected = below | outside[None, :]
        true = (rejected & oos[None, :]).sum(axis=1)
        count = rejected.sum(axis=1)
        precision = np.where(count > 0, true / np.maximum(count, 1), 1.0)
        recall = true / max(int(oos.sum()), 1)
        f1 = np.where(
            precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0
        )
        for i in np.flatnonzero(f1 >= f1.max() - 1e-9):
            key = (round(float(f1[i]), 6), float(gaps[i]) + margin_gap, -float(candidates[i]))
            if best is None or key > best:
                best = key
                chosen = (float(candidates[i]), margin)
    return chosen


def run(retriever: Retriever, questions: Sequence[DevQuestion]) -> list[Record]:
    """Rank every question with a retriever, timing each query."""
    records = []
    for q in questions:
        start = time.perf_counter()
        hits = retriever.search(q.q, DEPTH, q.role)
        records.append(Record(q, hits, time.perf_counter() - start))
    return records


def score(
    name: str,
    records: Sequence[Record],
    clarify_margin: float,
    threshold: float | None = None,
    scope_margin: float | None = None,
) -> Result:
    """Compute the metrics of one retriever's records.

    Args:
        name: Retriever name for the report.
        records: Its rankings of the development set.
        clarify_margin: The clarification margin of the answer policy.
        threshold: A fixed threshold, or ``None`` to calibrate it (and the
            not-covered margin) on the records.
        scope_margin: With a fixed ``threshold``, the fixed not-covered margin
            (``None`` ignores not-covered topics).
    """
    in_scope = [r for r in records if not r.question.out_of_scope]
    ranks = [r.rank() for r in in_scope]
    t, m = calibrate(records) if threshold is None else (threshold, scope_margin)
    precision, recall, answered = rejection(records, t, m)
    policy = Policy(threshold=t, clarify_margin=clarify_margin, scope_margin=m)
    decisions = [decide(r.hits, policy) for r in records]
    clarified = sum(
        1 for r, d in zip(records, decisions, strict=True) if d.kind == "clarify" and r in in_scope
    )
    correct = _correct(records, decisions)
    latencies = sorted(r.seconds * 1000 for r in records)
    sweep = []
    for offset in (-0.1, -0.05, -0.02, 0.0, 0.02, 0.05, 0.1):
        p, rc, ans = rejection(records, t + offset, m)
        sweep.append(
            {
                "threshold": round(t + offset, 4),
                "scope_margin": m if m is not None else float("nan"),
                "oos_precision": p,
                "oos_recall": rc,
                "in_scope_answered": ans,
            }
        )
    if m is not None:
        for offset in (-0.04, -0.02, 0.02, 0.04):
            p, rc, ans = rejection(records, t, m + offset)
            sweep.append(
                {
                    "threshold": round(t, 4),
                    "scope_margin": round(m + offset, 4),
                    "oos_precision": p,
                    "oos_recall": rc,
                    "in_scope_answered": ans,
                }
            )
    n = len(in_scope) or 1
    return Result(
        retriever=name,
        recall_at_1=sum(1 for k in ranks if k == 1) / n,
        recall_at_3=sum(1 for k in ranks if k is not None and k <= 3) / n,
        mrr=sum(1 / k for k in ranks if k) / n,
        threshold=round(t, 4),
        scope_margin=m,
        oos_precision=precision,
        oos_recall=recall,
        in_scope_answered=answered,
        clarify_rate=clarified / n,
        answer_accuracy=correct / len(records) if records else 0.0,
        latency_ms_p50=statistics.median(latencies) if latencies else 0.0,
        latency_ms_p95=latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
        sweep=sweep,
    )


def _correct(records: Sequence[Record], decisions: Sequence[Decision]) -> int:
    """Right decisions: out of scope a fallback, in scope one showing a relevant passage."""
    return sum(
        d.kind == "fallback" if r.question.out_of_scope else d.kind != "fallback" and _shows(r, d)
        for r, d in zip(records, decisions, strict=True)
    )


def _shows(record: Record, decision: Decision) -> bool:
    return any(h.id in record.question.relevant for h in decision.hits)


def configured(name: str, records: Sequence[Record], policy: Policy) -> Result:
    """Score records with the bot's own policy, exactly as :func:`decide` runs in the bot.

    Unlike :func:`score`, nothing is calibrated on the records and the policy's
    scale (raw or standardised) and margins apply as they are: a rejection is a
    ``fallback`` decision.

    Args:
        name: Row name for the report.
        records: The rankings of the set, by the bot's index (with its not-covered topics).
        policy: The bot's policy for the set's language.
    """
    base = score(name, records, policy.clarify_margin, policy.threshold, None)
    in_scope = [r for r in records if not r.question.out_of_scope]
    decisions = [decide(r.hits, policy, r.question.role) for r in records]
    clarified = sum(
        1 for r, d in zip(records, decisions, strict=True) if d.kind == "clarify" and r in in_scope
    )
    correct = _correct(records, decisions)

    def rejecting(p: Policy) -> tuple[float, float, float]:
        rejected = [decide(r.hits, p, r.question.role).kind == "fallback" for r in records]
        oos = [r.question.out_of_scope for r in records]
        true = sum(a and b for a, b in zip(rejected, oos, strict=True))
        kept = sum(not a for a, b in zip(rejected, oos, strict=True) if not b)
        return (
            true / sum(rejected) if any(rejected) else 1.0,
            true / sum(oos) if any(oos) else 1.0,
            kept / len(in_scope) if in_scope else 0.0,
        )

    precision, recall, answered = rejecting(policy)
    return replace(
        base,
        scope_margin=policy.scope_margin,
        oos_precision=precision,
        oos_recall=recall,
        in_scope_answered=answered,
        clarify_rate=clarified / (len(in_scope) or 1),
        answer_accuracy=correct / len(records) if records else 0.0,
        sweep=[],
    )


def failures(
    records: Sequence[Record], threshold: float, limit: int = 15, scope_margin: float | None = SCOPE_MARGIN
) -> list[dict[str, Any]]:
    """List the questions a retriever gets wrong, for curating the corpus.

    Wrongly rejected and wrongly answered questions come first, then the
    in-scope ones whose first hit is not relevant. ``scope_margin`` defaults
    to the bot's; it only matters for retrievers that report not-covered matches.
    """
    rejections: list[dict[str, Any]] = []
    ranking: list[dict[str, Any]] = []
    for r in records:
        rejected = r.rejected(threshold, scope_margin)
        wrong_reject = not r.question.out_of_scope and rejected
        wrong_accept = r.question.out_of_scope and not rejected
        wrong_rank = not r.question.out_of_scope and r.rank() != 1
        if wrong_reject or wrong_accept or wrong_rank:
            outside = r.hits.not_covered if isinstance(r.hits, Hits) else None
            row: dict[str, Any] = {
                "q": r.question.q,
                "expected": list(r.question.relevant) or "out_of_scope",
                "got": [h.id for h in r.hits[:3]],
                "top": round(r.top, 3),
            }
            if outside is not None:
                row["not_covered"] = [outside.topic.id, round(outside.similarity, 3)]
            (rejections if wrong_reject or wrong_accept else ranking).append(row)
    return [*rejections, *ranking][:limit]

"""Measure retrieval on a labelled development set: dense, BM25 and hybrid side by side.

For each retriever: Recall@1, Recall@3 and MRR on in-scope questions; the
precision and recall of out-of-scope rejection at a threshold calibrated on
the set; the clarify rate; and latency per query.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import yaml

from knowledge.decide import Policy, decide
from knowledge.index import Hit, Index

DEPTH = 10


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

    def __init__(self, index: Index, lexical_weight: float) -> None:
        self.index = index.with_lexical_weight(lexical_weight)
        self.name = "dense" if lexical_weight == 0 else f"hybrid(w={lexical_weight:g})"

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
    oos_precision: float
    oos_recall: float
    in_scope_answered: float
    clarify_rate: float
    answer_accuracy: float
    latency_ms_p50: float
    latency_ms_p95: float
    sweep: list[dict[str, float]] = field(default_factory=list)


def rejection(records: Sequence[Record], threshold: float) -> tuple[float, float, float]:
    """Return (precision, recall) of rejecting out-of-scope questions, and the in-scope answer rate."""
    rejected = [r for r in records if r.top < threshold]
    oos = [r for r in records if r.question.out_of_scope]
    in_scope = [r for r in records if not r.question.out_of_scope]
    true_rejects = sum(1 for r in rejected if r.question.out_of_scope)
    precision = true_rejects / len(rejected) if rejected else 1.0
    recall = true_rejects / len(oos) if oos else 1.0
    answered = sum(1 for r in in_scope if r.top >= threshold) / len(in_scope) if in_scope else 0.0
    return precision, recall, answered


def calibrate(records: Sequence[Record]) -> float:
    """Choose the threshold that best separates in-scope from out-of-scope questions.

    Maximises the F1 of out-of-scope rejection; among equals, prefers the
    midpoint of the widest gap so the choice is robust to small shifts.
    """
    tops = sorted({round(r.top, 4) for r in records if np.isfinite(r.top)})
    candidates = [(a + b) / 2 for a, b in itertools.pairwise(tops)] or tops
    best: tuple[float, float, float] | None = None
    for t in candidates:
        p, r, _ = rejection(records, t)
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        gap = min((abs(x - t) for x in tops), default=0.0)
        key = (round(f1, 6), gap, -t)
        if best is None or key > best:
            best = key
    return -best[2] if best else 0.0


def run(retriever: Retriever, questions: Sequence[DevQuestion]) -> list[Record]:
    """Rank every question with a retriever, timing each query."""
    records = []
    for q in questions:
        start = time.perf_counter()
        hits = retriever.search(q.q, DEPTH, q.role)
        records.append(Record(q, hits, time.perf_counter() - start))
    return records


def score(
    name: str, records: Sequence[Record], clarify_margin: float, threshold: float | None = None
) -> Result:
    """Compute the metrics of one retriever's records.

    Args:
        name: Retriever name for the report.
        records: Its rankings of the development set.
        clarify_margin: The clarification margin of the answer policy.
        threshold: A fixed threshold, or ``None`` to calibrate on the records.
    """
    in_scope = [r for r in records if not r.question.out_of_scope]
    ranks = [r.rank() for r in in_scope]
    t = calibrate(records) if threshold is None else threshold
    precision, recall, answered = rejection(records, t)
    policy = Policy(threshold=t, clarify_margin=clarify_margin)
    decisions = [decide(r.hits, policy) for r in records]
    clarified = sum(
        1 for r, d in zip(records, decisions, strict=True) if d.kind == "clarify" and r in in_scope
    )
    correct = 0
    for r, d in zip(records, decisions, strict=True):
        if r.question.out_of_scope:
            correct += d.kind == "fallback"
        elif d.kind == "answer":
            correct += d.hits[0].id in r.question.relevant
        elif d.kind == "clarify":
            correct += any(h.id in r.question.relevant for h in d.hits)
    latencies = sorted(r.seconds * 1000 for r in records)
    sweep = []
    for offset in (-0.1, -0.05, -0.02, 0.0, 0.02, 0.05, 0.1):
        p, rc, ans = rejection(records, t + offset)
        sweep.append(
            {
                "threshold": round(t + offset, 4),
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
        oos_precision=precision,
        oos_recall=recall,
        in_scope_answered=answered,
        clarify_rate=clarified / n,
        answer_accuracy=correct / len(records) if records else 0.0,
        latency_ms_p50=statistics.median(latencies) if latencies else 0.0,
        latency_ms_p95=latencies[int(0.95 * (len(latencies) - 1))] if latencies else 0.0,
        sweep=sweep,
    )


def failures(records: Sequence[Record], threshold: float, limit: int = 15) -> list[dict[str, Any]]:
    """List the questions a retriever gets wrong, for curating the corpus."""
    out = []
    for r in records:
        wrong_reject = not r.question.out_of_scope and r.top < threshold
        wrong_accept = r.question.out_of_scope and r.top >= threshold
        wrong_rank = not r.question.out_of_scope and r.rank() != 1
        if wrong_reject or wrong_accept or wrong_rank:
            out.append(
                {
                    "q": r.question.q,
                    "expected": list(r.question.relevant) or "out_of_scope",
                    "got": [h.id for h in r.hits[:3]],
                    "top": round(r.top, 3),
                }
            )
    return out[:limit]


def report(results: Sequence[Result], questions: Sequence[DevQuestion], chosen: str) -> dict[str, Any]:
    """Return the JSON report."""
    return {
        "devset": {
            "questions": len(questions),
            "in_scope": sum(1 for q in questions if not q.out_of_scope),
            "out_of_scope": sum(1 for q in questions if q.out_of_scope),
        },
        "chosen": chosen,
        "results": [asdict(r) for r in results],
    }


def table(results: Sequence[Result]) -> str:
    """Return a plain-text comparison table."""
    head = (
        f"{'retriever':<16}{'R@1':>7}{'R@3':>7}{'MRR':>7}{'thresh':>8}{'OOS P':>7}{'OOS R':>7}"
        f"{'clarify':>9}{'acc':>7}{'p50 ms':>8}{'p95 ms':>8}"
    )
    rows = [head, "-" * len(head)]
    for r in results:
        rows.append(
            f"{r.retriever:<16}{r.recall_at_1:>7.3f}{r.recall_at_3:>7.3f}{r.mrr:>7.3f}{r.threshold:>8.3f}"
            f"{r.oos_precision:>7.3f}{r.oos_recall:>7.3f}{r.clarify_rate:>9.3f}{r.answer_accuracy:>7.3f}"
            f"{r.latency_ms_p50:>8.1f}{r.latency_ms_p95:>8.1f}"
        )
    return "\n".join(rows)

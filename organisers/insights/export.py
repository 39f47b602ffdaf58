"""The insights as Markdown (for a terminal), CSV (for a spreadsheet, formula-safe) and JSON."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from organisers.insights.missed import Cluster
from organisers.insights.overview import Overview
from organisers.insights.queries import day

#: A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A CSV cell a spreadsheet shows as text: a leading ``'`` neutralises ``=``, ``+``, ``-`` and ``@``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """Rows as CSV (the csv module's quoting), every text cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


def cluster_rows(clusters: Sequence[Cluster]) -> list[list[Any]]:
    """One row per cluster: size, language, examples, nearest passage and score, refusing topic."""
    return [
        [c.size, c.language, " | ".join(c.examples), c.nearest or "", c.score, c.not_covered or ""]
        for c in clusters
    ]


CLUSTER_HEADER = ("size", "language", "examples", "nearest_passage", "score", "not_covered_topic")


def markdown(view: Overview, clusters: Sequence[Cluster]) -> str:
    """The overview and the missed-question clusters, as Markdown."""
    rates = view.kind_rates()
    lines = [
        f"# Senpai insights, {day(view.since)} to {day(view.until - 1)}",
        "",
        f"{view.messages} messages in {view.conversations} conversation-days.",
        "",
        "| channel | messages |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in sorted(view.channels.items())),
        "",
        "| role | conversations |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in view.roles.items()),
        "",
        "| language | replies |",
        "|---|---|",
        *(f"| {k} | {v} |" for k, v in sorted(view.languages.items())),
        "",
        "| reply kind | share |",
        "|---|---|",
        *(f"| {k} | {v:.1%} |" for k, v in rates.items()),
        "",
        "## Most-served passages",
        "",
        "| passage | answers |",
        "|---|---|",
        *(f"| {pid} ({title}) | {n} |" for pid, title, n in view.passages[:15]),
        "",
        "## Feedback by passage",
        "",
        "| passage | up | down |",
        "|---|---|---|",
        *(f"| {pid} | {up} | {down} |" for pid, up, down in view.feedback),
        "",
        "## Missed questions, largest clusters first",
        "",
    ]
    for c in clusters:
        nearest = f"nearest passage {c.nearest} ({c.score})" if c.nearest else "no passage near"
        refused = f"; refused as not covered: {c.not_covered}" if c.not_covered else ""
        lines.append(f"- **{c.size}** ({c.language}) {nearest}{refused}")
        lines += [f"  - {_md(e)}" for e in c.examples]
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_json(view: Overview, clusters: Sequence[Cluster]) -> str:
    """The overview and the clusters (without the raw members' senders) as JSON."""
    data = asdict(view)
    data["kind_rates"] = view.kind_rates()
    data["missed_clusters"] = [
        {k: v for k, v in asdict(c).items() if k != "members"} | {"size": c.size} for c in clusters
    ]
    return json.dumps(data, indent=2, ensure_ascii=False)

"""Run every benchmark, print the table, and write ``bench/latest.json``."""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from senpai.benchmarks import build_speed, japanese_memory, metrics_cost, retrieval, stack, turns
from senpai.benchmarks.stats import median
from settings import Settings

#: The issue's targets: (key, limit, "max" = at most / "min" = at least).
TARGETS: dict[str, tuple[float, str]] = {
    "retrieval_overhead_ratio": (1.15, "max"),
    "e2e_ratio_1user": (1.5, "max"),
    "e2e_ratio_1user_unseen": (1.5, "max"),
    "e2e_ratio_1user_follow_up": (1.5, "max"),
    "e2e_ratio_1user_long": (2.0, "max"),
    "e2e_ratio_1user_ja": (2.0, "max"),
    "knowledge_p95_ms_20users": (400.0, "max"),
    "errors_20users": (0.0, "max"),
    "actions_rss_mb": (700.0, "max"),
    "gateway_rss_mb": (150.0, "max"),
    "rss_growth_percent_max": (5.0, "max"),
    "startup_s": (45.0, "max"),
    "knowledge_vs_smalltalk_p95_20users": (1.3, "max"),
    "throughput_ratio_20users": (0.8, "min"),
    "startup_vs_one_replica": (1.3, "max"),
    "slow_input_p95_ratio": (2.0, "max"),
    "slow_input_reply_max_s": (2.0, "max"),
    "metrics_scrape_p50_ratio": (1.1, "max"),
    "metrics_record_share": (0.01, "max"),
}


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def measure(quick: bool) -> dict[str, Any]:
    """Run the benchmarks (``quick``: fewer trials, no 5,000-turn run) and return the report."""
    from knowledge import current_dir, load_index

    settings = Settings.from_env()
    print("index build and training ...", flush=True)
    built = build_speed.index_build(settings, 1 if quick else 3)
    trained = build_speed.training(settings)
    print("retrieval against its floor ...", flush=True)
    from knowledge.encoders.factory import open_configured

    encoder = open_configured(settings)
    index = load_index(current_dir(settings.index_dir), encoder, lexical_weight=settings.lexical_weight)
    asked = turns.questions()
    path = retrieval.floor_vs_path(encoder, index, asked, 3 if quick else 5)
    sizes = (200, 2000) if quick else (200, 2000, 20000)
    grows = retrieval.scaling(encoder, index, asked[:60], sizes, 3)
    del index, encoder
    print("the whole stack: start-up, 1 and 20 users, memory ...", flush=True)
    with tempfile.TemporaryDirectory(prefix="senpai-bench-") as scratch:
        figures = stack.measure(Path(scratch), quick)
    details = figures.as_dict()
    record_us = metrics_cost.record_us()
    smalltalk_us = figures.small_1.p50 * 1000
    growth = details["rss_growth_percent_1000_to_5000"]
    rasa = [v for k, v in figures.rss_1000.items() if k.startswith("rasa")]
    summary = {
        "retrieval_overhead_ratio": path["ratio"],
        "e2e_ratio_1user": round(median(figures.ratio_trials), 3),
        "e2e_ratio_1user_unseen": details["one_user"]["distinct_questions_ratio"],
        "e2e_ratio_1user_follow_up": details["one_user"]["follow_up_ratio"],
        "e2e_ratio_1user_ja": details["one_user"]["japanese_ratio"],
        "e2e_ratio_1user_long": details["one_user"]["long_messages_ratio"],
        "japanese_added_rss_mb": japanese_memory.memory_added()["total"],
        "knowledge_p95_ms_20users": figures.knowledge_p95_20,
        "errors_20users": details["twenty_users"]["errors"],
        "actions_rss_mb": figures.rss_1000.get("actions"),
        "gateway_rss_mb": figures.rss_1000.get("gateway"),
        "rasa_rss_mb": max(rasa) if rasa else None,
        "rss_growth_percent_max": max(growth.values()) if growth else None,
        "startup_s": sorted(s.get("stack", 0.0) for s in figures.startups)[len(figures.startups) // 2],
        "index_build_passages_per_s": built["passages_per_s"],
        "index_rebuild_one_change_s": built["rebuild_one_change_s"],
        "index_build_english_passages_per_s": built["english_only_passages_per_s"],
        "curation_change_published_s": built["curation_publish_s"],
        "knowledge_vs_smalltalk_p95_20users": figures.p95_ratio_20,
        "throughput_ratio_20users": figures.throughput_ratio_20,
        "slow_input_p95_ratio": figures.slow_input_p95_ratio,
        "slow_input_reply_max_s": figures.slow_input_reply_max_s,
        "slow_input_errors": details["slow_input"]["errors"],
        "metrics_scrape_p50_ratio": figures.scrape_p50_ratio,
        "metrics_record_us_per_turn": record_us,
        "metrics_record_share": round(record_us / smalltalk_us, 4) if smalltalk_us else None,
        "startup_vs_one_replica": median(
            [s["vs_one_replica"] for s in figures.startups if "vs_one_replica" in s]
        ),
    }
    verdicts = {}
    for key, (limit, kind) in TARGETS.items():
        value = summary.get(key)
        verdicts[key] = None if value is None else (value <= limit if kind == "max" else value >= limit)
    return {
        **summary,
        "targets": {k: {"limit": v[0], "met": verdicts[k]} for k, v in TARGETS.items()},
        "quick": quick,
        "machine": machine(),
        "details": {
            "retrieval": path,
            "scaling": grows,
            "stack": details,
            "index_build": built,
            "training": trained,
            "settings": {
                "embedding_model": settings.embedding_model,
                "encoder_backend": settings.encoder_backend,
                "threads": settings.torch_threads,
                "query_cache": settings.query_cache,
                "lexical_weight": settings.lexical_weight,
            },
        },
    }


def table(report: dict[str, Any]) -> str:
    """The headline figures, one per line, with the target and whether it is met."""
    rows = []
    for key in (*TARGETS, "rasa_rss_mb", "index_build_passages_per_s"):
        value = report.get(key)
        target = report["targets"].get(key)
        mark = (
            ""
            if target is None
            else (f"  (target {target['limit']:g}: {'met' if target['met'] else 'NOT met'})")
        )
        rows.append(f"{key:<28} {value}{mark}")
    return "\n".join(rows)


def write(report: dict[str, Any], out: Path) -> None:
    """Write the report as JSON."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")

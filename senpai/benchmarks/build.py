"""Build figures: index build throughput and Rasa training time."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from settings import PROJECT_ROOT, Settings


def index_build(settings: Settings, trials: int) -> dict[str, Any]:
    """Time ``senpai build-index --force`` in a scratch directory (model load included): passages/s."""
    from knowledge import load_corpus

    passages = len(load_corpus(settings.corpus_dir))
    walls = []
    for _ in range(trials):
        with tempfile.TemporaryDirectory(prefix="senpai-bench-index-") as scratch:
            env = {**os.environ, "SENPAI_INDEX_DIR": str(Path(scratch) / "index")}
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "senpai", "build-index", "--force", "--quiet"],
                cwd=PROJECT_ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            walls.append(time.perf_counter() - start)
    best = sorted(walls)[len(walls) // 2]
    return {"passages": passages, "wall_s": round(best, 2), "passages_per_s": round(passages / best, 1)}


def training(settings: Settings) -> dict[str, Any]:
    """Time ``rasa train`` of the project into a scratch directory."""
    with tempfile.TemporaryDirectory(prefix="senpai-bench-train-") as scratch:
        start = time.perf_counter()
        subprocess.run(
            [str(settings.rasa_bin), "train", "--out", scratch, "--quiet", "--force"],
            cwd=settings.rasa_project,
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"},
            check=True,
            capture_output=True,
        )
        return {"wall_s": round(time.perf_counter() - start, 1)}

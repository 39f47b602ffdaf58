"""Build figures: index build throughput and Rasa training time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from settings import PROJECT_ROOT, Settings


def _build(env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "senpai", "build-index", "--force", "--quiet"],
        cwd=PROJECT_ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - start


def index_build(settings: Settings, trials: int) -> dict[str, Any]:
    """Time ``senpai build-index`` in a scratch data directory (model loads included).

    A cold build starts with no embeddings cached (passages/s); then one
    question is added to one passage and the index rebuilt with the cache
    the cold build left (``rebuild_one_change_s``).
    """
    from knowledge import load_corpus

    passages = len(load_corpus(settings.corpus_dir))
    cold, english, warm, curated = [], [], [], []
    for _ in range(trials):
        with tempfile.TemporaryDirectory(prefix="senpai-bench-index-") as scratch:
            root = Path(scratch)
            env = {
                **os.environ,
                "SENPAI_DATA_DIR": str(root),
                "SENPAI_INDEX_DIR": str(root / "index"),
                "SENPAI_ONNX_DIR": str(settings.onnx_dir),  # the model's export is not what is measured
            }
            english.append(_build({**env, "SENPAI_JAPANESE": "0", "SENPAI_INDEX_DIR": str(root / "en")}))
            cold.append(_build(env))
            curated.append(_curation_change(env))
            corpus = root / "corpus"
            shutil.copytree(settings.corpus_dir, corpus)
            topic = corpus / "jte.yaml"
            text = topic.read_text(encoding="utf-8")
            marker = "    questions:\n"
            topic.write_text(
                text.replace(marker, marker + '      - "who decides what the ALT does in my lessons"\n', 1)
            )
            warm.append(_build({**env, "SENPAI_CORPUS_DIR": str(corpus)}))
    best = sorted(cold)[len(cold) // 2]
    return {
        "passages": passages,
        "wall_s": round(best, 2),
        "passages_per_s": round(passages / best, 1),
        "english_only_passages_per_s": round(passages / sorted(english)[len(english) // 2], 1),
        "rebuild_one_change_s": round(sorted(warm)[len(warm) // 2], 2),
        "curation_publish_s": round(sorted(curated)[len(curated) // 2], 3),
    }


def _curation_change(env: dict[str, str]) -> float:
    """Seconds from an organiser's attach to its index published (the curator, encoders loaded)."""
    from organisers.curation.curator import Curator
    from organisers.curation.store import CurationStore

    scratch = Settings.from_env(env)
    curator = Curator(scratch, CurationStore.of(scratch), settle_in_background=False)
    curator.index()  # the page is open: encoders and the serving index are loaded
    question = "what do ALTs hope I'll do"
    change = {"kind": "attach", "passage": "jte-alt2-clear-instructions", "questions": [question]}
    start = time.perf_counter()
    outcome = curator.propose(change, "bench", confirm=True)
    if not outcome.ok:
        raise RuntimeError(f"the bench's curation change was refused: {outcome.message}")
    return outcome.build_s or time.perf_counter() - start


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

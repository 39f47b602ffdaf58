"""Running a script in Rasa's own Python 3.10 environment, where the connectors run."""

from __future__ import annotations

import os
import subprocess

import pytest

from settings import PROJECT_ROOT, Settings

RASA_PYTHON = Settings().rasa_bin.parent / "python"

#: Skips a test when Rasa's environment is not set up.
needs_rasa = pytest.mark.skipif(
    not RASA_PYTHON.exists(), reason="Rasa's environment is not set up (make setup)"
)


def run_in_rasa(script: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run ``script`` with Rasa's Python from the project root (so ``connectors`` imports), quietly."""
    return subprocess.run(
        [str(RASA_PYTHON), "-c", script, *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"},
    )

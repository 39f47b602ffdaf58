"""The digest of a model's files: the same for a copy, different for other weights, blind to clutter."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from knowledge.encoders.base import weights_fingerprint, weights_of


def _model(root: Path) -> Path:
    """A sentence-transformers directory's shape: top-level files and the module folders it names."""
    root.mkdir()
    (root / "modules.json").write_text(
        json.dumps([{"idx": 0, "path": ""}, {"idx": 1, "path": "1_Pooling"}]), encoding="utf-8"
    )
    (root / "config.json").write_text('{"hidden_size": 384}', encoding="utf-8")
    (root / "model.safetensors").write_bytes(bytes(range(256)) * 64)
    (root / "1_Pooling").mkdir()
    (root / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}', encoding="utf-8")
    return root


def test_a_copy_has_the_same_digest_and_clutter_beside_the_model_changes_nothing(tmp_path: Path) -> None:
    model = _model(tmp_path / "tuned")
    digest = weights_fingerprint(str(model))
    assert digest is not None and digest.startswith("sha256:") and len(digest) == len("sha256:") + 16
    copy = shutil.copytree(model, tmp_path / "elsewhere" / "tuned")
    assert weights_fingerprint(str(copy)) == digest  # the same files at another path
    (model / "onnx").mkdir()  # an export or a cache someone keeps inside the directory
    (model / "onnx" / "model.onnx").write_bytes(b"unrelated")
    (model / ".cache").write_text("x", encoding="utf-8")
    assert weights_fingerprint(str(model)) == digest


@pytest.mark.parametrize("changed", ["model.safetensors", "1_Pooling/config.json", "tokenizer.json"])
def test_other_weights_or_settings_of_the_model_change_the_digest(tmp_path: Path, changed: str) -> None:
    model = _model(tmp_path / "tuned")
    digest = weights_fingerprint(str(model))
    with (model / changed).open("ab") as fh:
        fh.write(b"\x01")
    assert weights_fingerprint(str(model)) != digest


def test_a_model_named_on_a_hub_has_no_digest() -> None:
    assert weights_fingerprint("some-org/some-model-on-a-hub") is None


def test_weights_of_reads_an_encoders_digest_or_none() -> None:
    class Opened:
        weights = "sha256:0123456789abcdef"

    assert weights_of(Opened()) == "sha256:0123456789abcdef"
    assert weights_of(object()) is None

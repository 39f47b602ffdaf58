"""``senpai build-index``: when an index on disk counts as up to date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge import load_index, read_meta
from knowledge.encoders.sentence import SentenceTransformerEncoder
from knowledge.store.files import FORMAT_VERSION, META_FILE, IndexLoadError, current_dir
from senpai.cli import main


def test_an_index_of_another_format_is_rebuilt_not_called_up_to_date(
    corpus_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    encoder: SentenceTransformerEncoder,
) -> None:
    monkeypatch.setenv("SENPAI_CORPUS_DIR", str(corpus_dir))
    monkeypatch.setenv("SENPAI_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("SENPAI_ENCODER_BACKEND", "torch")  # no ONNX export needed to build
    assert main(["build-index"]) == 0
    assert main(["build-index"]) == 0
    assert "up to date" in capsys.readouterr().out

    # An index written by an older release: same corpus, same model, another file format.
    meta_file = current_dir(tmp_path / "index") / META_FILE
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta["format_version"] = FORMAT_VERSION - 1
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(IndexLoadError, match="format"):
        load_index(current_dir(tmp_path / "index"), encoder)

    assert main(["build-index"]) == 0
    assert "up to date" not in capsys.readouterr().out
    assert read_meta(current_dir(tmp_path / "index"))["format_version"] == FORMAT_VERSION
    assert len(load_index(current_dir(tmp_path / "index"), encoder)) > 0

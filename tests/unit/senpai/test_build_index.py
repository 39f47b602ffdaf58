"""``senpai build-index``: when an index on disk counts as up to date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from knowledge import load_index, read_meta
from knowledge.encoders.sentence import SentenceTransformerEncoder
from knowledge.search.adapter import AdapterConfig
from knowledge.store.files import ADAPTER_FILE, FORMAT_VERSION, META_FILE, IndexLoadError, current_dir
from senpai.cli import main


@pytest.fixture
def index_dir(corpus_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where ``senpai build-index`` publishes, for the tiny corpus."""
    monkeypatch.setenv("SENPAI_CORPUS_DIR", str(corpus_dir))
    monkeypatch.setenv("SENPAI_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("SENPAI_ENCODER_BACKEND", "torch")  # no ONNX export needed to build
    monkeypatch.setenv("SENPAI_EMBEDDING_MODEL", "all-MiniLM-L6-v2")  # as packaged: tuning is tested apart
    return tmp_path / "index"


def test_build_index_rebuilds_when_the_adapter_setting_changes(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def meta() -> dict[str, object]:
        return read_meta(current_dir(index_dir))

    assert main(["build-index"]) == 0
    assert meta()["adapter"] == AdapterConfig().to_dict()
    assert (current_dir(index_dir) / ADAPTER_FILE).is_file()
    capsys.readouterr()

    assert main(["build-index"]) == 0
    assert "up to date" in capsys.readouterr().out

    monkeypatch.setenv("SENPAI_ADAPTER", "0")
    assert main(["build-index"]) == 0
    assert "up to date" not in capsys.readouterr().out
    assert meta()["adapter"] is None
    assert not (current_dir(index_dir) / ADAPTER_FILE).exists()


def test_an_index_of_another_format_is_rebuilt_not_called_up_to_date(
    index_dir: Path, capsys: pytest.CaptureFixture[str], encoder: SentenceTransformerEncoder
) -> None:
    assert main(["build-index"]) == 0
    assert main(["build-index"]) == 0
    assert "up to date" in capsys.readouterr().out

    # An index written by an older release: same corpus, same model, another file format.
    meta_file = current_dir(index_dir) / META_FILE
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta["format_version"] = FORMAT_VERSION - 1
    meta_file.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(IndexLoadError, match="format"):
        load_index(current_dir(index_dir), encoder)

    assert main(["build-index"]) == 0
    assert "up to date" not in capsys.readouterr().out
    assert read_meta(current_dir(index_dir))["format_version"] == FORMAT_VERSION
    assert len(load_index(current_dir(index_dir), encoder)) > 0

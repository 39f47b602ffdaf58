"""``senpai tune-encoder``: a tuned model that ``build-index`` and search take like any local model."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import EncoderError, read_meta
from knowledge.encoders.base import weights_fingerprint
from knowledge.encoders.factory import open_configured
from knowledge.encoders.onnx import export_dir, read_export_meta
from knowledge.store.files import current_dir
from senpai.cli import main
from senpai.commands.common import settings_from_env


@pytest.fixture
def tiny_settings(
    corpus_dir: Path, not_covered_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The tiny corpus and its not-covered topics, an index of its own, the torch backend."""
    monkeypatch.setenv("SENPAI_CORPUS_DIR", str(corpus_dir))
    monkeypatch.setenv("SENPAI_NOT_COVERED_FILE", str(not_covered_file))
    monkeypatch.setenv("SENPAI_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("SENPAI_ENCODER_BACKEND", "torch")
    monkeypatch.setenv("SENPAI_JAPANESE", "0")
    monkeypatch.setenv("SENPAI_TUNED_MODEL_DIR", str(tmp_path / "models" / "tuned"))  # the default's place
    monkeypatch.delenv("SENPAI_EMBEDDING_MODEL", raising=False)
    return tmp_path / "index"


def test_build_index_tunes_the_packaged_model_once_when_the_tuned_one_is_configured(
    tiny_settings: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert settings_from_env().embedding_model == "all-MiniLM-L6-v2"  # the default: as packaged
    tuned = tmp_path / "models" / "tuned"
    monkeypatch.setenv("SENPAI_EMBEDDING_MODEL", str(tuned))
    settings = settings_from_env()
    assert settings.embedding_model == str(tuned) == str(settings.tuned_model_dir)
    assert settings.serves_tuned_default
    with pytest.raises(EncoderError, match="senpai build-index"):  # not made yet: the error says how
        open_configured(settings)
    assert main(["build-index"]) == 0
    out = capsys.readouterr().out
    assert "making" in out and "Tuning all-MiniLM-L6-v2" in out and "Built index" in out
    assert (tuned / "model.safetensors").is_file()
    meta = read_meta(current_dir(tiny_settings))
    assert meta["model"] == str(tuned) and meta["weights"] == weights_fingerprint(str(tuned))
    assert weights_fingerprint(str(tuned)) != weights_fingerprint("all-MiniLM-L6-v2")
    assert main(["build-index"]) == 0
    assert "Tuning" not in capsys.readouterr().out  # made once: the next build only checks it
    assert main(["search", "When did the JET Programme start?", "-k", "1"]) == 0


def test_a_tuned_model_is_built_into_the_index_and_searched(
    tiny_settings: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tuned = tmp_path / "tuned"
    assert main(["tune-encoder", "--out", str(tuned), "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert f"saved to {tuned}" in out and f"SENPAI_EMBEDDING_MODEL={tuned}" in out
    assert (tuned / "config.json").is_file()

    monkeypatch.setenv("SENPAI_EMBEDDING_MODEL", str(tuned))
    assert main(["build-index"]) == 0
    assert read_meta(current_dir(tiny_settings))["model"] == str(tuned)
    assert main(["search", "When did the JET Programme start?", "-k", "1"]) == 0
    assert "1. [" in capsys.readouterr().out


def test_a_model_tuned_again_under_the_same_name_is_exported_and_built_again(
    tiny_settings: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tuned = tmp_path / "tuned"
    monkeypatch.setenv("SENPAI_ENCODER_BACKEND", "onnx")  # as served: the export must follow the weights
    monkeypatch.setenv("SENPAI_ONNX_DIR", str(tmp_path / "onnx"))
    assert main(["tune-encoder", "--out", str(tuned), "--epochs", "1", "--seed", "0"]) == 0
    monkeypatch.setenv("SENPAI_EMBEDDING_MODEL", str(tuned))
    assert main(["build-index"]) == 0
    first = weights_fingerprint(str(tuned))
    assert read_meta(current_dir(tiny_settings))["weights"] == first
    assert main(["build-index"]) == 0
    assert "Index is up to date" in capsys.readouterr().out  # nothing changed, nothing rebuilt

    monkeypatch.delenv("SENPAI_EMBEDDING_MODEL")  # tuned again from the packaged model, another seed
    assert main(["tune-encoder", "--out", str(tuned), "--epochs", "1", "--seed", "1"]) == 0
    monkeypatch.setenv("SENPAI_EMBEDDING_MODEL", str(tuned))
    second = weights_fingerprint(str(tuned))
    assert second != first
    with pytest.raises(EncoderError, match="as its files are now"):  # the old export is not served
        open_configured(settings_from_env())
    assert main(["build-index"]) == 0
    out = capsys.readouterr().out
    assert "Exported" in out and "Built index" in out and "up to date" not in out
    assert read_meta(current_dir(tiny_settings))["weights"] == second
    export = read_export_meta(export_dir(tmp_path / "onnx", str(tuned)))
    assert export is not None and export["weights"] == second
    assert main(["search", "When did the JET Programme start?", "-k", "1"]) == 0


def test_an_invalid_corpus_is_refused_with_its_error_and_nothing_is_saved(
    tiny_settings: Path, corpus_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (corpus_dir / "programme.yaml").write_text("- not: [a passage\n", encoding="utf-8")
    assert main(["tune-encoder", "--out", str(tmp_path / "tuned")]) == 1
    assert "senpai tune-encoder: corpus error" in capsys.readouterr().err
    assert not (tmp_path / "tuned").exists()


@pytest.mark.parametrize(
    ("args", "said"),
    [(["--epochs", "0"], "epochs must be at least 1"), (["--out-is-a-file"], "is a file")],
)
def test_bad_arguments_get_a_clear_error_and_no_model(
    tiny_settings: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], said: str
) -> None:
    out = tmp_path / "tuned"
    if args == ["--out-is-a-file"]:
        out.write_text("not a model", encoding="utf-8")
        args = []
    assert main(["tune-encoder", "--out", str(out), *args]) == 2
    assert said in capsys.readouterr().err
    assert not out.is_dir()

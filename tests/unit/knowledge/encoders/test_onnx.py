"""The ONNX Runtime backend: a local export of the packaged model, checked against torch."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from knowledge import EncoderError, Index
from knowledge.encoders.base import DEFAULT_MODEL, weights_fingerprint
from knowledge.encoders.factory import open_configured, open_encoder
from knowledge.encoders.int8 import INT8_FILE, INT8_MIN_COSINE
from knowledge.encoders.onnx import (
    META_FILE,
    MODEL_FILE,
    WIDE_TOKENS,
    OnnxEncoder,
    ensure_export,
    export_dir,
    is_current,
)
from knowledge.encoders.sentence import SentenceTransformerEncoder
from settings import Settings, SettingsError


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory, made = ensure_export(DEFAULT_MODEL, tmp_path_factory.mktemp("onnx"))
    assert made
    return directory


def test_the_export_gives_the_same_vectors_as_torch(
    exported: Path, encoder: SentenceTransformerEncoder
) -> None:
    onnx = open_encoder(DEFAULT_MODEL, backend="onnx", onnx_root=exported.parent)
    assert isinstance(onnx, OnnxEncoder) and (onnx.name, onnx.dim) == (encoder.name, encoder.dim)
    texts = ["When did JET start?", "what do jtes want", "日本語", "", "word " * 400]
    vectors = onnx.encode(texts, batch_size=2)
    assert vectors.shape == (5, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors, encoder.encode(texts), atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    meta = json.loads((exported / META_FILE).read_text())
    assert meta["model"] == DEFAULT_MODEL and meta["checked_max_abs_diff"] <= 1e-4
    assert onnx.vocabulary() == encoder.vocabulary()


class _Counting:
    """Wraps an ONNX Runtime session and counts its runs (the real session still runs)."""

    def __init__(self, session: object) -> None:
        self.session, self.runs = session, 0

    def run(self, *args: object) -> object:
        self.runs += 1
        return self.session.run(*args)  # type: ignore[attr-defined]


def test_one_long_text_is_embedded_on_the_wide_session_with_the_same_vector(exported: Path) -> None:
    narrow = OnnxEncoder.open(exported, 1)
    wide = OnnxEncoder.open(exported, 1, long_threads=2)
    story = "My JTE never tells me what the lesson is until we walk into the classroom. " * 6
    question = "What do JTEs think of ALTs?"
    assert wide.count_tokens(story) >= WIDE_TOKENS > wide.count_tokens(question)
    wide._session, wide._wide = _Counting(wide._session), _Counting(wide._wide)
    for text in (story, question):
        np.testing.assert_allclose(wide.encode([text]), narrow.encode([text]), atol=1e-5)
    assert (wide._session.runs, wide._wide.runs) == (1, 1)
    wide.encode([story, story])  # a batch stays on the session of its own threads
    assert (wide._session.runs, wide._wide.runs) == (2, 1)
    assert OnnxEncoder.open(exported, 2, long_threads=2)._wide is None


_STORY = "My JTE never tells me what the lesson is until we walk into the classroom. " * 6


def test_the_export_has_an_int8_copy_that_only_long_queries_use_when_asked(exported: Path) -> None:
    meta = json.loads((exported / META_FILE).read_text())
    assert meta["int8"]["file"] == INT8_FILE and (exported / INT8_FILE).is_file()
    assert meta["int8"]["min_cosine"] >= INT8_MIN_COSINE
    size = (exported / INT8_FILE).stat().st_size
    assert size < 0.7 * (exported / MODEL_FILE).stat().st_size  # the word embeddings stay float
    exact = OnnxEncoder.open(exported, 1)
    assert not exact.long_int8 and OnnxEncoder.open(exported, 1, long_int8="auto").long_int8
    small = OnnxEncoder.open(exported, 1, long_int8="on")  # one thread for long texts, but the copy
    question = "What do JTEs think of ALTs?"
    np.testing.assert_allclose(small.encode([question]), exact.encode([question]), atol=1e-5)
    long_small, long_exact = small.encode([_STORY]), exact.encode([_STORY])
    assert not np.allclose(long_small, long_exact, atol=1e-4)  # the int8 copy ran
    assert 0.98 < float((long_small @ long_exact.T)[0, 0]) < 1.0
    np.testing.assert_allclose(small.encode([_STORY, _STORY]), exact.encode([_STORY, _STORY]), atol=1e-5)


def test_the_int8_copy_is_the_settings_choice_and_refused_where_it_is_missing(
    exported: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    assert Settings.from_env({}).long_query_int8 == "auto"
    spelled = {"AUTO": "auto", "1": "on", "yes": "on", "0": "off", "off": "off"}
    read = {raw: Settings.from_env({"SENPAI_LONG_QUERY_INT8": raw}).long_query_int8 for raw in spelled}
    assert read == spelled
    with pytest.raises(SettingsError, match="SENPAI_LONG_QUERY_INT8 must be auto, 1 or 0"):
        Settings.from_env({"SENPAI_LONG_QUERY_INT8": "maybe"})
    float_vector = OnnxEncoder.open(exported).encode([_STORY])
    for raw, differs in (("", True), ("1", True), ("0", False)):
        chosen = Settings.from_env({"SENPAI_LONG_QUERY_INT8": raw, "SENPAI_ONNX_DIR": str(exported.parent)})
        vector = open_configured(chosen).encode([_STORY])
        assert np.allclose(vector, float_vector, atol=1e-4) is not differs, raw
        batch = open_configured(chosen, threads=2).encode([_STORY])  # a build's batch encoder: float
        np.testing.assert_allclose(batch, float_vector, atol=1e-5)
    older = tmp_path / DEFAULT_MODEL
    shutil.copytree(exported, older)
    weights = weights_fingerprint(DEFAULT_MODEL)
    (older / INT8_FILE).unlink()
    assert not is_current(older, DEFAULT_MODEL, weights)  # onnx.json names a copy that is gone
    meta = json.loads((older / META_FILE).read_text())
    refused = {"refused": "its lowest cosine with the float model is 0.412 (< 0.95)"}
    (older / META_FILE).write_text(json.dumps({**meta, "int8": refused}))  # the copy failed its check
    assert is_current(older, DEFAULT_MODEL, weights)  # the float export still serves
    OnnxEncoder.open(older, 1, 2)
    with pytest.raises(EncoderError, match=r"no int8 copy \(its lowest cosine .*senpai build-index"):
        OnnxEncoder.open(older, 1, 2, long_int8="on")
    with caplog.at_level(logging.WARNING, logger="knowledge.encoders.int8"):
        served = OnnxEncoder.open(older, 1, 2, long_int8="auto")  # the default serves on, float
    assert not served.long_int8 and "its lowest cosine with the float model is 0.412" in caplog.text
    np.testing.assert_allclose(served.encode([_STORY]), float_vector, atol=1e-5)


def test_an_index_ranks_the_same_with_either_backend(
    exported: Path, tiny_index: Index, encoder: SentenceTransformerEncoder
) -> None:
    onnx = OnnxEncoder.open(exported)
    for question in ("When did the JET Programme start?", "What do JTEs think of ALTs?", "weather"):
        torch_hits = tiny_index.search(question, 3)
        onnx_hits = tiny_index.with_encoder(onnx).search(question, 3)
        assert [h.id for h in onnx_hits] == [h.id for h in torch_hits]
        assert [h.score for h in onnx_hits] == pytest.approx([h.score for h in torch_hits], abs=1e-4)


def test_a_second_export_is_skipped_while_the_first_is_current(exported: Path) -> None:
    assert ensure_export(DEFAULT_MODEL, exported.parent) == (exported, False)
    assert export_dir(exported.parent, "sentence-transformers/all-mpnet-base-v2").name == (
        "sentence-transformers_all-mpnet-base-v2"
    )


def test_serving_without_an_export_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match="senpai build-index"):
        open_encoder(DEFAULT_MODEL, backend="onnx", onnx_root=tmp_path)
    with pytest.raises(EncoderError, match="senpai build-index"):
        OnnxEncoder.open(tmp_path)


def test_an_incomplete_or_foreign_export_is_not_current(exported: Path, tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    partial.mkdir()
    (partial / META_FILE).write_text((exported / META_FILE).read_text())
    weights = weights_fingerprint(DEFAULT_MODEL)
    assert not is_current(partial, DEFAULT_MODEL, weights)  # no model.onnx
    (partial / MODEL_FILE).write_bytes(b"not a model")
    (partial / "tokenizer.json").write_text("{}")
    assert not is_current(partial, DEFAULT_MODEL, weights)  # onnx.json names an int8 copy
    (partial / INT8_FILE).write_bytes(b"not a model either")
    assert is_current(partial, DEFAULT_MODEL, weights)
    with pytest.raises(EncoderError, match="unreadable"):
        OnnxEncoder.open(partial)
    assert not is_current(exported, "another-model", weights)
    assert not is_current(exported, DEFAULT_MODEL, "sha256:0123456789abcdef")  # tuned again, same name


def test_the_backend_is_onnx_by_default_and_configurable() -> None:
    assert Settings.from_env({}).encoder_backend == "onnx"
    assert Settings.from_env({"SENPAI_ENCODER_BACKEND": "Torch"}).encoder_backend == "torch"
    assert Settings.from_env({"SENPAI_ONNX_DIR": "/tmp/x"}).onnx_dir == Path("/tmp/x")
    with pytest.raises(SettingsError, match="SENPAI_ENCODER_BACKEND"):
        Settings.from_env({"SENPAI_ENCODER_BACKEND": "tensorrt"})


def test_an_int8_copy_that_cannot_be_made_leaves_the_export_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(source: Path, target: Path) -> None:
        target.write_bytes(b"half a model")
        raise RuntimeError("this operator set is not supported")

    monkeypatch.setattr("knowledge.encoders.onnx.quantize", broken)
    directory, made = ensure_export(DEFAULT_MODEL, tmp_path)
    meta = json.loads((directory / META_FILE).read_text())
    assert made and meta["int8"] == {"refused": "could not be made: this operator set is not supported"}
    assert not (directory / INT8_FILE).exists()
    assert is_current(directory, DEFAULT_MODEL, weights_fingerprint(DEFAULT_MODEL))
    assert OnnxEncoder.open(directory, 1, 2).encode([_STORY]).shape == (1, 384)
    with pytest.raises(EncoderError, match="not supported"):
        open_encoder(DEFAULT_MODEL, backend="onnx", onnx_root=tmp_path, threads=1, long_int8="on")

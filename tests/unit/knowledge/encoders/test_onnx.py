"""The ONNX Runtime backend: a local export of the packaged model, checked against torch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from knowledge import EncoderError, Index
from knowledge.encoders.base import DEFAULT_MODEL, weights_fingerprint
from knowledge.encoders.factory import open_encoder
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

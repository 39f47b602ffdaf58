"""Open the configured encoder for serving: torch, or the local ONNX export of the same model."""

from __future__ import annotations

from pathlib import Path

from knowledge.encoders.base import DEFAULT_MODEL, Backend, Encoder, EncoderError
from knowledge.encoders.onnx import OnnxEncoder, export_dir, is_current
from knowledge.encoders.sentence import load_encoder


def open_encoder(
    name: str = DEFAULT_MODEL,
    *,
    backend: Backend = "torch",
    onnx_root: Path | None = None,
    threads: int | None = None,
) -> Encoder:
    """Open the configured encoder for serving: torch, or a local ONNX export of the same model.

    Args:
        name: Model name or path (see :func:`resolve_model`).
        backend: ``torch`` loads the model with sentence-transformers;
            ``onnx`` loads the export that ``senpai build-index`` made under
            ``onnx_root`` (see :mod:`knowledge.encoders.onnx`), without torch.
        onnx_root: Where exports live (needed for ``onnx``).
        threads: Encoder threads (ONNX Runtime defaults to 1, torch to its own).

    Raises:
        EncoderError: If the model or its export can't be loaded, or the export
            is of another model.
    """
    if backend == "torch":
        return load_encoder(name, threads)
    if onnx_root is None:
        raise EncoderError("the ONNX backend needs the directory of its exports")
    directory = export_dir(onnx_root, name)
    if not is_current(directory, name):
        raise EncoderError(
            f"no ONNX export of {name!r} at {directory}: run `senpai build-index` (it exports the "
            "model), or set SENPAI_ENCODER_BACKEND=torch"
        )
    return OnnxEncoder.open(directory, threads)

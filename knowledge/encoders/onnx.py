"""The ONNX Runtime backend: the same model, exported locally, without torch at serving time.

``senpai build-index`` exports the configured sentence-transformers model to
ONNX from the weights on disk (no model hub), and checks the export against
torch on a set of sample texts before publishing it. The action server then
embeds queries with ONNX Runtime and the model's own fast tokenizer, which is
about three times quicker than torch for one short question on a 2-core CPU
and leaves torch unloaded.

An export is a directory of plain files::

    model.onnx       the transformer, token ids in, token embeddings out
    tokenizer.json   the model's fast tokenizer
    model.int8.onnx  an int8 copy for long queries (:mod:`knowledge.encoders.int8`), if it passed its check
    onnx.json        model name and weights digest, dimension, sequence length, pooling, check results

Only models that mean-pool their token embeddings (like all-MiniLM-L6-v2) are
supported; others are refused with a hint to use ``SENPAI_ENCODER_BACKEND=torch``.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from knowledge.encoders.base import EncoderError, Vectors, weights_fingerprint
from knowledge.encoders.int8 import INT8_FILE, INT8_MIN_COSINE, Int8Use, int8_record, quantize, serves_copy
from knowledge.encoders.sentence import load_encoder

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
META_FILE = "onnx.json"
FORMAT_VERSION = 2  # 2: with the int8 copy
#: Largest difference allowed between an ONNX and a torch vector component at export.
TOLERANCE = 1e-4
#: Texts the export is checked on: short and long, typos, Japanese, empty.
CHECK_TEXTS = (
    "When did the JET Programme start?",
    "what do jtes think of alts",
    "I'm a JTE. How can I help my ALT feel part of the school?",
    "dabbler identitiy",
    "日本語の先生",
    "",
    "ALT " * 300,
)
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
#: A single text of at least this many tokens (about 200 characters of English) is
#: embedded on the wide session, when there is one: its time grows with its length
#: and, unlike a short question's, splits well across threads.
WIDE_TOKENS = 48


def export_dir(root: Path, name: str) -> Path:
    """Where the export of model ``name`` lives under ``root``."""
    return Path(root) / re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")


def read_export_meta(directory: Path) -> dict[str, Any] | None:
    """Return an export's ``onnx.json``, or ``None`` if it is missing or unreadable."""
    try:
        meta = json.loads((Path(directory) / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def is_current(directory: Path, name: str, weights: str | None) -> bool:
    """Whether ``directory`` holds a complete, checked export of model ``name`` with these ``weights``.

    Args:
        directory: The export.
        name: The configured model.
        weights: Its files' digest now (:func:`~knowledge.encoders.base.weights_fingerprint`):
            a model tuned again under the same name is exported again.
    """
    meta = read_export_meta(directory)
    return (
        meta is not None
        and meta.get("format_version") == FORMAT_VERSION
        and meta.get("model") == name
        and meta.get("weights") == weights
        and all((Path(directory) / f).is_file() for f in (MODEL_FILE, TOKENIZER_FILE))
        and (int8_record(meta).get("file") is None or (Path(directory) / INT8_FILE).is_file())
    )


def ensure_export(name: str, root: Path, threads: int | None = None) -> tuple[Path, bool]:
    """Export model ``name`` under ``root`` unless a checked export is already there.

    Returns:
        The export directory, and whether it was exported now.

    Raises:
        EncoderError: If the model can't be loaded or exported, or the export
            disagrees with torch.
    """
    directory = export_dir(root, name)
    if is_current(directory, name, weights_fingerprint(name)):
        return directory, False
    export(name, directory, threads)
    return directory, True


def export(name: str, directory: Path, threads: int | None = None) -> Path:
    """Export model ``name`` to ONNX in ``directory`` and check it against torch.

    The files are written to a temporary sibling and renamed into place, so a
    reader never sees a half-written export.

    Raises:
        EncoderError: If the model is not a mean-pooling model, or the export's
            vectors differ from torch's by more than :data:`TOLERANCE`.
    """
    import torch

    reference = load_encoder(name, threads)
    model = reference.model
    modules = list(model)
    pooling = getattr(modules[1], "pooling_mode", None) if len(modules) > 1 else None
    if pooling != "mean" or not hasattr(modules[0], "auto_model"):
        raise EncoderError(
            f"the ONNX backend supports mean-pooling transformer models; {name!r} is not one. "
            "Set SENPAI_ENCODER_BACKEND=torch."
        )
    transformer = modules[0].auto_model.eval()
    tokenizer = model.tokenizer
    if not getattr(tokenizer, "is_fast", False):
        raise EncoderError(f"{name!r} has no fast tokenizer; set SENPAI_ENCODER_BACKEND=torch.")
    sample = tokenizer(
        ["a short example", "and a second, longer example text"], padding=True, return_tensors="pt"
    )
    inputs = [n for n in _INPUTS if n in sample]

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, inner: Any) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, *args: Any) -> Any:
            return self.inner(**dict(zip(inputs, args, strict=True))).last_hidden_state

    directory = Path(directory)
    tmp = directory.with_name(f".{directory.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    started = time.perf_counter()
    try:
        with torch.no_grad(), warnings.catch_warnings():
            # The tracer warns about shape checks it freezes; the check against torch below
            # (padded batches, truncated long texts) is what tells whether the export is right.
            warnings.simplefilter("ignore")
            torch.onnx.export(
                TokenEmbeddings(transformer),
                tuple(sample[n] for n in inputs),
                str(tmp / MODEL_FILE),
                input_names=inputs,
                output_names=["token_embeddings"],
                dynamic_axes={n: {0: "batch", 1: "tokens"} for n in (*inputs, "token_embeddings")},
                opset_version=17,
                dynamo=False,
            )
        tokenizer.backend_tokenizer.save(str(tmp / TOKENIZER_FILE))
    except Exception as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise EncoderError(f"could not export {name!r} to ONNX: {exc}") from exc
    meta: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "model": name,
        "weights": reference.weights,
        "dim": reference.dim,
        "max_seq_length": int(model.max_seq_length),
        "inputs": inputs,
        "pooling": "mean",
        "torch": torch.__version__,
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "export_s": round(time.perf_counter() - started, 2),
    }
    (tmp / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    texts = list(CHECK_TEXTS)
    exported = OnnxEncoder.open(tmp, threads)
    vectors = exported.encode(texts)
    difference = float(np.max(np.abs(vectors - reference.encode(texts))))
    if not difference <= TOLERANCE:
        shutil.rmtree(tmp, ignore_errors=True)
        raise EncoderError(
            f"the ONNX export of {name!r} differs from torch by {difference:.2g} (> {TOLERANCE}); "
            "set SENPAI_ENCODER_BACKEND=torch"
        )
    meta["checked_max_abs_diff"] = difference
    meta["int8"] = _int8_copy(exported, tmp, texts, vectors, threads)
    (tmp / META_FILE).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    shutil.rmtree(directory, ignore_errors=True)
    os.replace(tmp, directory)
    return directory


def _int8_copy(
    exported: OnnxEncoder, directory: Path, texts: list[str], vectors: Vectors, threads: int | None
) -> dict[str, Any]:
    """Make the export's int8 copy and check it against the float model's ``vectors`` of ``texts``.

    Args:
        exported: The float export just checked against torch (its tokenizer is reused).
        directory: The export's directory.
        texts: The check texts.
        vectors: The float export's vectors of them.
        threads: Threads of the copy's session.

    Returns:
        What ``onnx.json`` records of it: its ``file`` and lowest cosine with the float
        vectors, or why it was ``refused`` (it could not be made, or fell below
        :data:`INT8_MIN_COSINE`). The float export is published either way: without
        the copy, long texts use the float model (``SENPAI_LONG_QUERY_INT8=1`` refuses).
    """
    try:
        import onnxruntime as ort

        quantize(directory / MODEL_FILE, directory / INT8_FILE)
        small = copy.copy(exported)  # the same tokenizer; every check text on the int8 copy
        small._session = _session(ort, directory, threads or 1, file=INT8_FILE)
        small._wide = None
        cosine = float(np.min(np.sum(vectors * small.encode(texts), axis=1)))
    except Exception as exc:  # the float export stands without it
        (directory / INT8_FILE).unlink(missing_ok=True)
        return {"refused": f"could not be made: {exc}"}
    if cosine < INT8_MIN_COSINE:
        (directory / INT8_FILE).unlink(missing_ok=True)
        return {"refused": f"its lowest cosine with the float model is {cosine:.3f} (< {INT8_MIN_COSINE})"}
    return {"file": INT8_FILE, "min_cosine": round(cosine, 5)}


def _session(ort: Any, directory: Path, threads: int, *, spin: bool = True, file: str = MODEL_FILE) -> Any:
    """An ONNX Runtime session of the export's ``file`` (``spin=False``: its threads sleep when idle)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if not spin:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(directory / file), options, providers=["CPUExecutionProvider"])


class OnnxEncoder:
    """An :class:`~knowledge.encoders.base.Encoder` running an export with ONNX Runtime (no torch)."""

    def __init__(
        self,
        name: str,
        session: Any,
        tokenizer: Any,
        dim: int,
        inputs: list[str],
        max_tokens: int = 512,
        wide: Any | None = None,
        weights: str | None = None,
        *,
        long_int8: bool = False,
    ) -> None:
        self.name = name
        #: Whether ``wide`` runs the int8 copy (long texts' vectors then differ a little).
        self.long_int8 = long_int8
        #: The digest of the files the export was made from (``weights`` in ``onnx.json``).
        self.weights = weights
        self.dim = dim
        #: The model's maximum sequence length; longer texts are truncated to it.
        self.max_tokens = max_tokens
        #: WordPiece gives at most one token a character; other tokenizers (byte-level BPE) up to four.
        self.tokens_per_char = 1 if type(tokenizer.model).__name__ == "WordPiece" else 4
        self._session = session
        #: A session of the same model with more threads, for one long text (``None``: none).
        self._wide = wide
        self._tokenizer = tokenizer
        self._inputs = inputs

    @classmethod
    def open(
        cls,
        directory: Path,
        threads: int | None = None,
        long_threads: int | None = None,
        *,
        long_int8: Int8Use = "off",
    ) -> OnnxEncoder:
        """Load an export made by :func:`export`.

        Args:
            directory: The export.
            threads: Threads of the session that embeds questions and batches (1 by default:
                a short question does not split well, and the action server runs two at once).
            long_threads: With more than ``threads``, a second session with this many
                threads embeds a single text of :data:`WIDE_TOKENS` or more, such as a
                question inside a back-story: on two cores it takes about 60% of the time
                (docs/operations.md, "Performance"). Its threads sleep between calls
                rather than spin, so it takes nothing from other work while idle.
            long_int8: ``on``: that session runs the export's int8 copy
                (:mod:`knowledge.encoders.int8`), with ``long_threads`` or ``threads``
                threads, whichever is more; ``auto``: the same if the export has a checked
                copy, else the float model (with a warning saying why); ``off``: never.

        Raises:
            EncoderError: If the export is missing or unreadable, or ``long_int8`` is ``on``
                for an export without an int8 copy.
        """
        import onnxruntime as ort
        from tokenizers import Tokenizer

        directory = Path(directory)
        meta = read_export_meta(directory)
        if meta is None:
            raise EncoderError(
                f"no ONNX export at {directory}: run `senpai build-index` (it exports the model), "
                "or set SENPAI_ENCODER_BACKEND=torch"
            )
        use_copy = serves_copy(meta, long_int8, directory)
        try:
            tokenizer = Tokenizer.from_file(str(directory / TOKENIZER_FILE))
            tokenizer.enable_truncation(int(meta["max_seq_length"]))
            tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]") or 0)
            narrow, broad = threads or 1, long_threads or 0
            session = _session(ort, directory, narrow)
            # A second session for long texts: more threads, or the int8 copy, or both.
            model = INT8_FILE if use_copy else MODEL_FILE
            wide = (
                _session(ort, directory, max(broad, narrow), spin=False, file=model)
                if use_copy or broad > narrow
                else None
            )
        except Exception as exc:
            raise EncoderError(f"the ONNX export at {directory} is unreadable ({exc}); rebuild it") from exc
        return cls(
            str(meta["model"]),
            session,
            tokenizer,
            int(meta["dim"]),
            list(meta["inputs"]),
            int(meta["max_seq_length"]),
            wide,
            meta.get("weights"),
            long_int8=use_copy,
        )

    def count_tokens(self, text: str) -> int:
        """How many tokens the model is given for ``text`` (at most :attr:`max_tokens`: it truncates)."""
        return len(self._tokenizer.encode(text).ids)

    def vocabulary(self) -> frozenset[str]:
        """Whole words the model's tokenizer knows (used to tell typos from real words)."""
        words = (t for t in self._tokenizer.get_vocab() if not t.startswith("##"))
        return frozenset(w.lower() for w in words if w.isalpha())

    def encode(self, texts: list[str], batch_size: int = 32) -> Vectors:
        """Encode texts into unit vectors: token embeddings, mean-pooled over real tokens, normalised.

        Returns:
            An ``(len(texts), dim)`` float32 array with rows of norm 1.
        """
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(texts), batch_size):
            batch = self._tokenizer.encode_batch(texts[start : start + batch_size])
            feed = {
                "input_ids": np.asarray([e.ids for e in batch], dtype=np.int64),
                "attention_mask": np.asarray([e.attention_mask for e in batch], dtype=np.int64),
                "token_type_ids": np.asarray([e.type_ids for e in batch], dtype=np.int64),
            }
            long = len(batch) == 1 and len(batch[0].ids) >= WIDE_TOKENS
            session = self._wide if long and self._wide is not None else self._session
            (tokens,) = session.run(None, {n: feed[n] for n in self._inputs})
            mask = feed["attention_mask"][:, :, None].astype(np.float32)
            pooled = (tokens * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9)
            norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[start : start + len(batch)] = pooled / norms
        return out

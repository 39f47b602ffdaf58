"""The torch backend: a sentence-transformers model on the CPU.

Nothing is loaded at import. :func:`load_encoder` is the factory; call it once
at start-up and share the result.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from knowledge.encoders.base import DEFAULT_MODEL, EncoderError, Vectors, resolve_model, weights_fingerprint


class SentenceTransformerEncoder:
    """An :class:`Encoder` backed by a sentence-transformers model on the CPU."""

    def __init__(self, name: str, model: Any, weights: str | None = None) -> None:
        self.name = name
        #: The digest of the model's files (:func:`~knowledge.encoders.base.weights_fingerprint`).
        self.weights = weights
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
    return SentenceTransformerEncoder(name, model, weights_fingerprint(name))

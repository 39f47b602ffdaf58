"""An LRU cache of recent single queries' vectors, shared by the threads that embed them."""

from __future__ import annotations

import threading
from collections import OrderedDict

from knowledge.encoders.base import Encoder, Vectors, weights_of
from knowledge.encoders.window import WINDOW_ATTRIBUTES

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
    see :meth:`knowledge.search.index.Index.warm`).

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
        self.weights = weights_of(inner)
        self.size = size
        self.hits = 0
        self.misses = 0
        for name in WINDOW_ATTRIBUTES:  # so a query is cut to the inner encoder's window
            if hasattr(inner, name):
                setattr(self, name, getattr(inner, name))
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

"""Centring: take the mean of an index's own vectors out of every stored vector and every query.

multilingual-e5 gives almost any two Japanese texts a cosine between 0.86
and 0.99: its vectors share one large common direction, and a long message
is close to every passage along it. Subtracting the mean of the index's
vectors, then normalising again, for the stored vectors and each query
alike, leaves the directions in which texts differ (the first step of
"all-but-the-top", Mu and Viswanath, 2018). Ranking, the answer rule and the
scope rule then work on cosines that spread; measured in docs/retrieval.md
("Real questions", item 8).

The mean is a property of the build, like the adapter: it is saved next to
the index as ``centre.npy`` and applied to every query embedded later.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]


def fit_centre(vectors: Matrix) -> Matrix:
    """The mean of an index's stored unit vectors, as a ``(1, dim)`` row.

    Raises:
        ValueError: If there are no vectors.
    """
    if not len(vectors):
        raise ValueError("no vectors to centre")
    centre: Matrix = np.asarray(vectors, dtype=np.float64).mean(axis=0, keepdims=True).astype(np.float32)
    return centre


def apply_centre(vectors: Matrix, centre: Matrix | None) -> Matrix:
    """Subtract the centre and renormalise each row (unchanged when ``centre`` is ``None``)."""
    if centre is None:
        return vectors
    moved = np.asarray(vectors, dtype=np.float32) - centre
    norms = np.maximum(np.linalg.norm(moved, axis=1, keepdims=True), 1e-12)
    out: Matrix = (moved / norms).astype(np.float32)
    return out

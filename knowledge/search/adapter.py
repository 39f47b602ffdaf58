"""A linear adapter that fits the embedding space to the corpus, learnt from its own example questions.

The organisers' example questions say, for every passage, how people ask for
it. At build time Senpai fits one ``dim x dim`` matrix ``W`` so that, after
``x -> normalise(W x)``, each example question lands closest to its own
passage's title and text among all passages (softmax cross-entropy over the
corpus, with an L2 pull towards the identity so the space moves only as far
as the examples ask). Every stored vector and every query go through the same
map, so all similarities stay cosines in one space.

It needs no other model and no labelled data beyond the corpus: the
development and held-out sets are never used for fitting. Fitting takes a
few seconds on two cores (1.3 s, plus about 2 s to import torch; it works on
vectors already computed); applying it to a query is one small matrix
product. The matrix is saved next to the index as ``adapter.npy`` (a plain
NumPy array, never pickle). See docs/retrieval.md, "Retrieval quality", for what it
gains.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]


@dataclass(frozen=True)
class AdapterConfig:
    """How the adapter is fitted (chosen on the development set; see docs/retrieval.md).

    Attributes:
        steps: Full-batch Adam steps.
        learning_rate: Adam's step size.
        l2: Weight of ``||W - I||^2``, which keeps the map near the identity.
        scale: Inverse temperature of the softmax over passages.
    """

    steps: int = 200
    learning_rate: float = 0.01
    l2: float = 0.005
    scale: float = 20.0

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-ready dict (kept in the index's ``meta.json``)."""
        return asdict(self)


def fit_adapter(
    questions: Matrix, targets: Sequence[int], passages: Matrix, config: AdapterConfig
) -> tuple[Matrix, float]:
    """Fit ``W`` so that each example question is nearest its own passage.

    Args:
        questions: ``(n, dim)`` unit vectors of the example questions.
        targets: For each question, the row of its passage in ``passages``.
        passages: ``(m, dim)`` unit vectors of the passages (title and text).
        config: Steps, learning rate, L2 weight and softmax scale.

    Returns:
        The ``(dim, dim)`` float32 matrix and the final training loss.

    Raises:
        ValueError: On mismatched shapes or targets out of range.
    """
    dim = passages.shape[1]
    if questions.ndim != 2 or questions.shape[1] != dim or len(targets) != len(questions):
        raise ValueError("questions, targets and passages do not match")
    if len(targets) and not 0 <= min(targets) <= max(targets) < len(passages):
        raise ValueError("a target is not a passage row")
    import torch  # build time only: the action server never fits an adapter

    with torch.random.fork_rng():
        torch.manual_seed(0)
        identity = torch.eye(dim)
        weight = torch.nn.Parameter(identity.clone())
        q = torch.from_numpy(np.ascontiguousarray(questions, dtype=np.float32))
        p = torch.from_numpy(np.ascontiguousarray(passages, dtype=np.float32))
        y = torch.as_tensor(list(targets), dtype=torch.long)
        optimiser = torch.optim.Adam([weight], lr=config.learning_rate)
        loss = torch.zeros(())
        for _ in range(config.steps if len(targets) else 0):
            mapped_q = torch.nn.functional.normalize(q @ weight.T, dim=-1)
            mapped_p = torch.nn.functional.normalize(p @ weight.T, dim=-1)
            logits = config.scale * mapped_q @ mapped_p.T
            loss = torch.nn.functional.cross_entropy(logits, y) + config.l2 * ((weight - identity) ** 2).sum()
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
        return weight.detach().numpy().astype(np.float32), float(loss.detach())


def apply_adapter(vectors: Matrix, weight: Matrix | None) -> Matrix:
    """Map vectors through ``W`` and renormalise them (unchanged when ``weight`` is ``None``)."""
    if weight is None:
        return vectors
    mapped = np.asarray(vectors, dtype=np.float32) @ weight.T
    norms = np.maximum(np.linalg.norm(mapped, axis=1, keepdims=True), 1e-12)
    out: Matrix = (mapped / norms).astype(np.float32)
    return out


def fit_on_views(vectors: Matrix, views: Sequence[Sequence[str]], config: AdapterConfig) -> Matrix:
    """Fit the adapter on an index's own rows: each passage's questions against its title and text.

    Args:
        vectors: The index's rows, every passage's views in order.
        views: Each passage's views: its title and text first, then its example questions.
        config: How to fit.
    """
    text_rows: list[int] = []
    question_rows: list[int] = []
    targets: list[int] = []
    row = 0
    for n, passage_views in enumerate(views):
        count = len(passage_views)
        text_rows.append(row)
        question_rows += range(row + 1, row + count)
        targets += [n] * (count - 1)
        row += count
    weight, _ = fit_adapter(vectors[question_rows], targets, vectors[text_rows], config)
    return weight


class AdapterSettings(Protocol):
    """What :func:`configured_adapter` reads from the settings."""

    @property
    def adapter(self) -> bool: ...  # noqa: D102


def configured_adapter(settings: AdapterSettings) -> AdapterConfig | None:
    """How ``build-index`` fits the linear adapter, or ``None`` when it is off (``SENPAI_ADAPTER=0``)."""
    return AdapterConfig() if settings.adapter else None

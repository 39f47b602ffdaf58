"""The questions Senpai fell back on, clustered by meaning: the list an organiser acts on.

Each question is embedded with the encoder Senpai searches its language with
(all-MiniLM-L6-v2 for English, multilingual-e5-small for Japanese), and the
questions of one language are grouped by scikit-learn's agglomerative
clustering (average linkage over cosine distance, cut at a distance chosen
on a seeded set of themes; ``tests/unit/organisers/test_insights.py``). Identical
questions are embedded once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from knowledge.encoders.base import Encoder
from knowledge.encoders.window import fit
from knowledge.text.language import detect
from organisers.insights.overview import Missed

#: Where a cluster is cut, in cosine distance, per encoder (e5's similarities sit closer together).
CUT = {"en": 0.6, "ja": 0.12}
EXAMPLES = 5


@dataclass
class Cluster:
    """Missed questions that ask about the same thing."""

    language: str
    examples: list[str]
    members: list[Missed] = field(default_factory=list)
    nearest: str | None = None
    score: float | None = None
    not_covered: str | None = None

    @property
    def size(self) -> int:
        """How many times a question of this cluster was asked."""
        return len(self.members)


def cluster(missed: Sequence[Missed], encoders: Mapping[str, Encoder]) -> list[Cluster]:
    """Group missed questions by meaning, largest group first.

    Args:
        missed: The questions (see :func:`organisers.insights.overview.missed`).
        encoders: The encoder of each language (``en``, ``ja``); a language
            without one is embedded with the English encoder.
    """
    by_language: dict[str, list[Missed]] = {}
    for m in missed:
        by_language.setdefault(detect(m.text), []).append(m)
    out: list[Cluster] = []
    for language, items in by_language.items():
        encoder = encoders.get(language) or encoders["en"]
        out += _cluster_one_language(language, items, encoder, CUT.get(language, CUT["en"]))
    return sorted(out, key=lambda c: (-c.size, c.examples[0]))


def _cluster_one_language(language: str, items: list[Missed], encoder: Encoder, cut: float) -> list[Cluster]:
    texts = list(dict.fromkeys(" ".join(m.text.split()) for m in items))
    by_length = sorted(range(len(texts)), key=lambda i: len(texts[i]))  # less padding in each batch
    vectors = np.empty((len(texts), encoder.dim), dtype=np.float32)
    # Each is cut to the encoder's query window, as in a chat turn: a stored message's cost is bounded.
    vectors[by_length] = encoder.encode([fit(texts[i], encoder) for i in by_length])
    if len(texts) == 1:
        labels = np.zeros(1, dtype=int)
    else:
        from sklearn.cluster import AgglomerativeClustering

        model = AgglomerativeClustering(
            n_clusters=None, distance_threshold=cut, metric="cosine", linkage="average"
        )
        labels = model.fit_predict(vectors)
    label_of = dict(zip(texts, labels.tolist(), strict=True))
    groups: dict[int, Cluster] = {}
    for label in sorted(set(labels.tolist())):
        rows = [i for i, lab in enumerate(labels.tolist()) if lab == label]
        centre = vectors[rows].mean(axis=0)
        order = sorted(rows, key=lambda i: -float(vectors[i] @ centre))
        groups[label] = Cluster(language, [texts[i] for i in order[:EXAMPLES]])
    for m in items:
        groups[label_of[" ".join(m.text.split())]].members.append(m)
    for group in groups.values():
        _describe(group)
    return list(groups.values())


def _describe(group: Cluster) -> None:
    """The passage the cluster's questions came closest to, and the topic that refused them."""
    nearest = Counter(m.nearest for m in group.members if m.nearest)
    if nearest:
        group.nearest = nearest.most_common(1)[0][0]
        scores = [m.score for m in group.members if m.nearest == group.nearest and m.score is not None]
        group.score = round(max(scores), 4) if scores else None
    refused = Counter(m.not_covered for m in group.members if m.not_covered)
    group.not_covered = refused.most_common(1)[0][0] if refused else None

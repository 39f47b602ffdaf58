"""Fine-tuning the English encoder on the corpus's own questions (``senpai tune-encoder``).

The linear adapter (:mod:`knowledge.search.adapter`) turns the embedding space
a little towards the corpus. This goes further: it trains every weight of the
sentence-transformers model, contrastively, so that each passage's example
questions and situations land nearest that passage's title and text, and each
not-covered topic's examples nearest that topic (softmax cross-entropy over
the few passages and topics of a batch, each with a few of its questions: the
others in the batch are a question's negatives). Like the adapter it learns
only from the corpus: the evaluation sets are never read.

The result is a plain sentence-transformers directory, which
``SENPAI_EMBEDDING_MODEL`` takes like any other local model; ``build-index``
then exports it to ONNX and fits the adapter on top, as for the packaged
model. Serving costs nothing more (the same architecture). Training takes
about three minutes on two cores: a passage's text, the long side of a pair,
is embedded once for the few questions of it a batch holds. What it gains is
in docs/retrieval.md, item 14.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.content.corpus import passage_views
from knowledge.encoders.sentence import load_encoder

if TYPE_CHECKING:
    from knowledge.content.corpus import Corpus

#: One training pair: a question and the row of its target text.
Pair = tuple[str, int]


@dataclass(frozen=True)
class TuningConfig:
    """How the encoder is tuned (chosen on the development sets; see docs/retrieval.md, item 14).

    Attributes:
        epochs: Passes over every pair.
        learning_rate: AdamW's step size.
        targets_per_batch: Passages and topics in a batch (the softmax is over them).
        pairs_per_target: Questions of each of them in a batch, at most.
        scale: Inverse temperature of the softmax over a batch's targets.
        max_tokens: Tokens the model reads of each text while training.
        seed: Seed of the shuffles and of torch, so a run can be repeated on one
            machine. Runs differ by a question or two on the development sets;
            3 is the first of five seeds that kept every development figure
            (docs/retrieval.md, item 14).
    """

    epochs: int = 3
    learning_rate: float = 2e-5
    targets_per_batch: int = 8
    pairs_per_target: int = 4
    scale: float = 20.0
    max_tokens: int = 128
    seed: int = 3

    def __post_init__(self) -> None:
        """Refuse settings that would train nothing, or nothing sensible.

        Raises:
            ValueError: On fewer than one epoch, a step size that is not
                positive, batches of fewer than two targets (no negatives) or
                no pairs, or fewer than 8 tokens.
        """
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, not {self.epochs}")
        if not self.learning_rate > 0:
            raise ValueError(f"the learning rate must be positive, not {self.learning_rate}")
        if self.targets_per_batch < 2:
            raise ValueError(f"a batch needs 2 targets or more (its negatives), not {self.targets_per_batch}")
        if self.pairs_per_target < 1:
            raise ValueError(f"a batch needs at least 1 pair a target, not {self.pairs_per_target}")
        if self.max_tokens < 8:
            raise ValueError(f"max_tokens must be at least 8, not {self.max_tokens}")


@dataclass(frozen=True)
class TuningReport:
    """What a tuning run did.

    Attributes:
        pairs: Training pairs (questions and situations, not-covered examples).
        targets: Texts the pairs point at (passages and not-covered topics).
        losses: Mean loss of each epoch.
        seconds: Wall time of the training.
    """

    pairs: int
    targets: int
    losses: tuple[float, ...]
    seconds: float


def training_pairs(corpus: Corpus) -> tuple[list[str], list[Pair]]:
    """The English training data: every target text, and every (question, target row) pair.

    A passage's target is its title and text, its pairs its questions and
    situations (the views :func:`~knowledge.content.corpus.passage_views` embeds).
    A not-covered topic's target is its title and who to ask, its pairs its
    examples, so tuning pulls those apart from the passages too.
    """
    targets: list[str] = []
    pairs: list[Pair] = []
    for passage in corpus.passages:
        text, *asked = passage_views(passage, "en")
        pairs += [(q, len(targets)) for q in asked]
        targets.append(text)
    for topic in corpus.not_covered:
        pairs += [(q, len(targets)) for q in topic.examples]
        targets.append(f"{topic.title}. {topic.who_to_ask}")
    return targets, pairs


def batches(pairs: Sequence[Pair], targets: int, per_target: int, rng: random.Random) -> list[list[Pair]]:
    """Shuffle the pairs into batches of a few targets, each with a few of its pairs; every pair once.

    Rounds over the targets that still have pairs, in a new order each round,
    take ``targets`` of them at a time and up to ``per_target`` pairs of each;
    the batches are then shuffled. A target is embedded once for all its pairs
    in a batch, which is what makes tuning quick: its text is the long side.

    Args:
        pairs: The training pairs.
        targets: Targets in a batch, at most.
        per_target: Pairs of one target in a batch, at most.
        rng: The shuffles' random source.
    """
    pending: dict[int, list[Pair]] = {}
    for pair in pairs:
        pending.setdefault(pair[1], []).append(pair)
    for group in pending.values():
        rng.shuffle(group)
    out: list[list[Pair]] = []
    while pending:
        rows = list(pending)
        rng.shuffle(rows)
        for start in range(0, len(rows), targets):
            batch: list[Pair] = []
            for row in rows[start : start + targets]:
                batch += pending[row][:per_target]
                pending[row] = pending[row][per_target:]
                if not pending[row]:
                    del pending[row]
            out.append(batch)
    rng.shuffle(out)
    return out


def tune_encoder(
    model: str, corpus: Corpus, out: Path, config: TuningConfig, threads: int | None = None
) -> TuningReport:
    """Fine-tune ``model`` on the corpus and save it as a sentence-transformers directory at ``out``.

    Args:
        model: The configured model (``all-MiniLM-L6-v2`` or a local directory).
        corpus: The corpus whose questions teach the model.
        out: Where to save the tuned model (created; replaced if it exists).
        config: Epochs, learning rate, batch size, softmax scale, tokens, seed.
        threads: Torch threads (default: torch's own choice).

    Returns:
        What the run did.

    Raises:
        ValueError: If the corpus has no questions to learn from, or ``out``
            is a file.
        EncoderError: If the model cannot be loaded.
    """
    targets, pairs = training_pairs(corpus)
    if not pairs:
        raise ValueError("the corpus has no example questions to tune on")
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out} is a file, not a directory for the model")
    import torch  # build time only: serving never trains

    encoder = load_encoder(model, threads).model  # offline, as every process loads it
    rng = random.Random(config.seed)
    torch.manual_seed(config.seed)
    encoder.max_seq_length = config.max_tokens
    optimiser = torch.optim.AdamW(encoder.parameters(), lr=config.learning_rate)

    def embed(texts: list[str]) -> torch.Tensor:
        features = encoder.preprocess(texts)
        return torch.nn.functional.normalize(encoder(features)["sentence_embedding"], dim=-1)

    started = time.perf_counter()
    losses: list[float] = []
    encoder.train()
    for _ in range(config.epochs):
        total, count = 0.0, 0
        for batch in batches(pairs, config.targets_per_batch, config.pairs_per_target, rng):
            rows = sorted({row for _, row in batch})
            column = {row: i for i, row in enumerate(rows)}
            asked = embed([q for q, _ in batch])
            answers = embed([targets[row] for row in rows])
            logits = config.scale * asked @ answers.T
            labels = torch.tensor([column[row] for _, row in batch])
            loss = torch.nn.functional.cross_entropy(logits, labels)
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            total, count = total + float(loss.detach()), count + 1
        losses.append(total / count)
    encoder.eval()
    out.mkdir(parents=True, exist_ok=True)
    encoder.save(str(out))
    return TuningReport(len(pairs), len(targets), tuple(losses), time.perf_counter() - started)

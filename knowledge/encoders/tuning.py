"""Fine-tuning the English encoder on the corpus's own questions (``senpai tune-encoder``).

The linear adapter (:mod:`knowledge.search.adapter`) turns the embedding space
a little towards the corpus. This goes further: it trains every weight of the
sentence-transformers model, contrastively, so that each passage's example
questions and situations land nearest that passage's title and text, and each
not-covered topic's examples nearest that topic (in-batch negatives, one pair
per passage or topic in a batch, softmax cross-entropy). Like the adapter it
learns only from the corpus: the evaluation sets are never read.

The result is a plain sentence-transformers directory, which
``SENPAI_EMBEDDING_MODEL`` takes like any other local model; ``build-index``
then exports it to ONNX and fits the adapter on top, as for the packaged
model. Serving costs nothing more (the same architecture), but training takes
minutes on two cores, so it is a step an operator runs, not part of every
build. What it gains is in docs/retrieval.md, item 14.
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
        batch_size: Pairs per batch, each with a different target.
        scale: Inverse temperature of the softmax over a batch's targets.
        max_tokens: Tokens the model reads of each text while training.
        seed: Seed of the shuffles and of torch, so a run can be repeated.
    """

    epochs: int = 3
    learning_rate: float = 2e-5
    batch_size: int = 32
    scale: float = 20.0
    max_tokens: int = 128
    seed: int = 0

    def __post_init__(self) -> None:
        """Refuse settings that would train nothing, or nothing sensible.

        Raises:
            ValueError: On fewer than one epoch, a step size that is not
                positive, batches of fewer than two pairs (no negatives), or
                fewer than 8 tokens.
        """
        if self.epochs < 1:
            raise ValueError(f"epochs must be at least 1, not {self.epochs}")
        if not self.learning_rate > 0:
            raise ValueError(f"the learning rate must be positive, not {self.learning_rate}")
        if self.batch_size < 2:
            raise ValueError(f"a batch needs at least 2 pairs (its negatives), not {self.batch_size}")
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


def batches(pairs: Sequence[Pair], size: int, rng: random.Random) -> list[list[Pair]]:
    """Shuffle the pairs into batches in which no target appears twice (its in-batch negatives are others).

    Args:
        pairs: The training pairs.
        size: The largest batch.
        rng: The shuffle's random source.
    """
    pending = list(pairs)
    rng.shuffle(pending)
    out: list[list[Pair]] = []
    while pending:
        seen: set[int] = set()
        batch: list[Pair] = []
        rest: list[Pair] = []
        for pair in pending:
            if pair[1] in seen or len(batch) >= size:
                rest.append(pair)
            else:
                seen.add(pair[1])
                batch.append(pair)
        out.append(batch)
        pending = rest
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
        for batch in batches(pairs, config.batch_size, rng):
            asked = embed([q for q, _ in batch])
            answers = embed([targets[row] for _, row in batch])
            logits = config.scale * asked @ answers.T
            loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(batch)))
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
            total, count = total + float(loss.detach()), count + 1
        losses.append(total / count)
    encoder.eval()
    out.mkdir(parents=True, exist_ok=True)
    encoder.save(str(out))
    return TuningReport(len(pairs), len(targets), tuple(losses), time.perf_counter() - started)

"""The index and thresholds the bot runs with, built from the corpus as it is now (nothing published)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knowledge import Corpus, Index
    from knowledge.search.decide import Policy
    from settings import Settings


def bot_index(settings: Settings, corpus: Corpus) -> tuple[Index, Policy]:
    """The index and thresholds the bot runs with, built from the corpus as it is now (nothing published)."""
    from knowledge import build_index

    index = build_index(
        corpus.passages,
        settings.open_encoder(),
        topics=corpus.topics,
        not_covered=corpus.not_covered,
        lexical_weight=settings.lexical_weight,
        adapter=settings.adapter_config(),
        japanese=settings.open_japanese_encoder(),
        cache_dir=settings.embedding_cache_dir,
    )
    return index, settings.policy()

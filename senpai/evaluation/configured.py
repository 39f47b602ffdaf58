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
    from knowledge.encoders.factory import open_configured, open_japanese, open_second
    from knowledge.search.adapter import configured_adapter
    from knowledge.search.decide import configured_policy

    index = build_index(
        corpus.passages,
        open_configured(settings),
        topics=corpus.topics,
        not_covered=corpus.not_covered,
        lexical_weight=settings.lexical_weight,
        adapter=configured_adapter(settings),
        japanese=open_japanese(settings),
        second=open_second(settings),
        cache_dir=settings.embedding_cache_dir,
    )
    return index, configured_policy(settings)

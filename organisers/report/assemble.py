"""The report for a range and a cohort, from the stores the settings name (what the page and CLI call)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from knowledge.content.corpus import Passage, load_corpus
from organisers.insights.queries import Store
from organisers.report.cohort import Cohort, questions
from organisers.report.refinements import Refinements
from organisers.report.tally import build
from organisers.report.themes import Themes
from settings import Settings


def passages_of(settings: Settings) -> dict[str, Passage]:
    """The corpus's passages by id (their titles, topics and citations)."""
    return {p.id: p for p in load_corpus(settings.corpus_dir, None).passages}


def report(
    settings: Settings,
    since: float,
    until: float,
    cohort: Cohort,
    *,
    lang: str = "en",
    quotes: bool = True,
    name: Callable[[str], str] = lambda s: s,
    store: Store | None = None,
    passages: dict[str, Passage] | None = None,
    refinements: Refinements | None = None,
) -> dict[str, Any]:
    """Read the range's questions, theme them (with the organisers' refinements) and tally them.

    Args:
        settings: Where the stores and the corpus are.
        since: Start of the range (Unix seconds).
        until: End of the range (excluded).
        cohort: Who the report is about.
        lang: The organiser's language (``en`` or ``ja``).
        quotes: Whether to quote questions.
        name: A conversation's pseudonym.
        store: The tracker store (default: the settings').
        passages: The corpus's passages (default: read from the settings' corpus).
        refinements: The organisers' refinements (default: the settings' store).
    """
    found = passages if passages is not None else passages_of(settings)
    themes = Themes.load({pid: p.topic for pid, p in found.items()})
    hidden = (refinements or Refinements.of(settings)).apply(themes)
    asked = questions(store or Store.of(settings), since, until, themes)
    return build(asked, since, until, cohort, found, lang=lang, hidden=hidden, name=name, quotes=quotes)

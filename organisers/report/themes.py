"""The report's themes: the study's three wants, what orientations cover today, and the rest.

The mapping from passages and not-covered topics to themes is written down in
``knowledge/scope/themes.yaml``; an organiser's refinements
(:mod:`organisers.report.refinements`) override it, one source at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import yaml

from settings import PROJECT_ROOT

ROLE_IDENTITY: Final = "role_identity"
JTES: Final = "jtes"
JET_AIMS: Final = "jet_aims"
LIVING: Final = "living_in_japan"
OTHER: Final = "other"
#: Every theme, in the order the report lists them.
THEMES: Final = (ROLE_IDENTITY, JTES, JET_AIMS, LIVING, OTHER)
#: The study's three wants: what ALTs said they want orientation to help them understand.
WANTS: Final = (ROLE_IDENTITY, JTES, JET_AIMS)
#: The mapping as written down.
MAPPING_FILE: Final = PROJECT_ROOT / "knowledge" / "scope" / "themes.yaml"
#: The kinds of source a theme is given to, as a refinement names them (``topic:alt_identity``).
SOURCES: Final = ("topic", "passage", "not_covered")


class ThemeError(ValueError):
    """The mapping names an unknown theme, or a refinement is malformed."""


@dataclass
class Themes:
    """Which theme a passage, a topic or a not-covered topic falls under.

    Attributes:
        topics: A passage topic's theme.
        passages: A passage's own theme, before its topic's.
        not_covered: A not-covered topic's theme.
        topic_of: Each passage's topic (from the corpus).
    """

    topics: dict[str, str] = field(default_factory=dict)
    passages: dict[str, str] = field(default_factory=dict)
    not_covered: dict[str, str] = field(default_factory=dict)
    topic_of: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, topic_of: Mapping[str, str], path: Path = MAPPING_FILE) -> Themes:
        """The written-down mapping, with each passage's topic.

        Raises:
            ThemeError: If the file names a theme that does not exist.
        """
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        found = cls(topic_of=dict(topic_of))
        for source in SOURCES:
            table = data.get(source + "s" if source != "not_covered" else source) or {}
            for key, theme in table.items():
                found.set(source, str(key), str(theme))
        return found

    def set(self, source: str, key: str, theme: str) -> None:
        """Give ``source:key`` (``topic``, ``passage`` or ``not_covered``) the theme ``theme``.

        Raises:
            ThemeError: On an unknown source or theme.
        """
        if theme not in THEMES:
            raise ThemeError(f"theme must be one of {', '.join(THEMES)} (got {theme!r})")
        table = {"topic": self.topics, "passage": self.passages, "not_covered": self.not_covered}.get(source)
        if table is None or not key:
            raise ThemeError(
                f"a theme is given to topic:ID, passage:ID or not_covered:ID (got {source}:{key})"
            )
        table[key] = theme

    def of_passage(self, pid: str | None) -> str:
        """A passage's theme: its own, else its topic's, else ``other``."""
        if not pid:
            return OTHER
        if pid in self.passages:
            return self.passages[pid]
        return self.topics.get(self.topic_of.get(pid, ""), OTHER)

    def of_missed(self, not_covered: str | None, nearest: str | None) -> str:
        """A missed question's theme: the topic that refused it, else the nearest passage's."""
        if not_covered and not_covered in self.not_covered:
            return self.not_covered[not_covered]
        return self.of_passage(nearest)


def parse_source(text: str) -> tuple[str, str]:
    """``topic:alt_identity`` as ``("topic", "alt_identity")``.

    Raises:
        ThemeError: If it is not ``SOURCE:ID`` with a known source.
    """
    source, _, key = text.partition(":")
    if source not in SOURCES or not key.strip():
        raise ThemeError(f"a theme is given to topic:ID, passage:ID or not_covered:ID (got {text!r})")
    return source, key.strip()

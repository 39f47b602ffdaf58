"""What every command shares: the settings, and the published index."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from settings import Settings, SettingsError

if TYPE_CHECKING:
    from knowledge.search.index import Index


def settings_from_env() -> Settings:
    """The settings, or a clean exit that names the variable at fault.

    Raises:
        SystemExit: On a configuration error.
    """
    try:
        return Settings.from_env()
    except SettingsError as exc:
        raise SystemExit(f"senpai: configuration error: {exc}") from exc


def published_index(settings: Settings, command: str) -> Index | None:
    """Load the published index, or print why it cannot be loaded and return ``None``."""
    from knowledge import EncoderError, IndexLoadError, current_dir, load_index

    try:
        from knowledge.encoders.factory import open_configured

        encoder = open_configured(settings)
        return load_index(current_dir(settings.index_dir), encoder, lexical_weight=settings.lexical_weight)
    except (IndexLoadError, EncoderError) as exc:
        print(f"senpai {command}: {exc}", file=sys.stderr)
        return None

"""The build every host serves: the shared store's current build, fetched into this host's data directory.

In the production profile the organisers' loop and ``senpai build-index``
publish each build to PostgreSQL (:mod:`contracts.builds`) as well as locally.
:class:`BuildSync` brings the store's current build here: it fetches it (its
hash, model and passage count checked), unpacks it under ``builds/`` and
points ``current`` at it, so :class:`actions.reload.IndexWatcher` loads it as
it loads a local build. A host whose store is unreachable, or whose fetched
build fails a check, keeps serving the build it has.
"""

from __future__ import annotations

import logging
from pathlib import Path

from contracts import builds
from knowledge import current_dir, point_current

logger = logging.getLogger("senpai.actions.builds")


class BuildSync:
    """Make the store's current build this host's ``current`` (called from a worker thread)."""

    def __init__(self, url: str, index_dir: Path) -> None:
        self.url = url
        self.index_dir = Path(index_dir)
        self._refused: str | None = None
        self._unreachable = False

    def __call__(self) -> bool:
        """Fetch and point at the store's current build if this host does not serve it yet.

        Returns:
            True if ``current`` now points at a build fetched from the store.
        """
        try:
            build = builds.current(self.url)
        except Exception as exc:  # the store is down: keep serving what we have, say so once
            if not self._unreachable:
                logger.warning(
                    "the shared build store is unreachable (%s); serving the build this host has", exc
                )
            self._unreachable = True
            return False
        if self._unreachable:
            logger.info("the shared build store is reachable again")
            self._unreachable = False
        if build is None or build.id == self._refused or current_dir(self.index_dir).name == build.id:
            return False
        try:
            builds.fetch(self.url, build, self.index_dir)
        except builds.BuildStoreError as exc:
            logger.error("not serving the store's build: %s", exc)
            self._refused = build.id
            return False
        point_current(self.index_dir, build.id)
        logger.info("fetched build %s (%d passages) from the shared store", build.id, build.passages)
        return True

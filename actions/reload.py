"""Pick up a rebuilt index without restarting the action server.

``senpai build-index`` publishes a complete build and then swaps the
``current`` link in one rename (in the production profile the build may also
come from the shared store: :mod:`actions.shared_builds`). The watcher polls that link; when it points
somewhere new, it loads the new build in a worker thread and swaps it into
the service in one assignment, so a request sees the old index or the new
one, never a half-written one. A build that fails to load is logged and the
old index keeps serving.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from actions.runtime import KnowledgeService
from knowledge import IndexLoadError, current_dir, load_index, read_meta

logger = logging.getLogger("senpai.actions.reload")


def announce(service: KnowledgeService, build: Path) -> None:
    """Make the serving build the one series of ``senpai_index_build_info``."""
    try:
        model = str(read_meta(build).get("model", "unknown"))
    except IndexLoadError:
        model = "unknown"
    service.metrics.serving(build.name, model)


class IndexWatcher:
    """Reloads the service's index when the published ``current`` build changes."""

    def __init__(
        self,
        service: KnowledgeService,
        root: Path,
        interval_s: float = 1.0,
        sync: Callable[[], bool] | None = None,
    ) -> None:
        """Watch ``root/current``; with ``sync`` (the shared store's), first bring its build here."""
        self.service = service
        self.root = Path(root)
        self.interval_s = interval_s
        self.sync = sync
        self.loaded = current_dir(self.root)
        self._failed: Path | None = None

    async def check(self) -> bool:
        """Reload if a new build was published.

        Returns:
            True if the service now serves a new index.
        """
        loop = asyncio.get_running_loop()
        if self.sync is not None:
            await loop.run_in_executor(None, self.sync)
        target = current_dir(self.root)
        if target == self.loaded or target == self._failed:
            return False
        current = self.service.index
        try:
            japanese = current.japanese.encoder if current.japanese is not None else None
            second = current.japanese.second if current.japanese is not None else None
            index = await loop.run_in_executor(
                None,
                lambda: load_index(
                    target,
                    current.encoder,
                    lexical_weight=current.lexical_weight,
                    japanese_encoder=japanese,
                    second_encoder=second.encoder if second is not None else None,
                ),
            )
        except IndexLoadError as exc:
            logger.error("not reloading: %s (still serving %s)", exc, self.loaded)
            self._failed = target
            self.service.metrics.reloaded(False)
            return False
        self.service.index = index
        self.loaded = target
        self.service.metrics.reloaded(True)
        announce(self.service, target)
        logger.info("reloaded index %s (%d passages)", target.name, len(index))
        return True

    async def run(self) -> None:
        """Poll forever; cancel the task to stop."""
        while True:
            await asyncio.sleep(self.interval_s)
            try:
                await self.check()
            except Exception:  # keep watching whatever happens to one check
                logger.exception("index reload check failed")

"""The knowledge service the actions share, set up once when the server starts.

Rasa SDK instantiates action classes itself, so actions cannot take
constructor arguments. Instead the server entry point builds one
:class:`KnowledgeService` at start-up and installs it here with
:func:`install`; actions fetch it with :func:`get_service`. Importing this
module does no work.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from knowledge import Hits, Index
from knowledge.decide import Policy


@dataclass
class KnowledgeService:
    """Searches the index off the event loop, with the calibrated thresholds.

    Attributes:
        index: The loaded passage index.
        policy: When to answer, clarify or fall back.
        oos_threshold: Stricter minimum similarity when NLU thinks the
            question is out of scope.
    """

    index: Index
    policy: Policy
    oos_threshold: float
    _pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=2, thread_name_prefix="encode")
    )

    @property
    def answer_threshold(self) -> float:
        """Minimum similarity to answer from a passage."""
        return self.policy.threshold

    def policy_for(self, intent: str | None) -> Policy:
        """Return the policy for a message, stricter when NLU says out of scope."""
        if intent == "out_of_scope":
            return replace(self.policy, threshold=max(self.oos_threshold, self.policy.threshold))
        return self.policy

    async def search(
        self, query: str, k: int, *, topic: str | None = None, audience: str | None = None
    ) -> Hits:
        """Search in a worker thread so encoding never blocks the event loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._pool, lambda: self.index.search(query, k, topic=topic, audience=audience)
        )

    def close(self) -> None:
        """Stop the worker threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)


_service: KnowledgeService | None = None


def install(service: KnowledgeService) -> None:
    """Make ``service`` the one the actions use."""
    global _service
    _service = service


def get_service() -> KnowledgeService:
    """Return the installed service.

    Raises:
        RuntimeError: If the server did not install one (a start-up bug).
    """
    if _service is None:
        raise RuntimeError("knowledge service not installed: start the action server with `senpai actions`")
    return _service

"""The knowledge service the actions share, set up once when the server starts.

Rasa SDK instantiates action classes itself, so actions cannot take
constructor arguments. Instead the server entry point builds one
:class:`KnowledgeService` at start-up and installs it here with
:func:`install`; actions fetch it with :func:`get_service`. Importing this
module does no work.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace

from actions.slots import INTENT_TOPICS
from knowledge import Hits, Index
from knowledge.context import InContext, Previous, Studies, answer_in_context
from knowledge.decide import Policy
from knowledge.routing import Router
from settings import PROJECT_ROOT

logger = logging.getLogger("senpai.actions")

#: How many ranked candidates a search keeps (and "tell me more" remembers).
CANDIDATES = 8
#: The Rasa NLU data the router learns its vocabularies from.
NLU_DIR = PROJECT_ROOT / "data" / "nlu"
#: At most this many early embeddings wait for a worker; more are skipped (the search embeds then).
MAX_WARMING = 2
#: Longer texts are not embedded early (the gateway's own message limit is far below this).
MAX_WARM_CHARS = 4000


@dataclass
class KnowledgeService:
    """Searches the index off the event loop, with the calibrated thresholds.

    Attributes:
        index: The loaded passage index.
        policy: When to answer, clarify or fall back.
        oos_threshold: Stricter minimum similarity when NLU thinks the
            question is out of scope.
        router: Says what a message is (small talk, a follow-up request, a question).
        studies: What people call each study ("and the other study?").
    """

    index: Index
    policy: Policy
    oos_threshold: float
    router: Router = field(default_factory=lambda: Router.from_nlu(NLU_DIR))
    studies: Studies | None = None
    _pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=2, thread_name_prefix="encode")
    )
    _warming: set[Future[None]] = field(default_factory=set)

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

    async def in_context(
        self, text: str, previous: Previous | None, *, intent: str | None, audience: str | None
    ) -> InContext:
        """Answer a question in the light of the previous exchange, in a worker thread."""
        policy = self.policy_for(intent)
        topic = INTENT_TOPICS.get(intent or "")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._pool,
            lambda: answer_in_context(
                self.index,
                text,
                previous,
                policy,
                k=CANDIDATES,
                topic=topic,
                audience=audience,
                studies=self.studies,
            ),
        )

    def warm(self, query: str) -> bool:
        """Start embedding a message in a worker thread, ahead of its search, and return at once.

        The gateway calls this (``POST /prefetch``) as it hands the message to
        Rasa, so the embedding overlaps Rasa's NLU and policy work; the search
        that follows finds it in the query cache, or waits for it to finish.
        Call it from the event loop only.

        Returns:
            Whether the work was queued: not when the workers are already busy
            with earlier messages, or the text is empty or too long.
        """
        self._warming = {f for f in self._warming if not f.done()}
        if not query.strip() or len(query) > MAX_WARM_CHARS or len(self._warming) >= MAX_WARMING:
            return False
        future = self._pool.submit(self.index.warm, query)
        future.add_done_callback(_log_failure)
        self._warming.add(future)
        return True

    def close(self) -> None:
        """Stop the worker threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)


def _log_failure(future: Future[None]) -> None:
    if not future.cancelled() and (exc := future.exception()) is not None:
        logger.warning("embedding a message early failed (its search will embed it): %s", exc)


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

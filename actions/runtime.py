"""The knowledge service the actions share, set up once when the server starts.

Rasa SDK instantiates action classes itself, so actions cannot take
constructor arguments. Instead the server entry point builds one
:class:`KnowledgeService` at start-up and installs it here with
:func:`install`; actions fetch it with :func:`get_service`. Importing this
module does no work.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import ParamSpec, TypeVar

from actions.action_metrics import ActionMetrics
from actions.slots import INTENT_TOPICS
from knowledge import Hits, Index
from knowledge.search.context import (
    InContext,
    Previous,
    Studies,
    answer_in_context,
    contextual_query,
    reading,
)
from knowledge.search.decide import Policy
from knowledge.text.language import has_japanese
from knowledge.text.routing import Router
from settings import PROJECT_ROOT

logger = logging.getLogger("senpai.actions")

#: How many ranked candidates a search keeps (and "tell me more" remembers).
CANDIDATES = 8
#: The Rasa NLU data the router learns its vocabularies from.
NLU_DIR = PROJECT_ROOT / "data" / "nlu"
#: At most this many early embeddings wait for a worker; more are skipped (the search embeds then).
MAX_WARMING = 2
#: Messages longer than this are long: their work, early embedding included, runs in the long lane.
LONG_CHARS = 300
#: How many conversations' last exchange the early embedding of a follow-up remembers (in memory only).
MAX_REMEMBERED = 4096
#: A turn's time budget when none is configured; below Rasa's default 3 s action time-out.
TURN_BUDGET_S = 2.0

_P = ParamSpec("_P")
_T = TypeVar("_T")


@dataclass
class KnowledgeService:
    """Searches the index off the event loop, with the calibrated thresholds.

    Work on a user's text runs in worker threads, in two lanes: messages of
    up to :data:`LONG_CHARS` characters in the quick lane (two threads), longer
    ones in the long lane (one thread). Every step's cost is bounded whatever
    the length (linear-time text work, and encoders cut to their query window:
    :mod:`knowledge.encoders.window`), and a burst of long messages queues in its own
    lane, so it can take at most one core from everyone else's turns.

    Attributes:
        index: The loaded passage index.
        policy: When to answer, clarify or fall back.
        oos_threshold: Stricter minimum similarity when NLU thinks the
            question is out of scope.
        router: Says what a message is (small talk, a follow-up request, a question).
        studies: What people call each study ("and the other study?").
        turn_budget_s: How long a turn may take before the user gets an apology
            instead (:func:`actions.respond.within_budget`).
        metrics: What the server's ``/metrics`` shows (:mod:`actions.action_metrics`).
    """

    index: Index
    policy: Policy
    oos_threshold: float
    router: Router = field(default_factory=lambda: Router.from_nlu(NLU_DIR))
    studies: Studies | None = None
    turn_budget_s: float = TURN_BUDGET_S
    metrics: ActionMetrics = field(default_factory=ActionMetrics)
    _pool: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=2, thread_name_prefix="encode")
    )
    _long: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="encode-long")
    )
    _warming: set[Future[None]] = field(default_factory=set)
    _warming_long: set[Future[None]] = field(default_factory=set)
    _previous: OrderedDict[str, Previous] = field(default_factory=OrderedDict)

    @property
    def answer_threshold(self) -> float:
        """Minimum similarity to answer from a passage."""
        return self.policy.threshold

    def policy_for(self, intent: str | None) -> Policy:
        """Return the policy for a message, stricter when NLU says out of scope."""
        if intent == "out_of_scope":
            return replace(self.policy, threshold=max(self.oos_threshold, self.policy.threshold))
        return self.policy

    def lane(self, text: str) -> ThreadPoolExecutor:
        """The worker threads for work on ``text``: the long lane for a long message."""
        return self._long if len(text) > LONG_CHARS else self._pool

    async def offload(self, text: str, work: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """Run ``work(*args, **kwargs)``, which reads ``text``, in that text's lane; the loop only waits.

        The work runs in a copy of the caller's context, so its log lines carry the turn's request id.
        """
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        return await loop.run_in_executor(self.lane(text), lambda: context.run(work, *args, **kwargs))

    async def search(
        self, query: str, k: int, *, topic: str | None = None, audience: str | None = None
    ) -> Hits:
        """Search in a worker thread so encoding never blocks the event loop."""
        return await self.offload(query, self.index.search, query, k, topic=topic, audience=audience)

    async def in_context(
        self, text: str, previous: Previous | None, *, intent: str | None, audience: str | None
    ) -> InContext:
        """Answer a question in the light of the previous exchange, in a worker thread."""
        return await self.offload(text, self.answer_now, text, previous, intent=intent, audience=audience)

    def answer_now(
        self, text: str, previous: Previous | None, *, intent: str | None, audience: str | None
    ) -> InContext:
        """:meth:`in_context` in the calling thread (a worker's), recording its time and top score."""
        started = time.perf_counter()
        found = answer_in_context(
            self.index,
            text,
            previous,
            self.policy_for(intent),
            k=CANDIDATES,
            topic=INTENT_TOPICS.get(intent or ""),
            audience=audience,
            studies=self.studies,
        )
        top = found.hits[0].similarity if found.hits else None
        self.metrics.searched("ja" if has_japanese(text) else "en", time.perf_counter() - started, top)
        return found

    def remember(self, sender: str, previous: Previous | None) -> None:
        """Keep a conversation's last exchange (``None`` forgets it), for :meth:`warm`'s follow-ups.

        Only a cache: the conversation's slots stay the truth, and a sender
        this process does not remember (evicted, or answered by another
        action server) just gets no early embedding of its follow-up.
        """
        self._previous.pop(sender, None)
        if previous is not None:
            self._previous[sender] = previous
            while len(self._previous) > MAX_REMEMBERED:
                self._previous.popitem(last=False)

    def _warm_now(self, query: str, previous: Previous | None) -> None:
        self.index.warm(query)
        if previous is not None and reading(query) != "standalone":
            # A follow-up is searched alone and read with the last question: embed that too.
            self.index.warm(contextual_query(self.index, query, previous, self.studies))

    def warm(self, query: str, sender: str | None = None) -> bool:
        """Start embedding a message in a worker thread, ahead of its search, and return at once.

        The gateway calls this (``POST /prefetch``) as it hands the message to
        Rasa, so the embedding overlaps Rasa's NLU and policy work; the search
        that follows finds it in the query cache, or waits for it to finish.
        Call it from the event loop only.

        A long message is embedded early in the long lane, like the rest of
        its work, so early embeddings of long messages never take the quick
        lane's workers. With the conversation's ``sender``, a follow-up is
        also embedded read with the last question (:meth:`remember`), as its
        search will read it.

        Returns:
            Whether the work was queued: not when its lane is already busy
            with earlier messages' early embeddings, or the text is empty.
        """
        long = len(query) > LONG_CHARS
        warming = {f for f in (self._warming_long if long else self._warming) if not f.done()}
        if long:
            self._warming_long = warming
        else:
            self._warming = warming
        if not query.strip() or len(warming) >= MAX_WARMING:
            return False
        previous = self._previous.get(sender) if sender else None
        future = self.lane(query).submit(self._warm_now, query, previous)
        future.add_done_callback(_log_failure)
        warming.add(future)
        return True

    def close(self) -> None:
        """Stop the worker threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._long.shutdown(wait=False, cancel_futures=True)


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

"""Ask the action server to embed a message while Rasa is still parsing it.

Embedding the question is the costliest step of a knowledge answer (about
3 ms with the default model). It does not depend on anything Rasa decides, so
the gateway hands the text to the action server's ``POST /prefetch`` at the
same moment it hands the message to Rasa. The action server embeds it on its
own worker thread, on the other core, while Rasa runs NLU and picks the next
action; when Rasa then calls ``action_answer``, the query cache already holds
the vector (or the search waits for the few microseconds left).

It is best effort and never in the way: fire and forget, a short time-out,
a cap on requests in flight, errors only logged. Small talk costs one
embedding the first time a text is seen, and nothing after (it is cached).
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp

from settings import ACTION_TOKEN_HEADER

logger = logging.getLogger("senpai.gateway")

#: Requests to the action server in flight at most; beyond that messages are not prefetched.
MAX_IN_FLIGHT = 16
#: How long one prefetch request may take before it is abandoned.
TIMEOUT_S = 1.0


def worth_prefetching(text: str) -> bool:
    """Whether a message may reach retrieval: not empty, and not a Rasa intent payload (``/...``)."""
    stripped = text.strip()
    return bool(stripped) and not stripped.startswith("/")


class Prefetcher:
    """Sends messages to the action server's ``/prefetch`` in the background.

    Args:
        session: The gateway's shared client session.
        action_url: The action server's base URL.
        token: The action server's token, sent in :data:`ACTION_TOKEN_HEADER`.
        enabled: ``False`` makes :meth:`start` do nothing (``SENPAI_PREFETCH=0``).
    """

    def __init__(
        self, session: aiohttp.ClientSession, action_url: str, token: str | None, *, enabled: bool = True
    ) -> None:
        self._session = session
        self._url = f"{action_url.rstrip('/')}/prefetch"
        self._headers = {ACTION_TOKEN_HEADER: token} if token else {}
        self._timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
        self._enabled = enabled
        self._tasks: set[asyncio.Task[None]] = set()
        self.sent = 0
        self.skipped = 0

    def start(self, text: str, sender: str | None = None) -> None:
        """Start a prefetch of ``text`` and return at once (call it just before sending to Rasa).

        Args:
            text: The message.
            sender: The conversation's id as Rasa knows it, so the action server
                can also embed a follow-up read with the last question.
        """
        if not self._enabled or not worth_prefetching(text):
            return
        if len(self._tasks) >= MAX_IN_FLIGHT:
            self.skipped += 1
            return
        task = asyncio.create_task(self._send(text, sender))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send(self, text: str, sender: str | None) -> None:
        try:
            async with self._session.post(
                self._url, json={"text": text, "sender": sender}, headers=self._headers, timeout=self._timeout
            ) as resp:
                if resp.status != 202:
                    logger.debug("prefetch answered HTTP %s", resp.status)
                    return
            self.sent += 1
        except (TimeoutError, aiohttp.ClientError) as exc:  # the search will embed it itself
            logger.debug("prefetch failed: %s", type(exc).__name__)

    async def close(self) -> None:
        """Cancel the prefetches still in flight (at shutdown)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

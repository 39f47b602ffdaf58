"""A Redis lock store whose tickets are issued and returned atomically.

Rasa serialises the messages of one conversation with a *ticket lock*: each
message takes a numbered ticket and waits until its number is served. Rasa
Open Source's ``RedisLockStore`` keeps the lock in one Redis key but changes
it with a plain read, modify and write. Two Rasa replicas that take a ticket
for the same conversation at the same moment can read the same lock, hand
out the same number, and process two messages at once; one message's
events then overwrite the other's in the tracker store. Senpai's production
test caught exactly this (one message of twelve sent at once was lost).

:class:`AtomicRedisLockStore` makes every change to a lock one optimistic
Redis transaction (``WATCH`` the key, compute, ``MULTI``/``EXEC``, retry if
another replica changed it meanwhile), so tickets are unique and none is
lost across any number of replicas. It is configured in
``deploy/endpoints.production.yml`` as
``type: connectors.locks.AtomicRedisLockStore`` with the usual Redis options.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

T = TypeVar("T")
Change = Callable[[TicketLock | None], tuple[TicketLock | None, T]]


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis lock store with atomic ticket changes (safe for several replicas)."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        """Build the store from the ``lock_store`` section of Rasa's endpoints file."""
        options: dict[str, Any] = dict(endpoint_config.kwargs)
        options.pop("type", None)
        super().__init__(host=endpoint_config.url or "localhost", **options)

    def _transact(self, conversation_id: str, change: Change[T]) -> T:
        """Apply ``change`` to the stored lock in one optimistic transaction.

        ``change`` gets the current lock (or ``None``) and returns the lock to
        store (``None`` deletes it) and a result. If another process changes
        the lock between the read and the write, the transaction is retried
        on the new value.
        """
        key = self.key_prefix + conversation_id
        with self.red.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    lock = TicketLock.from_dict(json.loads(raw)) if raw else None
                    updated, result = change(lock)
                    pipe.multi()
                    if updated is None:
                        pipe.delete(key)
                    else:
                        pipe.set(key, updated.dumps())
                    pipe.execute()
                    return result
                except redis.WatchError:
                    logger.debug("lock for %s changed meanwhile; retrying", conversation_id)
                    continue

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Take the next ticket number for the conversation, creating its lock if needed."""

        def take(lock: TicketLock | None) -> tuple[TicketLock | None, int]:
            lock = lock or self.create_lock(conversation_id)
            return lock, lock.issue_ticket(lock_lifetime)

        try:
            return self._transact(conversation_id, take)
        except redis.RedisError as exc:
            raise LockError(f"Error while acquiring lock. Error:\n{exc}") from exc

    def update_lock(self, conversation_id: str) -> None:
        """Drop expired tickets."""

        def expire(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_expired_tickets()
            return lock, None

        self._transact(conversation_id, expire)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        """Return a ticket."""

        def give_back(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is not None:
                lock.remove_ticket_for(ticket_number)
            return lock, None

        self._transact(conversation_id, give_back)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        """Return a ticket, and delete the lock in the same step if nobody else is waiting."""

        def give_back(lock: TicketLock | None) -> tuple[TicketLock | None, None]:
            if lock is None:
                return None, None
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._transact(conversation_id, give_back)

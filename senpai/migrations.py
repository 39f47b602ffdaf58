"""One-off changes to stored conversations, run by ``senpai up`` before Rasa starts.

Slack conversations used to be stored under the bare Slack user id (``U…``),
which the web chat API could name. They now live under ``slack:TEAM:USER``
(see :mod:`bot.sender_keys`). :func:`migrate_slack_conversations` moves the old
ones there, so a Slack user keeps their conversation (their role, the last
answer for "tell me more") after the upgrade. It asks Slack's ``auth.test``
which workspace the bot token belongs to, and changes nothing if Slack is
not configured or cannot be asked; it runs again at the next start.

Old web conversations are not moved: their ids were chosen by whoever sent
them, so holding one proves nothing (README, "Who can read a conversation").
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import aiohttp

from contracts import senders, stores
from settings import Settings

logger = logging.getLogger("senpai.migrations")

#: User events that came in through Rasa's Slack channel, as Rasa stores them (``json.dumps`` of the event).
_SLACK_INPUT = '%"input_channel": "slack"%'
_LEGACY = (
    "SELECT DISTINCT sender_id FROM events WHERE type_name = 'user' AND data LIKE {p}"
    " AND sender_id NOT LIKE {p} AND sender_id NOT LIKE {p}"
)
_LEGACY_ARGS = (_SLACK_INPUT, senders.SLACK + "%", senders.WEB + "%")


def _run(settings: Settings, updates: list[tuple[str, ...]]) -> list[str]:
    """Find the legacy conversations and apply ``updates`` (``(new, old)`` ids), in one transaction."""
    where = settings.database.as_url() if settings.database is not None else settings.tracker_db
    if not stores.is_postgres(where) and not Path(where).exists():
        return []
    with stores.connect(where) as db:
        if not stores.table_exists(db, where, "events"):  # Rasa has stored nothing yet
            return []
        found = [row[0] for row in db.execute(stores.sql(where, _LEGACY), _LEGACY_ARGS)]
        if updates:
            db.cursor().executemany(
                stores.sql(where, "UPDATE events SET sender_id = {p} WHERE sender_id = {p}"), updates
            )
    return found


def legacy_slack_senders(settings: Settings) -> list[str]:
    """The conversations Rasa's Slack channel stored under a bare user id."""
    return _run(settings, [])


def rename(settings: Settings, renames: dict[str, str]) -> None:
    """Move each conversation ``old`` to ``new`` (every event of it, in one transaction)."""
    _run(settings, [(new, old) for old, new in renames.items()])


async def slack_team(settings: Settings) -> str:
    """The workspace (``team_id``) of the configured bot token, from Slack's ``auth.test``.

    Raises:
        RuntimeError: If Slack can't be asked or says no.
    """
    timeout = aiohttp.ClientTimeout(total=5)
    headers = {"Authorization": f"Bearer {settings.slack_bot_token}"}
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(f"{settings.slack_api_url}auth.test", headers=headers) as resp,
    ):
        body = await resp.json(content_type=None)
    team = body.get("team_id") if isinstance(body, dict) and body.get("ok") else None
    if not isinstance(team, str) or not team:
        error = body.get("error") if isinstance(body, dict) else resp.status
        raise RuntimeError(f"Slack's auth.test did not name a team ({error})")
    return team


async def migrate_slack_conversations(settings: Settings) -> str:
    """Move conversations stored under bare Slack user ids to ``slack:TEAM:USER``.

    Returns:
        What happened, one line for the supervisor's log.
    """
    try:
        legacy = await asyncio.to_thread(legacy_slack_senders, settings)
    except Exception as exc:  # a store that can't be read now is read at the next start
        return f"could not look for Slack conversations to move: {type(exc).__name__}"
    if not legacy:
        return ""
    if not settings.slack_enabled:
        return f"{len(legacy)} Slack conversation(s) stay under their old ids until Slack is configured"
    try:
        team = await slack_team(settings)
    except (RuntimeError, aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return f"{len(legacy)} Slack conversation(s) not moved yet (will retry at the next start): {exc}"
    await asyncio.to_thread(rename, settings, {old: senders.slack(team, old) for old in legacy})
    return f"moved {len(legacy)} Slack conversation(s) to {senders.slack(team, 'USER')} ids"

"""The conversation ids of each channel, as Rasa's tracker store keeps them.

Every conversation lives under its channel's namespace, so one channel can
never name another's conversation:

- ``web:<22 characters>``: the gateway's chat API, from the sender id it
  issued (:mod:`bot.sender_keys`);
- ``slack:TEAM:USER``: Rasa's Slack channel (:mod:`connectors.slack`).
"""

from __future__ import annotations

from typing import Final, Literal

Channel = Literal["web", "slack"]

#: The namespace of the web chat's conversations.
WEB: Final = "web:"
#: The namespace of Slack's conversations.
SLACK: Final = "slack:"
#: Every namespace.
NAMESPACES: Final = (WEB, SLACK)

#: The version prefix of a sender id the gateway issues (``w1`` + randomness + tag).
ISSUED_VERSION: Final = "w1"
#: Characters of each part after the prefix: 16 bytes in base64url without padding.
ISSUED_PART_CHARS: Final = 22
#: The whole length of an issued sender id.
ISSUED_CHARS: Final = len(ISSUED_VERSION) + 2 * ISSUED_PART_CHARS


def web(body: str) -> str:
    """The conversation id of a web sender whose id carries ``body``."""
    return WEB + body


def slack(team: str | None, user: str) -> str:
    """The conversation id of a Slack user in a workspace (``_`` when the team is unknown)."""
    return f"{SLACK}{team or '_'}:{user}"


def channel_of(conversation: str) -> Channel:
    """The channel a conversation id belongs to (``web`` for anything not Slack's)."""
    return "slack" if conversation.startswith(SLACK) else "web"


def is_conversation(text: str) -> bool:
    """Whether ``text`` is a namespaced conversation id (a namespace and something after it)."""
    return any(text.startswith(ns) and len(text) > len(ns) for ns in NAMESPACES)


def looks_issued(token: str) -> bool:
    """Whether ``token`` has the shape of a sender id the gateway issues (its tag is not checked)."""
    return len(token) == ISSUED_CHARS and token.startswith(ISSUED_VERSION) and ":" not in token


def conversation_of(token: str) -> str:
    """The conversation of an issued sender id, *without* checking it (for clients and privacy requests).

    Only the gateway, with its secret, decides whether an id is valid
    (:mod:`bot.sender_keys`); this just says where that id's turns are stored.
    """
    start = len(ISSUED_VERSION)
    return web(token[start : start + ISSUED_PART_CHARS])

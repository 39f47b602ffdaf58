"""The reply payload: what the action server says about each bot message, and how it is read.

Rasa passes a bot message's ``custom`` field through untouched. The action
server puts Senpai's part of it under :data:`PAYLOAD_KEY`::

    {"custom": {"senpai": {"kind": "answer", "citations": [...], "lang": "en",
                           "role": "jte", "missed": {...}}}}

``kind`` is one of :data:`KINDS`; ``role`` (when known) one of :data:`ROLES`;
``lang`` one of :data:`LANGS`; ``missed`` (on a fallback to a question) what
the organisers' insights show about it. Rasa's tracker store keeps the
message as an event, where the payload sits at :data:`EVENT_PATH`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any, Final

#: The key of Senpai's part of a bot message's ``custom`` field.
PAYLOAD_KEY: Final = "senpai"

ANSWER: Final = "answer"
FALLBACK: Final = "fallback"
CLARIFY: Final = "clarify"
SMALLTALK: Final = "smalltalk"
ERROR: Final = "error"
#: Every kind of reply, in the order the organisers' charts list them.
KINDS: Final = (ANSWER, FALLBACK, CLARIFY, SMALLTALK, ERROR)
#: The roles a user can have.
ROLES: Final = ("alt", "jte")
#: The languages Senpai replies in.
LANGS: Final = ("en", "ja")
#: Where the payload sits in a bot event of Rasa's tracker store (``data.custom.senpai``).
EVENT_PATH: Final = ("data", "custom", PAYLOAD_KEY)


def payload(
    kind: str,
    citations: Sequence[Mapping[str, Any]],
    lang: str,
    *,
    role: str | None = None,
    missed: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``custom`` field of one bot message.

    Raises:
        ValueError: On a kind, role or language outside the contract.
    """
    if kind not in KINDS or lang not in LANGS or (role is not None and role not in ROLES):
        raise ValueError(f"not a reply of the contract: kind={kind!r} lang={lang!r} role={role!r}")
    meta: dict[str, Any] = {"kind": kind, "citations": [dict(c) for c in citations], "lang": lang}
    if role is not None:
        meta["role"] = role
    if missed is not None:
        meta["missed"] = dict(missed)
    return {PAYLOAD_KEY: meta}


def meta_of(custom: object) -> Mapping[str, Any]:
    """Senpai's part of a bot message's ``custom`` field; empty when it has none."""
    meta = custom.get(PAYLOAD_KEY) if isinstance(custom, Mapping) else None
    return meta if isinstance(meta, Mapping) else {}


def kind_of(meta: Mapping[str, Any]) -> str | None:
    """The reply's kind, if it is one of the contract's."""
    kind = meta.get("kind")
    return kind if kind in KINDS else None


def role_of(meta: Mapping[str, Any]) -> str | None:
    """The role Senpai now has for the user, if the reply says and it is one of the contract's."""
    role = meta.get("role")
    return role if role in ROLES else None


def lang_of(meta: Mapping[str, Any]) -> str | None:
    """The reply's language, if it is one of the contract's."""
    lang = meta.get("lang")
    return lang if lang in LANGS else None


def message_id(sender: str, text: str) -> str:
    """A bot message's stable id, the same in a reply, in the history, in a rating and in the insights."""
    return hashlib.sha256(f"{sender}\n{text}".encode()).hexdigest()[:20]

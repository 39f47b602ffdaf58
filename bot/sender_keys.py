"""Who may read and continue which conversation: sender ids as capabilities.

A web client never names its own conversation. The gateway *issues* each new
conversation a sender id, and accepts only ids it issued:

``w1`` + 22 characters of randomness (128 bits, base64url) + 22 characters of
tag (the first 128 bits of HMAC-SHA256 over the randomness, keyed with the
gateway's secret). 46 characters of ``[A-Za-z0-9_-]`` in all.

The conversation behind it, in Rasa's tracker store, is ``web:`` + the
randomness. The tag is never stored: a copy of the database alone cannot be
turned back into ids that the gateway would accept.

Every channel has its own namespace inside Rasa, so no id can reach another
channel's conversation: ``web:...`` from the gateway's chat API, and
``slack:TEAM:USER`` from Rasa's Slack channel (``connectors/slack.py``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from contracts import senders

#: Prefix of every issued id (lets the format change later without ambiguity).
VERSION = senders.ISSUED_VERSION
#: Bytes of randomness and of tag in an issued id.
RANDOM_BYTES = 16
TAG_BYTES = 16
_B64_CHARS = senders.ISSUED_PART_CHARS
TOKEN_CHARS = senders.ISSUED_CHARS
#: Shortest secret accepted from the environment.
MIN_SECRET_CHARS = 32
#: File that holds the generated secret in the embedded profile.
SECRET_FILE = "sender.key"
_DOMAIN = b"senpai web sender v1\x00"


class UnknownSender(ValueError):
    """A sender id that this gateway did not issue (guessed, forged, altered or from elsewhere)."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SenderKeys:
    """Issues web sender ids and checks them, with one secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_CHARS:
            raise ValueError(f"the sender secret must be at least {MIN_SECRET_CHARS} bytes")
        self._secret = secret

    def _tag(self, random_part: bytes) -> bytes:
        return hmac.new(self._secret, _DOMAIN + random_part, hashlib.sha256).digest()[:TAG_BYTES]

    def issue(self) -> str:
        """Return a fresh sender id for a new conversation."""
        random_part = secrets.token_bytes(RANDOM_BYTES)
        return VERSION + _b64(random_part) + _b64(self._tag(random_part))

    def conversation(self, token: object) -> str:
        """Return the Rasa conversation an issued id names.

        Raises:
            UnknownSender: If ``token`` is not an id this gateway issued.
        """
        if not isinstance(token, str) or len(token) != TOKEN_CHARS or not token.startswith(VERSION):
            raise UnknownSender("not an issued sender id")
        body = token[len(VERSION) :]
        try:
            random_part = _unb64(body[:_B64_CHARS])
            tag = _unb64(body[_B64_CHARS:])
        except (binascii.Error, ValueError) as exc:
            raise UnknownSender("not an issued sender id") from exc
        # Re-encoding must give the same text: base64 accepts several spellings of one value.
        if _b64(random_part) + _b64(tag) != body or not hmac.compare_digest(tag, self._tag(random_part)):
            raise UnknownSender("not an issued sender id")
        return senders.web(body[:_B64_CHARS])


def load_secret(env_secret: str | None, data_dir: Path) -> bytes:
    """The secret that signs sender ids: from the environment, or generated once into the data dir.

    Args:
        env_secret: ``SENPAI_SENDER_SECRET``, if set (the settings have checked its length).
        data_dir: Where the embedded profile keeps :data:`SECRET_FILE` (mode 0600).

    Returns:
        The secret's bytes.
    """
    if env_secret:
        return env_secret.encode()
    path = data_dir / SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # Written whole to a private file, then linked into place: a process that
        # races this one reads either nothing or the complete secret.
        draft = data_dir / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_urlsafe(48).encode() + b"\n")
                out.flush()
                os.fsync(out.fileno())
            os.link(draft, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            draft.unlink(missing_ok=True)
    secret = path.read_bytes().strip()
    if len(secret) < MIN_SECRET_CHARS:
        raise ValueError(f"{path} holds no usable sender secret; delete it to have a new one made")
    return secret

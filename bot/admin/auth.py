"""Signing organisers in: tokens, a signed session cookie, CSRF tokens and a brake on guessing.

There is no user database. The organiser types a token: ``SENPAI_ADMIN_TOKEN``
may read and change, ``SENPAI_ADMIN_READ_TOKEN`` (if set) may only read. The
session cookie carries the role and an expiry, signed with a key derived
from both tokens, so changing a token signs everybody out. It is HttpOnly and
SameSite=Strict; every state-changing request must also come from this
origin and carry the CSRF token of its session.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from aiohttp import web

from bot.ratelimit import RateLimiter

COOKIE = "senpai_admin"
SESSION_S = 8 * 3600
EDIT, READ = "edit", "read"


@dataclass(frozen=True)
class Session:
    """A signed-in organiser: what they may do, until when, and their CSRF token."""

    role: str
    expires: int
    csrf: str
    name: str = ""

    @property
    def can_edit(self) -> bool:
        """Whether this session may change things (the editing token signed it in)."""
        return self.role == EDIT

    @property
    def who(self) -> str:
        """Who a change is recorded as: the name given at sign-in, and the token used."""
        return f"{self.name or 'an organiser'} ({self.role} token)"


class Gatekeeper:
    """Checks tokens, issues and reads session cookies, and slows down guessing."""

    def __init__(self, edit_token: str, read_token: str | None = None, *, clock: object = time.time) -> None:
        self._tokens = {EDIT: edit_token, **({READ: read_token} if read_token else {})}
        self._key = hashlib.sha256(f"senpai-admin\0{edit_token}\0{read_token or ''}".encode()).digest()
        #: Five wrong tokens in a row from one address, then one try every three minutes.
        self.failures = RateLimiter(per_minute=1 / 3, burst=4)  # the fifth wrong token blocks
        self._blocked: dict[str, float] = {}
        self._clock = clock if callable(clock) else time.time

    def blocked_for(self, address: str) -> float:
        """Seconds this address must wait before it may try a token again (0 if it may now)."""
        return max(0.0, self._blocked.get(address, 0.0) - float(self._clock()))

    def sign_in(self, token: str, address: str) -> str | None:
        """The role a token signs in as, or ``None``; a wrong token counts against the address."""
        for role, expected in self._tokens.items():
            if hmac.compare_digest(token.encode(), expected.encode()):
                return role
        wait = self.failures.hit(address)
        if wait is not None:
            self._blocked[address] = float(self._clock()) + wait
        return None

    def _mac(self, *parts: str) -> str:
        return hmac.new(self._key, "\0".join(parts).encode(), hashlib.sha256).hexdigest()[:32]

    def cookie(self, role: str, name: str = "") -> str:
        """A session cookie value for a role, carrying the name the organiser gave (at most 60 characters)."""
        expires = str(int(self._clock()) + SESSION_S)
        nonce = secrets.token_urlsafe(12)
        label = base64.urlsafe_b64encode(" ".join(name.split())[:60].encode()).decode().rstrip("=")
        return ".".join((role, expires, nonce, label, self._mac(role, expires, nonce, label)))

    def session(self, request: web.Request) -> Session | None:
        """The request's session, if its cookie is genuine and not expired."""
        value = request.cookies.get(COOKIE, "")
        parts = value.split(".")
        if len(parts) != 5 or parts[0] not in self._tokens:
            return None
        role, expires, nonce, label, mac = parts
        if not hmac.compare_digest(mac, self._mac(role, expires, nonce, label)) or not expires.isdigit():
            return None
        if int(expires) < self._clock():
            return None
        try:
            name = base64.urlsafe_b64decode(label + "=" * (-len(label) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return Session(role, int(expires), self._mac("csrf", nonce), name)


def same_origin(request: web.Request) -> bool:
    """Whether a state-changing request comes from this site (``Origin``, else ``Referer``)."""
    own = f"{request.scheme}://{request.host}"
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin == own
    referer = request.headers.get("Referer", "")
    return referer == own or referer.startswith(own + "/")


def set_cookie(
    response: web.StreamResponse, request: web.Request, value: str, max_age: int = SESSION_S
) -> None:
    """The session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS, only for ``/admin/``."""
    response.set_cookie(
        COOKIE,
        value,
        max_age=max_age,
        path="/admin/",
        httponly=True,
        samesite="Strict",
        secure=request.secure,
    )

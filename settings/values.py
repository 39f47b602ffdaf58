"""Typed readers of environment variables: each fails with the variable named.

The readers take the environment as a mapping, so tests pass plain dicts.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar
from urllib.parse import quote, unquote, urlparse

N = TypeVar("N", int, float)
C = TypeVar("C", bound=str)
Profile = Literal["embedded", "production"]
#: The encoder backends (``knowledge.encoders.base.Backend``).
Backend = Literal["onnx", "torch"]
PROFILES: tuple[Profile, ...] = ("embedded", "production")
LogLevel = Literal["debug", "info", "warning"]
LogFormat = Literal["text", "json"]
LOG_LEVELS: tuple[LogLevel, ...] = ("debug", "info", "warning")
LOG_FORMATS: tuple[LogFormat, ...] = ("text", "json")
#: Whether long messages are embedded with the int8 copy (``knowledge.encoders.int8.Int8Use``).
Int8Use = Literal["auto", "on", "off"]


class SettingsError(ValueError):
    """An environment variable has a value Senpai cannot use."""


def text(env: Mapping[str, str], name: str) -> str | None:
    """The variable's value, stripped; ``None`` when unset or blank."""
    value = env.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def backend(env: Mapping[str, str]) -> Backend:
    """The encoder backend (``SENPAI_ENCODER_BACKEND``): ``onnx`` or ``torch``."""
    raw = (text(env, "SENPAI_ENCODER_BACKEND") or "onnx").lower()
    if raw not in ("onnx", "torch"):
        raise SettingsError(f"SENPAI_ENCODER_BACKEND must be onnx or torch, got {raw!r}")
    return "onnx" if raw == "onnx" else "torch"


def _truth(raw: str) -> bool | None:
    """1/true/yes/on is ``True``, 0/false/no/off ``False``, anything else ``None``."""
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    return None


def flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A 1/0, true/false, yes/no or on/off variable."""
    raw = text(env, name)
    if raw is None:
        return default
    value = _truth(raw)
    if value is None:
        raise SettingsError(f"{name} must be 1 or 0 (true or false), got {raw!r}")
    return value


def int8_use(env: Mapping[str, str]) -> Int8Use:
    """``SENPAI_LONG_QUERY_INT8``: ``auto`` (the default: the copy if the export has one), 1 or 0."""
    raw = text(env, "SENPAI_LONG_QUERY_INT8")
    if raw is None or raw.lower() == "auto":
        return "auto"
    value = _truth(raw)
    if value is None:
        raise SettingsError(f"SENPAI_LONG_QUERY_INT8 must be auto, 1 or 0, got {raw!r}")
    return "on" if value else "off"


def _bounded(
    env: Mapping[str, str], name: str, default: N, lo: N, hi: N, kind: Callable[[str], N], what: str
) -> N:
    raw = text(env, name)
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be {what}, got {raw!r}") from exc
    if not lo <= value <= hi:
        raise SettingsError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def integer(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    """A whole number between ``lo`` and ``hi``."""
    return _bounded(env, name, default, lo, hi, int, "an integer")


def number(env: Mapping[str, str], name: str, default: float, lo: float, hi: float) -> float:
    """A number between ``lo`` and ``hi``."""
    return _bounded(env, name, default, lo, hi, float, "a number")


def url(env: Mapping[str, str], name: str, default: str) -> str:
    """An http(s) URL, without a trailing slash."""
    value = text(env, name) or default
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise SettingsError(f"{name} must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


def urls(env: Mapping[str, str], name: str, default: str, replicas: int | None) -> tuple[str, ...]:
    """One or more comma-separated URLs; a single URL with ``replicas`` > 1 counts up its port."""
    raw = text(env, name) or default
    urls = tuple(url({name: part}, name, default) for part in raw.split(",") if part.strip())
    if replicas is None or replicas == len(urls):
        return urls
    if len(urls) != 1:
        raise SettingsError(f"{name} lists {len(urls)} URLs but SENPAI_RASA_REPLICAS is {replicas}")
    parsed = urlparse(urls[0])
    port = parsed.port or 5005
    return tuple(f"{parsed.scheme}://{parsed.hostname}:{port + i}" for i in range(replicas))


@dataclass(frozen=True)
class ServiceURL:
    """The parts of a ``scheme://user:password@host:port/name`` URL that Rasa's stores take."""

    scheme: str
    host: str
    port: int
    name: str
    user: str
    password: str

    def as_url(self) -> str:
        """The full URL again, password included: for clients, never for logs."""
        auth = ""
        if self.user or self.password:
            auth = (
                quote(self.user, safe="")
                + (f":{quote(self.password, safe='')}" if self.password else "")
                + "@"
            )
        return f"{self.scheme}://{auth}{self.host}:{self.port}/{self.name}"

    def redacted(self) -> str:
        """The URL without its password, safe to log."""
        auth = f"{self.user}:***@" if self.password else (f"{self.user}@" if self.user else "")
        return f"{self.scheme}://{auth}{self.host}:{self.port}/{self.name}"


def service_url(
    env: Mapping[str, str], name: str, schemes: tuple[str, ...], default_port: int, default_name: str
) -> ServiceURL | None:
    """A ``scheme://user:password@host:port/name`` URL, or ``None``; errors never echo the password."""
    raw = text(env, name)
    if raw is None:
        return None
    parsed = urlparse(raw)
    example = f"{schemes[0]}://user:password@127.0.0.1:{default_port}/{default_name}"
    if parsed.scheme not in schemes or not parsed.hostname:
        raise SettingsError(f"{name} must look like {example} (the password is redacted here)")
    try:
        port = parsed.port or default_port
    except ValueError as exc:
        raise SettingsError(f"{name} has an invalid port; it must look like {example}") from exc
    return ServiceURL(
        scheme=parsed.scheme,
        host=parsed.hostname,
        port=port,
        name=unquote(parsed.path.lstrip("/")) or default_name,
        user=unquote(parsed.username or ""),
        password=unquote(parsed.password or ""),
    )


def choice(env: Mapping[str, str], name: str, options: tuple[C, ...], default: C) -> C:
    """One of ``options`` (case-insensitive), ``default`` when unset."""
    raw = (text(env, name) or default).lower()
    for option in options:
        if raw == option:
            return option
    raise SettingsError(f"{name} must be one of {', '.join(options)}, got {raw!r}")


def log_level(env: Mapping[str, str]) -> LogLevel:
    """How much every process logs (``SENPAI_LOG_LEVEL``)."""
    return choice(env, "SENPAI_LOG_LEVEL", LOG_LEVELS, "info")


def log_format(env: Mapping[str, str]) -> LogFormat:
    """How every process writes its log lines (``SENPAI_LOG_FORMAT``)."""
    return choice(env, "SENPAI_LOG_FORMAT", LOG_FORMATS, "text")


def secret(env: Mapping[str, str], name: str, min_chars: int = 16) -> str | None:
    """A token from the environment, at least ``min_chars`` long if set."""
    value = text(env, name)
    if value is not None and len(value) < min_chars:
        raise SettingsError(f"{name} must be at least {min_chars} characters (e.g. `openssl rand -hex 16`)")
    return value


def profile(env: Mapping[str, str]) -> Profile:
    """The deployment profile (``SENPAI_PROFILE``)."""
    return choice(env, "SENPAI_PROFILE", PROFILES, "embedded")


def host(env: Mapping[str, str], name: str, default: str) -> str:
    """An IP address, or ``localhost``, to listen on."""
    value = text(env, name) or default
    if value != "localhost":
        try:
            ipaddress.ip_address(value)
        except ValueError as exc:
            raise SettingsError(f"{name} must be an IP address or 'localhost', got {value!r}") from exc
    return value


def origins(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of web origins (``https://example.org``)."""
    raw = text(env, name)
    if raw is None:
        return ()
    origins = []
    for item in (part.strip().rstrip("/") for part in raw.split(",")):
        if not item:
            continue
        parsed = urlparse(item)
        if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.path or parsed.query:
            raise SettingsError(f"{name} must list origins like https://example.org, got {item!r}")
        origins.append(item)
    return tuple(origins)


def addresses(env: Mapping[str, str], name: str) -> frozenset[str]:
    """A comma-separated list of IP addresses."""
    raw = text(env, name)
    if raw is None:
        return frozenset()
    found = set()
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            found.add(str(ipaddress.ip_address(item)))
        except ValueError as exc:
            raise SettingsError(f"{name} must list IP addresses, got {item!r}") from exc
    return frozenset(found)


def path(env: Mapping[str, str], name: str, default: Path) -> Path:
    """A path, made absolute; ``default`` when unset."""
    raw = text(env, name)
    return Path(raw).expanduser().resolve() if raw else default

"""One typed settings object for every Senpai process, built from the environment.

Every value has an embedded default that runs the whole assistant on one
machine, bound to 127.0.0.1. Invalid values fail fast with the variable named.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlparse

from knowledge.corpus import DEFAULT_CORPUS_DIR
from knowledge.encoder import DEFAULT_MODEL

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """An environment variable has a value Senpai cannot use."""


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = _get(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from exc
    if not lo <= value <= hi:
        raise SettingsError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, lo: float, hi: float) -> float:
    raw = _get(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from exc
    if not lo <= value <= hi:
        raise SettingsError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _url(env: Mapping[str, str], name: str, default: str) -> str:
    value = _get(env, name) or default
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise SettingsError(f"{name} must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


def _host(env: Mapping[str, str], name: str, default: str) -> str:
    value = _get(env, name) or default
    if value != "localhost":
        try:
            ipaddress.ip_address(value)
        except ValueError as exc:
            raise SettingsError(f"{name} must be an IP address or 'localhost', got {value!r}") from exc
    return value


def _origins(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    raw = _get(env, name)
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


def _path(env: Mapping[str, str], name: str, default: Path) -> Path:
    raw = _get(env, name)
    return Path(raw).expanduser().resolve() if raw else default


@dataclass(frozen=True)
class Settings:
    """Everything configurable in Senpai. Build it with :meth:`from_env`."""

    host: str = "127.0.0.1"
    port: int = 8080
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_token: str | None = None
    action_url: str = "http://127.0.0.1:5055"
    embedding_model: str = DEFAULT_MODEL
    corpus_dir: Path = DEFAULT_CORPUS_DIR
    data_dir: Path = PROJECT_ROOT / ".senpai"
    index_dir: Path = PROJECT_ROOT / ".senpai" / "index"
    rasa_bin: Path = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
    rasa_model: Path = PROJECT_ROOT / "models" / "senpai.tar.gz"
    rasa_project: Path = PROJECT_ROOT
    rasa_timeout_s: float = 10.0
    health_timeout_s: float = 2.0
    max_body_bytes: int = 16 * 1024
    answer_threshold: float = 0.30
    oos_threshold: float = 0.51
    clarify_margin: float = 0.02
    lexical_weight: float = 0.5
    allowed_origins: tuple[str, ...] = ()
    rate_sender_per_min: int = 30
    rate_ip_per_min: int = 120
    torch_threads: int | None = None

    @property
    def action_host(self) -> str:
        """Host the action server binds to (from :attr:`action_url`)."""
        return urlparse(self.action_url).hostname or "127.0.0.1"

    @property
    def action_port(self) -> int:
        """Port the action server binds to (from :attr:`action_url`)."""
        return urlparse(self.action_url).port or 5055

    @property
    def rasa_host(self) -> str:
        """Host Rasa binds to (from :attr:`rasa_url`)."""
        return urlparse(self.rasa_url).hostname or "127.0.0.1"

    @property
    def rasa_port(self) -> int:
        """Port Rasa binds to (from :attr:`rasa_url`)."""
        return urlparse(self.rasa_url).port or 5005

    @property
    def feedback_db(self) -> Path:
        """SQLite file of the widget's thumbs up/down."""
        return self.data_dir / "feedback.sqlite3"

    @property
    def public_url(self) -> str:
        """The URL a person opens to use Senpai."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.port}/"

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with some fields replaced."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables.

        Variables: ``SENPAI_HOST``, ``SENPAI_PORT``, ``SENPAI_RASA_URL``,
        ``SENPAI_RASA_TOKEN``, ``SENPAI_ACTION_URL``, ``SENPAI_EMBEDDING_MODEL``,
        ``SENPAI_CORPUS_DIR``, ``SENPAI_DATA_DIR``, ``SENPAI_INDEX_DIR``,
        ``SENPAI_RASA_BIN``, ``SENPAI_RASA_MODEL``, ``SENPAI_RASA_TIMEOUT``,
        ``SENPAI_MAX_BODY_BYTES``, ``SENPAI_ANSWER_THRESHOLD``,
        ``SENPAI_OOS_THRESHOLD``, ``SENPAI_CLARIFY_MARGIN``, ``SENPAI_LEXICAL_WEIGHT``,
        ``SENPAI_TORCH_THREADS``, ``SENPAI_ALLOWED_ORIGINS`` (comma-separated
        origins allowed to embed the widget), ``SENPAI_RATE_SENDER_PER_MIN``,
        ``SENPAI_RATE_IP_PER_MIN``.

        Raises:
            SettingsError: If a variable is set to an unusable value.
        """
        env = os.environ if env is None else env
        data_dir = _path(env, "SENPAI_DATA_DIR", PROJECT_ROOT / ".senpai")
        threads = _int(env, "SENPAI_TORCH_THREADS", 0, 0, 64)
        return cls(
            host=_host(env, "SENPAI_HOST", "127.0.0.1"),
            port=_int(env, "SENPAI_PORT", 8080, 1, 65535),
            rasa_url=_url(env, "SENPAI_RASA_URL", "http://127.0.0.1:5005"),
            rasa_token=_get(env, "SENPAI_RASA_TOKEN"),
            action_url=_url(env, "SENPAI_ACTION_URL", "http://127.0.0.1:5055"),
            embedding_model=_get(env, "SENPAI_EMBEDDING_MODEL") or DEFAULT_MODEL,
            corpus_dir=_path(env, "SENPAI_CORPUS_DIR", DEFAULT_CORPUS_DIR),
            data_dir=data_dir,
            index_dir=_path(env, "SENPAI_INDEX_DIR", data_dir / "index"),
            rasa_bin=_path(env, "SENPAI_RASA_BIN", PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"),
            rasa_model=_path(env, "SENPAI_RASA_MODEL", PROJECT_ROOT / "models" / "senpai.tar.gz"),
            rasa_timeout_s=_float(env, "SENPAI_RASA_TIMEOUT", 10.0, 0.5, 300.0),
            max_body_bytes=_int(env, "SENPAI_MAX_BODY_BYTES", 16 * 1024, 1024, 1024 * 1024),
            answer_threshold=_float(env, "SENPAI_ANSWER_THRESHOLD", 0.30, -1.0, 1.0),
            oos_threshold=_float(env, "SENPAI_OOS_THRESHOLD", 0.51, -1.0, 1.0),
            clarify_margin=_float(env, "SENPAI_CLARIFY_MARGIN", 0.02, 0.0, 1.0),
            lexical_weight=_float(env, "SENPAI_LEXICAL_WEIGHT", 0.5, 0.0, 1.0),
            allowed_origins=_origins(env, "SENPAI_ALLOWED_ORIGINS"),
            rate_sender_per_min=_int(env, "SENPAI_RATE_SENDER_PER_MIN", 30, 1, 100_000),
            rate_ip_per_min=_int(env, "SENPAI_RATE_IP_PER_MIN", 120, 1, 1_000_000),
            torch_threads=threads or None,
        )

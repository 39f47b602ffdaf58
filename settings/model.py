"""The one settings object every Senpai process builds from the environment.

Every value has an embedded default that runs the whole assistant on one
machine, bound to 127.0.0.1. Invalid values fail fast with the variable named.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlparse

from settings import values
from settings.values import Backend, Int8Use, LogFormat, LogLevel, Profile, ServiceURL, SettingsError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
#: The packaged encoder (``knowledge.encoders.base.DEFAULT_MODEL``; a test keeps the two equal).
DEFAULT_MODEL = "all-MiniLM-L6-v2"
#: The packaged encoder tuned on the corpus, beside Rasa's model under ``models/`` (or at
#: ``SENPAI_TUNED_MODEL_DIR``): served when ``SENPAI_EMBEDDING_MODEL`` names this directory,
#: and then ``senpai build-index`` makes it when it is missing.
DEFAULT_TUNED_MODEL_DIR = PROJECT_ROOT / "models" / f"{DEFAULT_MODEL}-tuned"
#: The reviewed YAML (``knowledge.content``'s defaults; a test keeps them equal).
DEFAULT_CORPUS_DIR = PROJECT_ROOT / "knowledge" / "corpus"
DEFAULT_NOT_COVERED_FILE = PROJECT_ROOT / "knowledge" / "scope" / "not_covered.yaml"

#: Header with the shared secret that Rasa sends to the action server.
ACTION_TOKEN_HEADER = "X-Senpai-Action-Token"


def rasa_replica_names(count: int) -> list[str]:
    """The names of ``count`` Rasa replicas in logs and health: ``rasa``, or ``rasa-1``, ``rasa-2``..."""
    return ["rasa"] if count == 1 else [f"rasa-{n}" for n in range(1, count + 1)]


#: Rasa replicas when neither SENPAI_RASA_REPLICAS nor a list of SENPAI_RASA_URLs says.
DEFAULT_RASA_REPLICAS = 2


@dataclass(frozen=True)
class Settings:
    """Everything configurable in Senpai. Build it with :meth:`from_env`.

    The ``embedded`` profile (the default) keeps conversations in a SQLite
    tracker store under :attr:`data_dir` and runs one Rasa server. The
    ``production`` profile uses PostgreSQL (:attr:`database`) and a Redis lock
    store (:attr:`redis`), with several Rasa replicas behind the gateway.

    The encoder served is the packaged one unless ``SENPAI_EMBEDDING_MODEL``
    names another, such as :attr:`tuned_model_dir` (the packaged one tuned on
    the corpus, which ``senpai build-index`` then makes if it is missing).
    """

    host: str = "127.0.0.1"
    port: int = 8080
    profile: Profile = "embedded"
    rasa_urls: tuple[str, ...] = ("http://127.0.0.1:5005", "http://127.0.0.1:5006")
    rasa_token: str | None = None
    action_url: str = "http://127.0.0.1:5055"
    action_token: str | None = None
    sender_secret: str | None = None
    admin_token: str | None = None
    admin_read_token: str | None = None
    action_timeout_s: float = 3.0
    turn_budget_s: float = 2.0
    stuck_after_s: float = 30.0
    prefetch: bool = True
    adapter: bool = True
    database: ServiceURL | None = None
    redis: ServiceURL | None = None
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    embedding_model: str = DEFAULT_MODEL
    tuned_model_dir: Path = DEFAULT_TUNED_MODEL_DIR
    corpus_dir: Path = DEFAULT_CORPUS_DIR
    not_covered_file: Path = DEFAULT_NOT_COVERED_FILE
    data_dir: Path = PROJECT_ROOT / ".senpai"
    index_dir: Path = PROJECT_ROOT / ".senpai" / "index"
    rasa_bin: Path = PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"
    rasa_model: Path = PROJECT_ROOT / "models" / "senpai.tar.gz"
    rasa_project: Path = PROJECT_ROOT
    rasa_timeout_s: float = 10.0
    health_timeout_s: float = 2.0
    max_body_bytes: int = 16 * 1024
    answer_threshold: float = 0.3
    answer_threshold_ja: float = 0.72
    scope_margin: float = 0.5
    scope_margin_ja: float = 0.5
    japanese: bool = True
    second_opinion: bool = False
    retention_days: int = 180
    oos_threshold: float = 0.43
    clarify_margin: float = 0.5
    lexical_weight: float = 0.5
    allowed_origins: tuple[str, ...] = ()
    trusted_proxies: frozenset[str] = frozenset()
    rate_sender_per_min: int = 30
    rate_ip_per_min: int = 120
    torch_threads: int | None = None
    long_query_threads: int = 2
    long_query_int8: Int8Use = "auto"
    query_cache: int = 1024
    encoder_backend: Backend = "onnx"
    onnx_dir: Path = PROJECT_ROOT / ".senpai" / "onnx"
    metrics_token: str | None = None
    action_metrics_token: str | None = None
    supervisor_metrics_port: int = 9180
    log_level: LogLevel = "info"
    log_format: LogFormat = "text"

    @property
    def action_host(self) -> str:
        """Host the action server binds to (from :attr:`action_url`)."""
        return urlparse(self.action_url).hostname or "127.0.0.1"

    @property
    def action_port(self) -> int:
        """Port the action server binds to (from :attr:`action_url`)."""
        return urlparse(self.action_url).port or 5055

    @property
    def rasa_binds(self) -> list[tuple[str, int]]:
        """Host and port each Rasa replica binds to (from :attr:`rasa_urls`)."""
        return [(urlparse(u).hostname or "127.0.0.1", urlparse(u).port or 5005) for u in self.rasa_urls]

    @property
    def slack_enabled(self) -> bool:
        """Whether Rasa's Slack channel is on (both Slack secrets are set)."""
        return bool(self.slack_bot_token and self.slack_signing_secret)

    @property
    def tracker_db(self) -> Path:
        """SQLite file of the embedded profile's conversations (Rasa's SQL tracker store)."""
        return self.data_dir / "tracker.db"

    @property
    def serves_tuned_default(self) -> bool:
        """Whether the model served is the tuned one at :attr:`tuned_model_dir` (``build-index`` makes it)."""
        return self.embedding_model == str(self.tuned_model_dir)

    @property
    def embedding_cache_dir(self) -> Path:
        """Where ``build-index`` keeps embeddings between builds (one file per model)."""
        return self.data_dir / "embeddings"

    @property
    def curation_db(self) -> Path:
        """SQLite file of the organisers' changes to the knowledge (the embedded profile)."""
        return self.data_dir / "curation.sqlite3"

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

        Variables: ``SENPAI_HOST``, ``SENPAI_PORT``, ``SENPAI_PROFILE``
        (``embedded`` or ``production``), ``SENPAI_RASA_URL`` (one URL, or a
        comma-separated list of replicas), ``SENPAI_RASA_REPLICAS``,
        ``SENPAI_RASA_TOKEN``, ``SENPAI_ACTION_URL``, ``SENPAI_ACTION_TOKEN``,
        ``SENPAI_SENDER_SECRET`` (signs the web sender ids; required by the
        production profile, generated into the data dir by the embedded one),
        ``SENPAI_ACTION_TIMEOUT``, ``SENPAI_TURN_BUDGET`` (seconds a turn of the
        action server may take before the user gets an apology; 1 s less than
        the action time-out by default), ``SENPAI_STUCK_AFTER`` (seconds a child
        of ``senpai up`` may leave its health check unanswered before it is
        restarted), ``DATABASE_URL`` and ``REDIS_URL`` (required
        by the production profile), ``SLACK_BOT_TOKEN``, ``SLACK_SIGNING_SECRET``,
        ``SLACK_API_URL``, ``SENPAI_EMBEDDING_MODEL``,
        ``SENPAI_CORPUS_DIR``, ``SENPAI_DATA_DIR``, ``SENPAI_INDEX_DIR``,
        ``SENPAI_RASA_BIN``, ``SENPAI_RASA_MODEL``, ``SENPAI_RASA_TIMEOUT``,
        ``SENPAI_MAX_BODY_BYTES``, ``SENPAI_ANSWER_THRESHOLD``,
        ``SENPAI_OOS_THRESHOLD``, ``SENPAI_CLARIFY_MARGIN``, ``SENPAI_LEXICAL_WEIGHT``,
        ``SENPAI_TORCH_THREADS``, ``SENPAI_LONG_QUERY_THREADS``, ``SENPAI_LONG_QUERY_INT8``,
        ``SENPAI_ALLOWED_ORIGINS`` (comma-separated
        origins allowed to embed the widget), ``SENPAI_RATE_SENDER_PER_MIN``,
        ``SENPAI_RATE_IP_PER_MIN``, ``SENPAI_TRUSTED_PROXIES`` (addresses of
        reverse proxies whose ``X-Forwarded-For`` names the client),
        ``SENPAI_METRICS_TOKEN`` (the bearer token of the gateway's and the
        supervisor's ``/metrics``; unset, they answer 404),
        ``SENPAI_ACTION_METRICS_TOKEN`` (the action server's ``/metrics``),
        ``SENPAI_SUPERVISOR_METRICS_PORT``, ``SENPAI_LOG_LEVEL`` (``debug``,
        ``info``, ``warning``) and ``SENPAI_LOG_FORMAT`` (``text`` or ``json``).

        Raises:
            SettingsError: If a variable is set to an unusable value, or the
                production profile lacks ``DATABASE_URL`` or ``REDIS_URL``.
        """
        env = os.environ if env is None else env
        data_dir = values.path(env, "SENPAI_DATA_DIR", PROJECT_ROOT / ".senpai")
        tuned = values.path(env, "SENPAI_TUNED_MODEL_DIR", DEFAULT_TUNED_MODEL_DIR)
        threads = values.integer(env, "SENPAI_TORCH_THREADS", 0, 0, 64)
        profile = values.profile(env)
        # Two replicas by default (one per core of a small machine); a Rasa URL list names its own.
        listed = [u for u in (values.text(env, "SENPAI_RASA_URL") or "").split(",") if u.strip()]
        replicas = values.integer(env, "SENPAI_RASA_REPLICAS", len(listed) or DEFAULT_RASA_REPLICAS, 1, 16)
        database = values.service_url(env, "DATABASE_URL", ("postgresql", "postgres"), 5432, "senpai")
        redis = values.service_url(env, "REDIS_URL", ("redis",), 6379, "0")
        if profile == "production":
            for name, value in (("DATABASE_URL", database), ("REDIS_URL", redis)):
                if value is None:
                    raise SettingsError(
                        f"SENPAI_PROFILE=production needs {name} "
                        "(e.g. DATABASE_URL=postgresql://senpai:PASSWORD@127.0.0.1:5432/senpai, "
                        "REDIS_URL=redis://127.0.0.1:6379/0)"
                    )
        slack_token = values.text(env, "SLACK_BOT_TOKEN")
        slack_secret = values.text(env, "SLACK_SIGNING_SECRET")
        if bool(slack_token) != bool(slack_secret):
            missing = "SLACK_SIGNING_SECRET" if slack_token else "SLACK_BOT_TOKEN"
            raise SettingsError(
                f"Slack needs both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET; {missing} is missing"
            )
        slack_api = values.url(env, "SLACK_API_URL", "https://slack.com/api/") + "/"
        sender_secret = values.text(env, "SENPAI_SENDER_SECRET")
        if sender_secret is not None and len(sender_secret) < 32:
            raise SettingsError(
                "SENPAI_SENDER_SECRET must be at least 32 characters (e.g. `openssl rand -hex 32`)"
            )
        admin_token = values.text(env, "SENPAI_ADMIN_TOKEN")
        admin_read_token = values.text(env, "SENPAI_ADMIN_READ_TOKEN")
        for name, token in (
            ("SENPAI_ADMIN_TOKEN", admin_token),
            ("SENPAI_ADMIN_READ_TOKEN", admin_read_token),
        ):
            if token is not None and len(token) < 16:
                raise SettingsError(f"{name} must be at least 16 characters (e.g. `openssl rand -hex 16`)")
        if admin_read_token is not None and (admin_token is None or admin_read_token == admin_token):
            raise SettingsError(
                "SENPAI_ADMIN_READ_TOKEN needs SENPAI_ADMIN_TOKEN set, and must differ from it"
            )
        action_timeout = values.number(env, "SENPAI_ACTION_TIMEOUT", 3.0, 0.5, 300.0)
        turn_budget = values.number(env, "SENPAI_TURN_BUDGET", max(0.3, action_timeout - 1.0), 0.1, 300.0)
        if turn_budget >= action_timeout:
            raise SettingsError(
                f"SENPAI_TURN_BUDGET ({turn_budget:g} s) must be shorter than SENPAI_ACTION_TIMEOUT "
                f"({action_timeout:g} s), so the user hears the apology before Rasa gives up"
            )
        if profile == "production" and sender_secret is None:
            raise SettingsError(
                "SENPAI_PROFILE=production needs SENPAI_SENDER_SECRET, shared by every gateway "
                "(at least 32 random characters, e.g. `openssl rand -hex 32`)"
            )
        return cls(
            host=values.host(env, "SENPAI_HOST", "127.0.0.1"),
            port=values.integer(env, "SENPAI_PORT", 8080, 1, 65535),
            profile=profile,
            rasa_urls=values.urls(env, "SENPAI_RASA_URL", "http://127.0.0.1:5005", replicas),
            rasa_token=values.text(env, "SENPAI_RASA_TOKEN"),
            action_url=values.url(env, "SENPAI_ACTION_URL", "http://127.0.0.1:5055"),
            action_token=values.text(env, "SENPAI_ACTION_TOKEN"),
            sender_secret=sender_secret,
            admin_token=admin_token,
            admin_read_token=admin_read_token,
            action_timeout_s=action_timeout,
            turn_budget_s=turn_budget,
            stuck_after_s=values.number(env, "SENPAI_STUCK_AFTER", 30.0, 5.0, 3600.0),
            prefetch=values.flag(env, "SENPAI_PREFETCH", True),
            adapter=values.flag(env, "SENPAI_ADAPTER", True),
            database=database,
            redis=redis,
            slack_bot_token=slack_token,
            slack_signing_secret=slack_secret,
            slack_api_url=slack_api,
            embedding_model=values.text(env, "SENPAI_EMBEDDING_MODEL") or DEFAULT_MODEL,
            tuned_model_dir=tuned,
            corpus_dir=values.path(env, "SENPAI_CORPUS_DIR", DEFAULT_CORPUS_DIR),
            not_covered_file=values.path(env, "SENPAI_NOT_COVERED_FILE", DEFAULT_NOT_COVERED_FILE),
            data_dir=data_dir,
            index_dir=values.path(env, "SENPAI_INDEX_DIR", data_dir / "index"),
            rasa_bin=values.path(env, "SENPAI_RASA_BIN", PROJECT_ROOT / ".venv-rasa" / "bin" / "rasa"),
            rasa_model=values.path(env, "SENPAI_RASA_MODEL", PROJECT_ROOT / "models" / "senpai.tar.gz"),
            rasa_timeout_s=values.number(env, "SENPAI_RASA_TIMEOUT", 10.0, 0.5, 300.0),
            max_body_bytes=values.integer(env, "SENPAI_MAX_BODY_BYTES", 16 * 1024, 1024, 1024 * 1024),
            answer_threshold=values.number(env, "SENPAI_ANSWER_THRESHOLD", 0.3, -1.0, 1.0),
            answer_threshold_ja=values.number(env, "SENPAI_ANSWER_THRESHOLD_JA", 0.72, -1.0, 1.0),
            scope_margin=values.number(env, "SENPAI_SCOPE_MARGIN", 0.5, -10.0, 10.0),
            scope_margin_ja=values.number(env, "SENPAI_SCOPE_MARGIN_JA", 0.5, -10.0, 10.0),
            japanese=values.flag(env, "SENPAI_JAPANESE", True),
            second_opinion=values.flag(env, "SENPAI_SECOND_OPINION", False),
            retention_days=values.integer(env, "SENPAI_RETENTION_DAYS", 180, 1, 3650),
            oos_threshold=values.number(env, "SENPAI_OOS_THRESHOLD", 0.43, -1.0, 1.0),
            clarify_margin=values.number(env, "SENPAI_CLARIFY_MARGIN", 0.5, 0.0, 10.0),
            lexical_weight=values.number(env, "SENPAI_LEXICAL_WEIGHT", 0.5, 0.0, 1.0),
            allowed_origins=values.origins(env, "SENPAI_ALLOWED_ORIGINS"),
            trusted_proxies=values.addresses(env, "SENPAI_TRUSTED_PROXIES"),
            rate_sender_per_min=values.integer(env, "SENPAI_RATE_SENDER_PER_MIN", 30, 1, 100_000),
            rate_ip_per_min=values.integer(env, "SENPAI_RATE_IP_PER_MIN", 120, 1, 1_000_000),
            torch_threads=threads or None,
            long_query_threads=values.integer(env, "SENPAI_LONG_QUERY_THREADS", 2, 1, 64),
            long_query_int8=values.int8_use(env),
            query_cache=values.integer(env, "SENPAI_QUERY_CACHE", 1024, 0, 1_000_000),
            encoder_backend=values.backend(env),
            onnx_dir=values.path(env, "SENPAI_ONNX_DIR", data_dir / "onnx"),
            metrics_token=values.secret(env, "SENPAI_METRICS_TOKEN"),
            action_metrics_token=values.secret(env, "SENPAI_ACTION_METRICS_TOKEN"),
            supervisor_metrics_port=values.integer(env, "SENPAI_SUPERVISOR_METRICS_PORT", 9180, 1, 65535),
            log_level=values.log_level(env),
            log_format=values.log_format(env),
        )

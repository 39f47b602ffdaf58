"""Start Rasa with Senpai's run-time settings: ``python -m connectors.launch run ...``.

``senpai up`` starts every Rasa replica through this module instead of the
``rasa`` script, for two reasons Rasa offers no setting for:

- **A bounded action-server time-out.** Rasa 3.6 waits up to five minutes for
  a custom action, holding the conversation's lock all that time. Here the
  wait is ``SENPAI_ACTION_TIMEOUT`` seconds (default 3): a hung or overloaded
  action server then costs the user a few seconds and a clear "I can't reach
  my notes" reply, and the conversation goes on.
- **The API token from the environment.** ``--auth-token`` on the command line
  would be readable by every user of the machine (``ps``); the token is read
  from ``SENPAI_RASA_TOKEN`` and handed to Rasa's argument parser in memory.
- **SQLite in write-ahead-log mode, on kept-open connections.** The embedded
  profile's tracker store is a SQLite file. Rasa opens it without a
  connection pool (a new connection for every query) in rollback-journal
  mode (a disk sync for every commit). Here connections stay open, in WAL
  mode with ``synchronous=NORMAL``: a committed turn survives any crash of
  Rasa or of Senpai, and only a power cut or an operating-system crash can
  undo the last moments. (PostgreSQL, the production profile, is unaffected.)
- **One kept-alive HTTP session per endpoint.** Rasa 3.6 makes a new aiohttp
  session for every call to the action server, so every custom action pays
  for a new TCP connection (and its teardown) on Rasa's event loop. Here each
  endpoint keeps one session, made on first use in the running event loop, and
  its keep-alive connections are reused.
- **Action responses checked against a compiled schema.** Rasa validates every
  action server response with ``jsonschema.validate``, which first re-checks
  the schema itself against the JSON Schema meta-schema, on every call. That
  was half of Rasa's work on a knowledge turn (about 25 ms). The same schema
  is compiled once here and every response is still validated against it.

- **Senpai's log lines.** Rasa's own handlers take :mod:`contracts.logs`'s
  format (``SENPAI_LOG_FORMAT``), each turn's request id, and its levels
  (``SENPAI_LOG_LEVEL``): at the default, Rasa shows warnings and errors only.

Everything else is plain ``rasa``: the same arguments, the same behaviour.
"""

from __future__ import annotations

import os
import sys

from contracts import logs

DEFAULT_ACTION_TIMEOUT_S = 3.0


def action_timeout() -> float:
    """Return the action-server time-out in seconds from ``SENPAI_ACTION_TIMEOUT``.

    Raises:
        SystemExit: If the value is not a number between 0.5 and 300.
    """
    raw = os.environ.get("SENPAI_ACTION_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_ACTION_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"SENPAI_ACTION_TIMEOUT must be a number of seconds, got {raw!r}") from None
    if not 0.5 <= value <= 300:
        raise SystemExit(f"SENPAI_ACTION_TIMEOUT must be between 0.5 and 300, got {value}")
    return value


def argv_with_token(argv: list[str]) -> list[str]:
    """Append ``--auth-token`` from ``SENPAI_RASA_TOKEN`` unless the arguments already have one.

    The token is joined to the option with ``=``: as a separate argument, a
    token that starts with ``-`` would be read as another option.
    """
    token = os.environ.get("SENPAI_RASA_TOKEN", "").strip()
    given = any(a in ("-t", "--auth-token") or a.startswith("--auth-token=") for a in argv)
    if token and not given:
        return [*argv, f"--auth-token={token}"]
    return argv


def compile_action_response_check() -> None:
    """Make Rasa validate action responses with a schema validator compiled once."""
    from jsonschema import ValidationError, validators
    from rasa.core.actions.action import RemoteAction

    spec = RemoteAction.action_response_format_spec()
    checker = validators.validator_for(spec)
    checker.check_schema(spec)
    validator = checker(spec)
    original = RemoteAction._validate_action_result

    def validate(self: RemoteAction, result: dict) -> bool:  # type: ignore[type-arg]
        try:
            validator.validate(result)
        except ValidationError:
            return original(self, result)  # Rasa's own check, with its own error message
        return True

    RemoteAction._validate_action_result = validate  # type: ignore[method-assign]


class _Borrowed:
    """``async with`` on a kept session: it yields the session and leaves it open."""

    def __init__(self, session: object) -> None:
        self.session = session

    async def __aenter__(self) -> object:
        return self.session

    async def __aexit__(self, *exc: object) -> None:
        return None


def reuse_endpoint_sessions() -> None:
    """Make ``EndpointConfig.session()`` hand out one kept-alive session per endpoint and event loop."""
    import asyncio

    from rasa.utils.endpoints import EndpointConfig

    make = EndpointConfig.session
    kept: dict[
        tuple[object, ...], tuple[object, object]
    ] = {}  # Rasa copies endpoints: keyed by what they are

    def session(self: EndpointConfig) -> _Borrowed:
        loop = asyncio.get_running_loop()
        auth = tuple(sorted((self.basic_auth or {}).items()))
        key = (self.url, tuple(sorted((self.headers or {}).items())), auth, id(loop))
        found = kept.get(key)  # (session, the loop it was made on: a new loop may reuse an old one's id)
        if found is None or found[0].closed or found[1] is not loop:  # type: ignore[attr-defined]
            found = kept[key] = (make(self), loop)
        return _Borrowed(found[0])

    EndpointConfig.session = session  # type: ignore[method-assign,assignment]


def tune_sqlite() -> None:
    """Pool SQLite connections, and open each in WAL mode with ``synchronous=NORMAL`` and a busy time-out."""
    import sqlite3

    import rasa.core.tracker_store as stores
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import QueuePool

    rasa_kwargs = stores.create_engine_kwargs

    def engine_kwargs(url: object) -> dict:  # type: ignore[type-arg]
        if str(url).startswith("sqlite"):
            # Rasa uses the store from its event-loop thread only; two connections cover overlap.
            return {"poolclass": QueuePool, "pool_size": 2, "connect_args": {"check_same_thread": False}}
        return rasa_kwargs(url)  # type: ignore[arg-type]

    stores.create_engine_kwargs = engine_kwargs  # type: ignore[assignment]

    @event.listens_for(Engine, "connect")
    def _pragmas(connection: object, _record: object) -> None:
        if isinstance(connection, sqlite3.Connection):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()


def log_settings() -> tuple[logs.Level, logs.Format]:
    """``SENPAI_LOG_LEVEL`` and ``SENPAI_LOG_FORMAT`` (the gateway's settings checked them)."""
    level = os.environ.get("SENPAI_LOG_LEVEL", "info").strip().lower()
    fmt = os.environ.get("SENPAI_LOG_FORMAT", "text").strip().lower()
    return (
        level if level in ("debug", "info", "warning") else "info",  # type: ignore[return-value]
        fmt if fmt in ("text", "json") else "text",
    )


def adopt_logging() -> None:
    """Give Rasa's log handlers Senpai's format and levels once Rasa has set them up."""
    import rasa.__main__ as rasa_cli

    level, fmt = log_settings()
    if level != "debug":
        logs.hide_deprecations()
    os.environ.setdefault("LOG_LEVEL", "DEBUG" if level == "debug" else "WARNING")
    configure = rasa_cli.configure_structlog

    def configure_then_adopt(*args: object, **kwargs: object) -> None:
        configure(*args, **kwargs)  # type: ignore[arg-type]
        logs.adopt_handlers("rasa", level, fmt)

    rasa_cli.configure_structlog = configure_then_adopt  # type: ignore[assignment]


def main() -> None:
    """Patch the action time-out, the response check, SQLite and logging, then run Rasa's command line."""
    timeout = action_timeout()
    import rasa.core.actions.action as remote_actions
    from rasa.__main__ import main as rasa_main

    remote_actions.DEFAULT_REQUEST_TIMEOUT = timeout  # type: ignore[attr-defined]
    compile_action_response_check()
    reuse_endpoint_sessions()
    tune_sqlite()
    adopt_logging()
    sys.argv = ["rasa", *argv_with_token(sys.argv[1:])]
    rasa_main()


if __name__ == "__main__":
    main()

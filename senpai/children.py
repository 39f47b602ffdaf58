"""The children ``senpai up`` runs (the action server, the Rasa replicas, the gateway) and how each starts.

Also what must exist before they can start (:func:`preflight`), the secrets
of one run, and the endpoints file each Rasa replica reads.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import secrets
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import yaml

from contracts import builds, logs
from knowledge import IndexLoadError, current_dir, read_meta
from settings import ACTION_TOKEN_HEADER, PROJECT_ROOT, Settings, rasa_replica_names

#: Seconds to wait for the stack, or one child, to become healthy.
STARTUP_TIMEOUT_S = 240.0
#: Seconds a child gets to exit after SIGTERM before SIGKILL.
STOP_GRACE_S = 10.0
#: Seconds between two liveness checks of a running child (at most; a third of the stuck time if less).
LIVENESS_INTERVAL_S = 5.0
#: What each child answers while its event loop runs: the supervisor's liveness check, and the same
#: paths in docker-compose.yml's health checks and the Kubernetes probes. Any HTTP answer counts.
LIVENESS_PATHS = {"actions": "/health", "rasa": "/", "gateway": "/livez"}

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


#: How ``senpai up`` prints its own lines and its children's (``SENPAI_LOG_FORMAT``; set by the supervisor).
OUTPUT = {"format": "text"}


def say(message: str) -> None:
    """Print a supervisor line: ``[senpai] ...``, or a JSON line of process ``supervisor``."""
    if OUTPUT["format"] == "json":
        print(logs.json_line("supervisor", message), flush=True)
    else:
        print(f"[senpai] {message}", flush=True)


def forwarded(name: str, line: str) -> str:
    """A child's output line as the supervisor prints it: prefixed, or (JSON logs) one JSON object."""
    if OUTPUT["format"] != "json":
        return f"[{name}] {line}"
    return line if line.startswith("{") else logs.json_line(name, line)  # a warning or traceback line


@dataclass
class Child:
    """One supervised process.

    Attributes:
        after: A URL that must answer before this child starts the first time
            (Rasa replicas wait for the first one, which creates the database
            tables, so two replicas never race to create them).
        ready_url: A URL that answers once the child serves; the supervisor
            then logs how long its start took (``NAME ready after N s``).
            Once it has answered, it is the child's liveness check.
        stuck_after_s: A child whose ``ready_url`` has not answered for this
            long, once it was ready, is stuck (its event loop blocked, or the
            process stopped): it is killed, logged, and restarted like a
            crashed one. ``None`` watches nothing.
    """

    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    after: str | None = None
    ready_url: str | None = None
    stuck_after_s: float | None = None
    proc: asyncio.subprocess.Process | None = None
    crashes: list[float] = field(default_factory=list)
    pump: asyncio.Task[None] | None = None
    watch: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start the process, forwarding its output with a ``[name]`` prefix."""
        started = time.monotonic()
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.pump = asyncio.create_task(self._forward())
        if self.ready_url is not None:
            self.watch = asyncio.create_task(self._announce_ready(started))

    async def _announce_ready(self, started: float) -> None:
        proc = self.proc
        assert self.ready_url is not None and proc is not None
        if await wait_healthy(
            self.ready_url, STARTUP_TIMEOUT_S, lambda: proc.returncode is None, ok_only=False
        ):
            say(f"{self.name} ready after {time.monotonic() - started:.1f}s")
            if self.stuck_after_s is not None:
                await self._watch_liveness(proc, self.ready_url, self.stuck_after_s)

    async def _watch_liveness(self, proc: asyncio.subprocess.Process, url: str, stuck_after_s: float) -> None:
        """Kill the child if ``url`` has not answered for ``stuck_after_s``; the supervisor restarts it."""
        interval = min(LIVENESS_INTERVAL_S, stuck_after_s / 3)
        answered = time.monotonic()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=interval)) as session:
            while proc.returncode is None:
                await asyncio.sleep(interval)
                with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                    async with session.get(url) as resp:
                        await resp.read()
                    answered = time.monotonic()
                silent = time.monotonic() - answered
                if silent >= stuck_after_s and proc.returncode is None:
                    say(f"{self.name} has not answered {url} for {silent:.0f}s: it is stuck; restarting it")
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    return

    async def _forward(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        while line := await self.proc.stdout.readline():
            sys.stdout.write(forwarded(self.name, line.decode("utf-8", "replace").rstrip()) + "\n")
            sys.stdout.flush()

    async def stop(self) -> None:
        """SIGTERM the child's process group; SIGKILL it after the grace period."""
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), STOP_GRACE_S)
        except TimeoutError:
            say(f"{self.name} did not stop in {STOP_GRACE_S:.0f}s; killing it")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
        if self.watch is not None:
            self.watch.cancel()
        if self.pump is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.pump, 2)


class PreflightError(RuntimeError):
    """Something ``senpai up`` needs has not been built."""


def preflight(settings: Settings) -> None:
    """Check that Rasa, its trained model and the knowledge index exist.

    Raises:
        PreflightError: Naming what is missing and the command that makes it.
    """
    if not settings.rasa_bin.exists():
        raise PreflightError(f"Rasa is not installed at {settings.rasa_bin}. Run `make setup`.")
    if not settings.rasa_model.exists():
        raise PreflightError(f"No trained Rasa model at {settings.rasa_model}. Run `make train`.")
    for what, service in (
        ("PostgreSQL (DATABASE_URL)", settings.database),
        ("Redis (REDIS_URL)", settings.redis),
    ):
        if settings.profile != "production" or service is None:
            continue
        try:
            socket.create_connection((service.host, service.port), timeout=3).close()
        except OSError as exc:
            raise PreflightError(f"cannot reach {what} at {service.redacted()}: {exc}") from exc
    try:
        read_meta(current_dir(settings.index_dir))
    except IndexLoadError as exc:
        # In production a host with an empty data directory serves the shared store's build.
        if settings.database is None or builds.current(settings.database.as_url()) is None:
            where = " and none in the shared store (run `senpai build-index` on any one host)"
            raise PreflightError(str(exc) + (where if settings.database is not None else "")) from exc


#: The production profile's endpoints: every value comes from the environment.
PRODUCTION_ENDPOINTS = PROJECT_ROOT / "deploy" / "endpoints.production.yml"


@dataclass(frozen=True)
class RunSecrets:
    """Tokens of one run: from the environment if set, otherwise random per run."""

    rasa_token: str
    action_token: str

    @classmethod
    def for_run(cls, settings: Settings) -> RunSecrets:
        """Use the configured tokens, or make strong random ones."""
        return cls(
            rasa_token=settings.rasa_token or secrets.token_hex(24),
            action_token=settings.action_token or secrets.token_hex(24),
        )


def render_endpoints(settings: Settings) -> Path:
    """Write the endpoints file Rasa runs with, for the settings' profile.

    ``endpoints.yml`` keeps Rasa's usual literal defaults (so ``rasa shell``
    works as-is). The embedded profile runs a copy pointed at the configured
    action server and at the SQLite tracker store in the data directory. The
    production profile runs :data:`PRODUCTION_ENDPOINTS`, whose values all come
    from the environment (see :func:`rasa_env`). Secrets are never written to
    disk: the files hold ``${VAR}`` references that Rasa expands.
    """
    if settings.profile == "production":
        return PRODUCTION_ENDPOINTS
    source = settings.rasa_project / "endpoints.yml"
    data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    data["action_endpoint"] = {
        "url": f"{settings.action_url}/webhook",
        "headers": {ACTION_TOKEN_HEADER: "${SENPAI_ACTION_TOKEN}"},
    }
    data["tracker_store"] = {"type": "SQL", "dialect": "sqlite", "db": str(settings.tracker_db)}
    run_dir = settings.data_dir / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    target = run_dir / f"endpoints-{os.getpid()}.yml"
    target.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return target


def child_env(settings: Settings, run: RunSecrets) -> dict[str, str]:
    """Return the environment every child gets."""
    env = dict(os.environ)
    env.update(
        {
            "SENPAI_RASA_TOKEN": run.rasa_token,
            "SENPAI_ACTION_TOKEN": run.action_token,
            "SENPAI_PROFILE": settings.profile,
            "SENPAI_HOST": settings.host,
            "SENPAI_PORT": str(settings.port),
            "SENPAI_RASA_URL": ",".join(settings.rasa_urls),
            "SENPAI_RASA_REPLICAS": str(len(settings.rasa_urls)),
            "SENPAI_ACTION_URL": settings.action_url,
            "SENPAI_ACTION_TIMEOUT": str(settings.action_timeout_s),
            "SENPAI_TURN_BUDGET": str(settings.turn_budget_s),
            "SENPAI_INDEX_DIR": str(settings.index_dir),
            "SENPAI_ONNX_DIR": str(settings.onnx_dir),
            "SENPAI_DATA_DIR": str(settings.data_dir),
            "PYTHONUNBUFFERED": "1",
            "HF_HUB_OFFLINE": env.get("HF_HUB_OFFLINE", "1"),
            "TOKENIZERS_PARALLELISM": "false",
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "SENPAI_LOG_LEVEL": settings.log_level,
            "SENPAI_LOG_FORMAT": settings.log_format,
        }
    )
    return env


def rasa_env(settings: Settings, run: RunSecrets) -> dict[str, str]:
    """Return a Rasa replica's environment: the variables its endpoints file refers to."""
    env = child_env(settings, run)
    env["SENPAI_ACTION_WEBHOOK_URL"] = f"{settings.action_url}/webhook"
    if settings.database is not None:
        db = settings.database
        env.update(
            {
                "SENPAI_DB_HOST": db.host,
                "SENPAI_DB_PORT": str(db.port),
                "SENPAI_DB_NAME": db.name,
                "SENPAI_DB_USER": db.user,
                "SENPAI_DB_PASSWORD": db.password,
            }
        )
    if settings.redis is not None:
        redis = settings.redis
        env.update(
            {
                "SENPAI_REDIS_HOST": redis.host,
                "SENPAI_REDIS_PORT": str(redis.port),
                "SENPAI_REDIS_DB": redis.name,
                "SENPAI_REDIS_PASSWORD": redis.password,
            }
        )
    return env


def make_children(settings: Settings, run: RunSecrets, endpoints: Path) -> list[Child]:
    """Describe the children: the action server, each Rasa replica, the gateway.

    Rasa runs through :mod:`connectors.launch` (Rasa with a bounded action
    time-out, and its API token read from the environment, never the command
    line) in its own Python environment.
    """
    env = child_env(settings, run)
    python = settings.rasa_bin.parent / "python"
    replicas: list[Child] = []
    names = rasa_replica_names(len(settings.rasa_binds))
    for number, (host, port) in enumerate(settings.rasa_binds, 1):
        argv = [
            str(python),
            "-m",
            "connectors.launch",
            "run",
            "--model",
            str(settings.rasa_model),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(settings.rasa_project / "credentials.yml"),
            "--interface",
            host,
            "--port",
            str(port),
            "--enable-api",
        ]
        name = names[number - 1]
        after = f"{settings.rasa_urls[0]}/" if number > 1 else None
        base = settings.rasa_urls[number - 1]
        replicas.append(
            Child(
                name,
                argv,
                rasa_env(settings, run),
                settings.rasa_project,
                after=after,
                ready_url=f"{base}{LIVENESS_PATHS['rasa']}",
                stuck_after_s=settings.stuck_after_s,
            )
        )
    return [
        Child(
            "actions",
            [sys.executable, "-m", "actions"],
            env,
            PROJECT_ROOT,
            ready_url=f"{settings.action_url}{LIVENESS_PATHS['actions']}",
            stuck_after_s=settings.stuck_after_s,
        ),
        *replicas,
        Child(
            "gateway",
            [sys.executable, "-m", "bot"],
            env,
            PROJECT_ROOT,
            ready_url=settings.public_url.rstrip("/") + LIVENESS_PATHS["gateway"],
            stuck_after_s=settings.stuck_after_s,
        ),
    ]


async def wait_healthy(
    url: str, timeout_s: float, alive: Callable[[], bool], *, ok_only: bool = True
) -> bool:
    """Poll ``url`` until it answers 200, the time-out passes, or ``alive()`` turns false.

    Args:
        url: What to poll.
        timeout_s: How long to keep trying.
        alive: Polling stops early when this returns false.
        ok_only: Also require a JSON body with ``"status": "ok"`` (the
            gateway's ``/healthz`` answers 200 ``degraded`` while a Rasa
            replica is still starting).
    """
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as session:
        while time.monotonic() < deadline and alive():
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError, ValueError):
                async with session.get(url) as resp:
                    if resp.status == 200:
                        if not ok_only:
                            return True
                        body = await resp.json(content_type=None)
                        if isinstance(body, dict) and body.get("status") == "ok":
                            return True
            await asyncio.sleep(0.25)
    return False

"""``senpai up``: start the action server, Rasa and the gateway, and look after them.

The supervisor checks that everything needed is built, starts the three
children on local addresses (:mod:`senpai.children`), prints the URL to open
once ``/healthz`` is green, restarts a child that crashes (with backoff, and
says so), and stops all three cleanly on Ctrl-C or SIGTERM. Children die with
the supervisor even if it is killed outright.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from pathlib import Path
from typing import Any

from organisers.privacy import expire_daily
from senpai.child_metrics import SupervisorMetrics, serving
from senpai.children import (
    OUTPUT,
    PRODUCTION_ENDPOINTS,
    STARTUP_TIMEOUT_S,
    Child,
    PreflightError,
    RunSecrets,
    make_children,
    preflight,
    render_endpoints,
    say,
    wait_healthy,
)
from senpai.migrations import migrate_slack_conversations
from settings import Settings

__all__ = ["PreflightError", "preflight", "run", "supervise"]

#: Restart backoff: 1, 2, 4, ... seconds, at most this.
MAX_BACKOFF_S = 30.0
#: A child that crashes this often within RESTART_WINDOW_S makes the supervisor give up.
MAX_RESTARTS = 5
RESTART_WINDOW_S = 300.0


async def restart(child: Child, stop: asyncio.Event, metrics: SupervisorMetrics | None = None) -> bool:
    """Report a child that exited on its own and restart it after a backoff (counted in ``metrics``).

    Returns:
        False if the child has crashed too often and should not be restarted.
    """
    now = time.monotonic()
    child.crashes = [t for t in child.crashes if now - t < RESTART_WINDOW_S] + [now]
    rc = child.proc.returncode if child.proc else None
    if len(child.crashes) > MAX_RESTARTS:
        window = f"{RESTART_WINDOW_S:.0f}s"
        say(f"{child.name} exited with code {rc} {len(child.crashes)} times in {window}; giving up")
        return False
    delay = min(MAX_BACKOFF_S, 2.0 ** (len(child.crashes) - 1))
    say(
        f"{child.name} exited unexpectedly with code {rc}; restarting in {delay:.0f}s "
        f"(restart {len(child.crashes)} of at most {MAX_RESTARTS})"
    )
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), delay)
    if not stop.is_set():
        await child.start()
        if metrics is not None:
            metrics.restarted(child)
        say(f"restarted {child.name} (pid {child.proc.pid if child.proc else '?'})")
    return True


async def start_when_ready(children: list[Child], stop: asyncio.Event) -> None:
    """Start each child once the URL it waits for answers (in order)."""
    for child in children:
        assert child.after is not None
        say(f"{child.name} starts once {child.after} answers")
        await wait_healthy(child.after, STARTUP_TIMEOUT_S, lambda: not stop.is_set(), ok_only=False)
        if stop.is_set():
            return
        await child.start()
        say(f"started {child.name} (pid {child.proc.pid if child.proc else '?'})")


async def _all_replicas(settings: Settings, health_url: str, started: float, stop: asyncio.Event) -> None:
    """Say when every Rasa replica has joined (after "Senpai is up", which needs only one)."""
    if len(settings.rasa_urls) > 1 and await wait_healthy(
        health_url, STARTUP_TIMEOUT_S * 2, lambda: not stop.is_set()
    ):
        say(f"all {len(settings.rasa_urls)} Rasa replicas up after {time.monotonic() - started:.1f}s")


async def supervise(settings: Settings, stop: asyncio.Event) -> int:
    """Run the children until ``stop`` is set or one keeps crashing.

    Returns:
        0 after a requested stop, 1 if a child crashed too often or the stack
        never became healthy.
    """
    OUTPUT["format"] = settings.log_format  # every line JSON when the children's are
    run = RunSecrets.for_run(settings)
    if note := await migrate_slack_conversations(settings):  # before any Rasa writes to the store
        say(note)
    endpoints = render_endpoints(settings)
    children = make_children(settings, run, endpoints)
    metrics = SupervisorMetrics(children)
    async with serving(settings, metrics):
        return await _supervise(settings, stop, children, endpoints, metrics)


async def _supervise(
    settings: Settings,
    stop: asyncio.Event,
    children: list[Child],
    endpoints: Path,
    metrics: SupervisorMetrics,
) -> int:
    started = time.monotonic()
    for child in children:
        if child.after is None:
            await child.start()
            say(f"started {child.name} (pid {child.proc.pid if child.proc else '?'})")
    later = asyncio.create_task(start_when_ready([c for c in children if c.after], stop))
    retention = asyncio.create_task(expire_daily(settings, say))  # at start, then daily
    health_url = f"{settings.public_url}healthz"
    # Up as soon as one Rasa replica serves (healthz 200, "degraded" until the rest join): the
    # gateway routes around a replica that is still loading, so nobody waits for all of them.
    ready = asyncio.create_task(
        wait_healthy(health_url, STARTUP_TIMEOUT_S, lambda: not stop.is_set(), ok_only=False)
    )
    whole = asyncio.create_task(_all_replicas(settings, health_url, started, stop))
    code = 0
    try:
        while not stop.is_set():
            waits: dict[asyncio.Future[Any], Child] = {
                asyncio.create_task(c.proc.wait()): c for c in children if c.proc
            }
            stopper = asyncio.create_task(stop.wait())
            background = [t for t in (ready, later) if not t.done()]
            done, pending = await asyncio.wait(
                {*waits, stopper, *background}, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                if task not in (ready, later):
                    task.cancel()
            if ready in done and not stop.is_set():
                if ready.result():
                    say(f"Senpai is up after {time.monotonic() - started:.1f}s. Open {settings.public_url}")
                    say("Press Ctrl-C to stop.")
                else:
                    say(f"the stack did not become healthy within {STARTUP_TIMEOUT_S:.0f}s; stopping")
                    code = 1
                    break
            for task in done:
                crashed = waits.get(task)
                if crashed is not None and not stop.is_set() and not await restart(crashed, stop, metrics):
                    code = 1
                    stop.set()
    finally:
        ready.cancel()
        whole.cancel()
        later.cancel()
        retention.cancel()
        say("stopping...")
        await asyncio.gather(*(c.stop() for c in reversed(children)))
        if endpoints != PRODUCTION_ENDPOINTS:
            with contextlib.suppress(OSError):
                await asyncio.to_thread(endpoints.unlink)
        say("stopped")
    return code


def run(settings: Settings) -> int:
    """Entry point of ``senpai up``."""
    try:
        preflight(settings)
    except PreflightError as exc:
        print(f"senpai up: {exc}", file=sys.stderr)
        return 2

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await supervise(settings, stop)

    return asyncio.run(main())

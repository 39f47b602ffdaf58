"""The supervisor's Prometheus metrics: which children run, and how often each was restarted.

``senpai up`` serves them on ``SENPAI_HOST:SENPAI_SUPERVISOR_METRICS_PORT``
at ``/metrics`` when ``SENPAI_METRICS_TOKEN`` is set (the gateway's token;
without it nothing listens), with the gateway's bearer check
(:func:`bot.gateway_metrics.metrics_handler`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import prometheus_client as prom
from aiohttp import web

from bot.gateway_metrics import metrics_handler
from contracts import metrics as catalogue
from senpai.children import Child, say
from settings import Settings


class SupervisorMetrics:
    """Restarts per child, counted as they happen; whether each child runs, read at scrape time."""

    def __init__(self, children: Sequence[Child]) -> None:
        self.registry, self._m = catalogue.process_registry("supervisor", prom)
        self._children = tuple(children)
        for child in self._children:
            self._m["senpai_child_restarts"].labels(child.name)

    def restarted(self, child: Child) -> None:
        """Count one restart of ``child``."""
        self._m["senpai_child_restarts"].labels(child.name).inc()

    def render(self) -> bytes:
        """The registry in Prometheus's text format, with each child's state as it is now."""
        for child in self._children:
            running = child.proc is not None and child.proc.returncode is None
            self._m["senpai_child_up"].labels(child.name).set(1 if running else 0)
        return prom.generate_latest(self.registry)


@asynccontextmanager
async def serving(settings: Settings, metrics: SupervisorMetrics) -> AsyncIterator[None]:
    """Serve ``/metrics`` while the block runs, if ``SENPAI_METRICS_TOKEN`` is set."""
    if settings.metrics_token is None:
        yield
        return
    app = web.Application()
    app.router.add_get("/metrics", metrics_handler(lambda _: metrics, settings.metrics_token))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.supervisor_metrics_port)
    try:
        await site.start()
        say(f"supervisor metrics on http://{settings.host}:{settings.supervisor_metrics_port}/metrics")
    except OSError as exc:
        say(f"supervisor metrics not served on port {settings.supervisor_metrics_port}: {exc}")
    try:
        yield
    finally:
        await runner.cleanup()

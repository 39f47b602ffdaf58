"""The gateway's Prometheus metrics, and ``/metrics`` behind a bearer token.

The names, labels and help of every metric are :mod:`contracts.metrics`'s;
this module records them. Each application has its own registry (no global
state, so tests can build many apps). ``/metrics`` exists only when
``SENPAI_METRICS_TOKEN`` is set, and answers only a request with
``Authorization: Bearer <token>`` (what Prometheus's scrape config sends).
At scrape time it also checks each Rasa replica and the action server
(``senpai_component_up``) and reads the curation store's counts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Protocol

import prometheus_client as prom
from aiohttp import web

from contracts import metrics as catalogue

#: Content type of the text exposition format.
CONTENT_TYPE = prom.CONTENT_TYPE_LATEST


class GatewayMetrics:
    """The gateway's collectors, in a registry of their own (with the process's CPU and memory)."""

    def __init__(self) -> None:
        self.registry, self._m = catalogue.process_registry("gateway", prom)
        for reason in catalogue.REFUSALS:  # every reason shows, at 0, before the first refusal
            self._m["senpai_refused"].labels(reason)
        self._m["senpai_curation_last_build_success"].set(1)  # no build has failed

    def reply(self, channel: str, kind: str, lang: str, seconds: float) -> None:
        """Count one chat reply and how long it took."""
        self._m["senpai_replies"].labels(channel, kind, lang).inc()
        self._m["senpai_reply_duration_seconds"].labels(kind).observe(seconds)

    def refused(self, reason: str) -> None:
        """Count one refused request (a reason of :data:`contracts.metrics.REFUSALS`)."""
        self._m["senpai_refused"].labels(reason).inc()

    def rasa(self, replica: str, outcome: str) -> None:
        """Count one call to a Rasa replica (an outcome of :data:`contracts.metrics.RASA_OUTCOMES`)."""
        self._m["senpai_rasa_requests"].labels(replica, outcome).inc()

    def request(self, channel: str, endpoint: str) -> None:
        """Count one request to an endpoint of :data:`contracts.metrics.ENDPOINTS`."""
        self._m["senpai_requests"].labels(channel, endpoint).inc()

    def components(self, parts: Mapping[str, bool]) -> None:
        """Record which parts answered the health check."""
        for name, up in parts.items():
            self._m["senpai_component_up"].labels(name).set(1 if up else 0)

    def curation(self, counts: Mapping[str, int], ok: bool, seconds: float, at: float) -> None:
        """Record the curation store's counts by state and the last build."""
        for state, n in counts.items():
            self._m["senpai_curation_changes"].labels(state).set(n)
        self._m["senpai_curation_last_build_success"].set(1 if ok else 0)
        self._m["senpai_curation_last_build_duration_seconds"].set(seconds)
        self._m["senpai_curation_last_build_timestamp_seconds"].set(at)

    def render(self) -> bytes:
        """The registry in Prometheus's text format."""
        return prom.generate_latest(self.registry)


def refusal() -> web.Response:
    """The 401 for a scrape without the right token."""
    return web.json_response(
        {"error": "metrics need 'Authorization: Bearer <SENPAI_METRICS_TOKEN>'"},
        status=401,
        headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
    )


class Renders(Protocol):
    """Metrics that render themselves in Prometheus's text format (each process's own class)."""

    def render(self) -> bytes:
        """The text exposition."""


def metrics_handler(
    registry_of: Callable[[web.Request], Renders],
    token: str,
    before: Callable[[web.Request], Awaitable[None]] | None = None,
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A ``GET /metrics`` handler: the token checked, ``before`` run, the registry rendered off the loop.

    Args:
        registry_of: Finds the metrics (anything with ``render() -> bytes``) for a request.
        token: The bearer token a scrape must carry.
        before: Refreshes the gauges read at scrape time.
    """

    async def handler(request: web.Request) -> web.StreamResponse:
        if not catalogue.authorised(request.headers.get("Authorization"), token):
            return refusal()
        if before is not None:
            await before(request)
        body = await asyncio.to_thread(registry_of(request).render)
        response = web.Response(body=body)
        response.headers["Content-Type"] = CONTENT_TYPE
        response.headers["Cache-Control"] = "no-store"
        return response

    return handler

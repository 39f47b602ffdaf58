"""The action server's Prometheus metrics, and its ``/metrics`` behind its own bearer token.

Names, labels and help are :mod:`contracts.metrics`'s. Every turn's replies
are counted by channel, kind and language once the turn has finished within
its budget (a turn that ran out of time counts as one ``error``); every
search records how long it took and the best passage's score, so a drift in
what people ask shows as a drift in scores; the serving index build is an
info metric, and each reload is counted. ``/metrics`` exists only when
``SENPAI_ACTION_METRICS_TOKEN`` is set, and needs
``Authorization: Bearer <token>``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import prometheus_client as prom
from sanic import HTTPResponse, Request
from sanic.response import json, raw

from contracts import metrics as catalogue

OUTCOMES = ("ok", "failed")


class ActionMetrics:
    """The action server's collectors, in a registry of their own (with the process's CPU and memory)."""

    def __init__(self) -> None:
        self.registry, self._m = catalogue.process_registry("actions", prom)
        for outcome in OUTCOMES:
            self._m["senpai_index_reloads"].labels(outcome)

    def decided(self, channel: str | None, kind: str, lang: str) -> None:
        """Count one reply sent to a user (``channel`` as Rasa names it: ``rest``, ``slack``...)."""
        self._m["senpai_decisions"].labels(channel_label(channel), kind, lang).inc()

    def searched(self, lang: str, seconds: float, top_score: float | None) -> None:
        """Record one search: its time and, when anything was found, the best passage's score."""
        self._m["senpai_retrieval_duration_seconds"].labels(lang).observe(seconds)
        if top_score is not None:
            self._m["senpai_top_score"].labels(lang).observe(top_score)

    def serving(self, build: str, model: str) -> None:
        """Say which index build is served (the one series of the info metric)."""
        info = self._m["senpai_index_build_info"]
        info.clear()
        info.labels(build, model).set(1)

    def reloaded(self, ok: bool) -> None:
        """Count one reload of the index, or one build that failed to load."""
        self._m["senpai_index_reloads"].labels("ok" if ok else "failed").inc()

    def render(self) -> bytes:
        """The registry in Prometheus's text format."""
        return prom.generate_latest(self.registry)


def channel_label(channel: str | None) -> str:
    """The metrics' name of a Rasa input channel: ``web`` (the gateway's REST), ``slack`` or ``other``."""
    if channel in ("rest", None):
        return "web"
    return channel if channel in ("slack", "cmdline") else "other"


def metrics_route(
    metrics: ActionMetrics, token: str
) -> Callable[[Request], Coroutine[Any, Any, HTTPResponse]]:
    """A Sanic handler of ``GET /metrics`` that needs ``Authorization: Bearer <token>``."""

    async def handler(request: Request) -> HTTPResponse:
        if not catalogue.authorised(request.headers.get("Authorization"), token):
            return json(
                {"error": "metrics need 'Authorization: Bearer <SENPAI_ACTION_METRICS_TOKEN>'"},
                status=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        return raw(metrics.render(), content_type=prom.CONTENT_TYPE_LATEST)

    return handler

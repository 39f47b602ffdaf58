"""Every Prometheus metric Senpai exposes: its name, type, help and labels, defined once.

The gateway (:mod:`bot.gateway_metrics`), the action server (:mod:`actions.action_metrics`)
and the supervisor each build their own collectors from :data:`CATALOGUE`,
and the Grafana dashboard and alert rules in ``deploy/monitoring/`` may use
only the names here (a test checks both). Names follow Prometheus's
conventions: a ``senpai_`` prefix, base units (seconds), ``_total`` on
counters. No label ever carries a user, a sender or a message: every label's
values are a small fixed set (kinds, languages, replicas, reasons).

Standard library only, like every contract: :func:`instrument` is handed
the ``prometheus_client`` module by the process that has it.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Final, Literal

Kind = Literal["counter", "histogram", "gauge"]
Process = Literal["gateway", "actions", "supervisor"]

#: Buckets of every duration histogram: 10 ms to 10 s, about three per decade.
SECONDS_BUCKETS: Final = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
#: Buckets of the top passage's score: cosine-like similarities, finer where answers are decided.
SCORE_BUCKETS: Final = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)

#: Why the gateway refused a request (``senpai_refused_total{reason}``).
REFUSALS: Final = ("rate_limited", "bad_input", "unknown_sender", "too_large")
#: What became of one call to a Rasa replica (``senpai_rasa_requests_total{outcome}``).
RASA_OUTCOMES: Final = ("ok", "http_error", "refused", "dropped", "timeout")
#: The gateway's endpoints counted as traffic (``senpai_requests_total{endpoint}``).
ENDPOINTS: Final = ("chat", "history", "feedback", "slack_events")


@dataclass(frozen=True)
class Spec:
    """One metric.

    Attributes:
        name: Its name as scraped (a counter's without the ``_total`` its samples get).
        kind: ``counter``, ``histogram`` or ``gauge`` (an info metric is a gauge named ``*_info``
            whose one series is 1).
        help: What it means, shown by Prometheus.
        labels: Its label names.
        process: Which process exposes it.
        buckets: A histogram's upper bounds.
    """

    name: str
    kind: Kind
    help: str
    labels: tuple[str, ...]
    process: Process
    buckets: tuple[float, ...] = ()

    def samples(self) -> tuple[str, ...]:
        """The sample names a scrape shows for it (``_total``, ``_bucket``/``_count``/``_sum``...)."""
        if self.kind == "counter":
            return (f"{self.name}_total",)
        if self.kind == "histogram":
            return tuple(f"{self.name}{s}" for s in ("_bucket", "_count", "_sum"))
        return (self.name,)


CATALOGUE: Final = (
    # The gateway.
    Spec(
        "senpai_replies",
        "counter",
        "Replies the chat API gave, by channel, reply kind and language",
        ("channel", "kind", "lang"),
        "gateway",
    ),
    Spec(
        "senpai_reply_duration_seconds",
        "histogram",
        "Seconds from a chat request to its reply, by reply kind",
        ("kind",),
        "gateway",
        SECONDS_BUCKETS,
    ),
    Spec("senpai_refused", "counter", "Requests the gateway refused, by reason", ("reason",), "gateway"),
    Spec(
        "senpai_rasa_requests",
        "counter",
        "Calls to Rasa, by replica and outcome",
        ("replica", "outcome"),
        "gateway",
    ),
    Spec(
        "senpai_requests",
        "counter",
        "Requests to the gateway's chat, history, feedback and Slack endpoints, by channel",
        ("channel", "endpoint"),
        "gateway",
    ),
    Spec(
        "senpai_component_up",
        "gauge",
        "Whether each Rasa replica and the action server answered the gateway's check at scrape time",
        ("component",),
        "gateway",
    ),
    Spec(
        "senpai_curation_changes",
        "gauge",
        "Organisers' changes to the knowledge, by state",
        ("state",),
        "gateway",
    ),
    Spec(
        "senpai_curation_last_build_success",
        "gauge",
        "Whether the last curation build in this process worked (1) or failed (0)",
        (),
        "gateway",
    ),
    Spec(
        "senpai_curation_last_build_duration_seconds",
        "gauge",
        "Seconds the last curation build in this process took",
        (),
        "gateway",
    ),
    Spec(
        "senpai_curation_last_build_timestamp_seconds",
        "gauge",
        "When the last curation build in this process ended (Unix time; 0 before the first)",
        (),
        "gateway",
    ),
    # The action server.
    Spec(
        "senpai_retrieval_duration_seconds",
        "histogram",
        "Seconds one search of the knowledge took (embedding, ranking and the decision), by language",
        ("lang",),
        "actions",
        SECONDS_BUCKETS,
    ),
    Spec(
        "senpai_top_score",
        "histogram",
        "Similarity of the best passage found for a question, by language",
        ("lang",),
        "actions",
        SCORE_BUCKETS,
    ),
    Spec(
        "senpai_decisions",
        "counter",
        "Replies the action server decided on, by channel, kind and language",
        ("channel", "kind", "lang"),
        "actions",
    ),
    Spec(
        "senpai_index_build_info",
        "gauge",
        "The knowledge index build this action server serves (one series, value 1)",
        ("build", "model"),
        "actions",
    ),
    Spec(
        "senpai_index_reloads",
        "counter",
        "Times the action server swapped in a new index build, by outcome",
        ("outcome",),
        "actions",
    ),
    # The supervisor of `senpai up`.
    Spec(
        "senpai_child_restarts",
        "counter",
        "Times the supervisor restarted a child after it crashed or got stuck",
        ("child",),
        "supervisor",
    ),
    Spec("senpai_child_up", "gauge", "Whether each child process is running", ("child",), "supervisor"),
)

BY_NAME: Final = {spec.name: spec for spec in CATALOGUE}


def of(process: Process) -> tuple[Spec, ...]:
    """The metrics one process exposes."""
    return tuple(spec for spec in CATALOGUE if spec.process == process)


def sample_names(specs: Iterable[Spec] = CATALOGUE) -> frozenset[str]:
    """Every sample name the metrics may appear under in a scrape or a query."""
    return frozenset(name for spec in specs for name in (spec.name, *spec.samples()))


def instrument(spec: Spec, registry: Any, prom: ModuleType) -> Any:
    """Make ``spec``'s collector in a ``prometheus_client`` registry.

    Args:
        spec: The metric.
        registry: A ``prometheus_client.CollectorRegistry``.
        prom: The ``prometheus_client`` module.

    Returns:
        The ``Counter``, ``Histogram`` or ``Gauge``. No ``_created`` series: they double the
        series count and Prometheus has no use for them.
    """
    prom.disable_created_metrics()
    kwargs: Mapping[str, Any] = {"labelnames": spec.labels, "registry": registry}
    if spec.kind == "counter":
        return prom.Counter(spec.name, spec.help, **kwargs)
    if spec.kind == "histogram":
        return prom.Histogram(spec.name, spec.help, buckets=spec.buckets, **kwargs)
    return prom.Gauge(spec.name, spec.help, **kwargs)


def instrument_all(process: Process, registry: Any, prom: ModuleType) -> dict[str, Any]:
    """Every collector of one process, by metric name (``prom`` is the ``prometheus_client`` module)."""
    return {spec.name: instrument(spec, registry, prom) for spec in of(process)}


def authorised(header: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header is ``Bearer <token>`` (what Prometheus sends), in constant time.

    Every process's ``/metrics`` asks this of a scrape.
    """
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def process_registry(process: Process, prom: ModuleType) -> tuple[Any, dict[str, Any]]:
    """A new registry with the process's CPU and memory and every collector of ``process``.

    Returns:
        The ``CollectorRegistry`` and the collectors, by metric name.
    """
    registry = prom.CollectorRegistry(auto_describe=True)
    prom.ProcessCollector(registry=registry)
    prom.PlatformCollector(registry=registry)
    return registry, instrument_all(process, registry, prom)

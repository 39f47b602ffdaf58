"""The Grafana dashboard, the alert rules and the scrape configs in ``deploy/monitoring/``.

Each PromQL expression is parsed (``promql-parser``, the parser GreptimeDB
uses), and every metric it reads must be one Senpai exposes
(:mod:`contracts.metrics`), so a renamed metric can't leave a blank panel or
an alert that never fires.
"""

from __future__ import annotations

import json
import re
from typing import Any

import promql_parser
import pytest
import yaml

from contracts import metrics as catalogue
from settings import PROJECT_ROOT

MONITORING = PROJECT_ROOT / "deploy" / "monitoring"
#: Metrics Prometheus makes itself.
PROMETHEUS_OWN = frozenset({"up"})


def selectors(node: Any) -> set[str]:
    """The names of every series an expression's AST reads."""
    if isinstance(node, promql_parser.VectorSelector):
        return {node.name} if node.name else set()
    if isinstance(node, promql_parser.MatrixSelector):
        return selectors(node.vector_selector)
    found: set[str] = set()
    for attr in ("lhs", "rhs", "expr", "param"):
        if (child := getattr(node, attr, None)) is not None:
            found |= selectors(child)
    for arg in getattr(node, "args", None) or []:
        found |= selectors(arg)
    return found


def expressions() -> list[tuple[str, str]]:
    """(where, PromQL) for every panel target and every alert rule."""
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text(encoding="utf-8"))
    found = [(f"panel {p['title']!r}", t["expr"]) for p in dashboard["panels"] for t in p["targets"]]
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text(encoding="utf-8"))
    found += [(f"alert {r['alert']}", r["expr"]) for g in rules["groups"] for r in g["rules"]]
    return found


@pytest.mark.parametrize(("where", "expr"), expressions(), ids=[w for w, _ in expressions()])
def test_every_expression_parses_and_reads_only_metrics_senpai_exposes(where: str, expr: str) -> None:
    names = selectors(promql_parser.parse(expr))
    assert names, f"{where} reads no metric"
    unknown = names - catalogue.sample_names() - PROMETHEUS_OWN
    assert not unknown, f"{where} reads metrics nobody exposes: {sorted(unknown)}"


def test_the_checker_catches_a_misspelt_metric_and_a_broken_expression() -> None:
    assert selectors(promql_parser.parse("rate(senpai_replys_total[5m])")) - catalogue.sample_names()
    with pytest.raises(ValueError):
        promql_parser.parse("sum(rate(senpai_replies_total[5m])")


def test_the_dashboard_is_importable_and_covers_every_metric() -> None:
    dashboard = json.loads((MONITORING / "grafana-dashboard.json").read_text(encoding="utf-8"))
    assert dashboard["uid"] and dashboard["title"] and dashboard["panels"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    used = set().union(
        *(selectors(promql_parser.parse(e)) for w, e in expressions() if w.startswith("panel"))
    )
    for spec in catalogue.CATALOGUE:
        assert used & {spec.name, *spec.samples()}, f"no panel shows {spec.name}"


def test_the_issue_s_alerts_are_there_and_each_has_a_runbook() -> None:
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text(encoding="utf-8"))
    alerts = {r["alert"]: r for g in rules["groups"] for r in g["rules"]}
    runbook = (PROJECT_ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    needed = {
        "fallback share": "senpai_replies_total",
        "p95": "senpai_reply_duration_seconds_bucket",
        "a replica down": "senpai_component_up",
        "a failed curation build": "senpai_curation_last_build_success",
        "restarts": "senpai_child_restarts_total",
    }
    for what, metric in needed.items():
        assert any(metric in selectors(promql_parser.parse(r["expr"])) for r in alerts.values()), what
    for name, rule in alerts.items():
        assert rule["annotations"]["summary"], name
        assert f"`{name}`" in runbook, f"docs/operations.md says nothing about {name}"


@pytest.mark.parametrize("config", ["prometheus.yml", "prometheus-kubernetes.yml"])
def test_scrape_configs_use_bearer_token_files_never_literals(config: str) -> None:
    scrape = yaml.safe_load((MONITORING / config).read_text(encoding="utf-8"))
    jobs = {job["job_name"]: job for job in scrape["scrape_configs"]}
    assert set(jobs) == {"senpai-gateway", "senpai-actions"}
    for job in jobs.values():
        assert job["metrics_path"] == "/metrics"
        auth = job["authorization"]
        assert auth["type"] == "Bearer" and "credentials" not in auth and auth["credentials_file"]


def test_compose_mounts_what_prometheus_reads_and_makes_its_tokens_from_the_environment() -> None:
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    prometheus = compose["services"]["prometheus"]
    assert prometheus["profiles"] == ["monitoring"]
    assert all(p.startswith("127.0.0.1:") for p in prometheus["ports"])
    for volume in prometheus["volumes"]:
        assert (PROJECT_ROOT / volume.split(":")[0]).is_file(), volume
    scrape = yaml.safe_load((MONITORING / "prometheus.yml").read_text(encoding="utf-8"))
    files = {job["authorization"]["credentials_file"] for job in scrape["scrape_configs"]}
    assert files == {f"/run/secrets/{name}" for name in prometheus["secrets"]}
    sources = {compose["secrets"][name]["environment"] for name in prometheus["secrets"]}
    assert sources == {"SENPAI_METRICS_TOKEN", "SENPAI_ACTION_METRICS_TOKEN"}
    env = {
        name: compose["services"][service]["environment"]
        for service, name in (("gateway", "SENPAI_METRICS_TOKEN"), ("actions", "SENPAI_ACTION_METRICS_TOKEN"))
    }
    assert all(name in variables for name, variables in env.items())


def test_metric_names_follow_prometheus_conventions() -> None:
    names = [spec.name for spec in catalogue.CATALOGUE]
    assert len(names) == len(set(names))
    for spec in catalogue.CATALOGUE:
        assert re.fullmatch(r"senpai_[a-z_]+", spec.name), spec.name
        assert not spec.name.endswith("_total"), f"{spec.name}: the client adds _total to counters"
        if "duration" in spec.name or spec.name.endswith("_seconds"):
            assert spec.name.endswith("_seconds"), spec.name
        assert not {"sender", "user", "message", "text", "request_id"} & set(spec.labels), spec.name
        assert spec.help and spec.help[0].isupper()

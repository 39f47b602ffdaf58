"""The Kubernetes manifests, rendered by ``kubectl kustomize`` and read as Kubernetes would.

Skips, saying why, where ``kubectl`` is not installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml

from settings import PROJECT_ROOT

SECRET = re.compile(r"PASSWORD|TOKEN|SECRET|DATABASE_URL|REDIS_URL", re.I)
COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
ENDPOINTS = (PROJECT_ROOT / "deploy" / "endpoints.production.yml").read_text()
#: What each process reads from the environment in production (beyond its defaults).
NEEDS = {
    "gateway": {
        "SENPAI_PROFILE",
        "DATABASE_URL",
        "REDIS_URL",
        "SENPAI_SENDER_SECRET",
        "SENPAI_RASA_URL",
        "SENPAI_ACTION_URL",
        "SENPAI_RASA_TOKEN",
        "SENPAI_ADMIN_TOKEN",
        "SENPAI_HOST",
    },
    "actions": {"SENPAI_PROFILE", "DATABASE_URL", "REDIS_URL", "SENPAI_ACTION_TOKEN", "SENPAI_ACTION_URL"},
    "rasa": set(re.findall(r"\$\{(\w+)\}", ENDPOINTS)) | {"SENPAI_RASA_TOKEN", "SENPAI_ACTION_TOKEN"},
}


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed")
    out = subprocess.run(
        ["kubectl", "kustomize", str(PROJECT_ROOT / "deploy" / "k8s")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


def of_kind(docs: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def container(deployment: dict[str, Any]) -> dict[str, Any]:
    (only,) = deployment["spec"]["template"]["spec"]["containers"]
    return dict(only)


def env_names(docs: list[dict[str, Any]], deployment: dict[str, Any]) -> set[str]:
    c = container(deployment)
    names = {e["name"] for e in c.get("env", [])}
    for source in c.get("envFrom", []):
        names |= set(of_kind(docs, "ConfigMap")[source["configMapRef"]["name"]]["data"])
    return names


def test_a_deployment_for_each_process_with_probes_resources_and_a_budget(
    rendered: list[dict[str, Any]],
) -> None:
    deployments = of_kind(rendered, "Deployment")
    assert set(deployments) == {"gateway", "rasa", "actions"}
    budgets = {
        b["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        for b in of_kind(rendered, "PodDisruptionBudget").values()
    }
    assert budgets == set(deployments)
    for name, deployment in deployments.items():
        c = container(deployment)
        assert c["resources"]["requests"]["cpu"] and c["resources"]["requests"]["memory"], name
        assert c["readinessProbe"]["httpGet"]["path"] and c["livenessProbe"]["httpGet"]["path"], name
    autoscaled = {
        h["spec"]["scaleTargetRef"]["name"] for h in of_kind(rendered, "HorizontalPodAutoscaler").values()
    }
    assert autoscaled == {"rasa", "actions"}


def test_the_probe_paths_exist(rendered: list[dict[str, Any]]) -> None:
    """The gateway's from its route table, the action server's from rasa-sdk, Rasa's root."""
    from aiohttp import web

    from bot.routes import setup_routes

    app = web.Application()
    setup_routes(app)
    gateway_paths = {r.resource.canonical for r in app.router.routes() if r.method == "GET" and r.resource}
    from actions.server import create_action_app

    actions_paths = {r.path.rstrip("/") or "/" for r in create_action_app().router.routes}
    deployments = of_kind(rendered, "Deployment")
    for probe in ("readinessProbe", "livenessProbe"):
        assert container(deployments["gateway"])[probe]["httpGet"]["path"] in gateway_paths
        assert container(deployments["actions"])[probe]["httpGet"]["path"] in {
            "/" + p.lstrip("/") for p in actions_paths
        }
        assert container(deployments["rasa"])[probe]["httpGet"]["path"] == "/"


def test_every_process_gets_every_variable_it_needs(rendered: list[dict[str, Any]]) -> None:
    deployments = of_kind(rendered, "Deployment")
    for name, needed in NEEDS.items():
        assert needed <= env_names(rendered, deployments[name]), (
            name,
            needed - env_names(rendered, deployments[name]),
        )
    compose_gateway = set(COMPOSE["services"]["gateway"]["environment"]) - {"SENPAI_PORT"}
    assert compose_gateway <= env_names(rendered, deployments["gateway"]) | {"SENPAI_PORT"}


def test_no_secret_is_a_literal(rendered: list[dict[str, Any]]) -> None:
    for deployment in of_kind(rendered, "Deployment").values():
        for variable in container(deployment).get("env", []):
            if SECRET.search(variable["name"]):
                assert "value" not in variable, variable["name"]
                assert variable["valueFrom"]["secretKeyRef"]["name"] == "senpai-secrets"
    for config in of_kind(rendered, "ConfigMap").values():
        assert not [k for k in config["data"] if SECRET.search(k)]
    assert not of_kind(rendered, "Secret")  # made by the operator from deploy/.env, never committed


def test_only_the_gateway_is_exposed(rendered: list[dict[str, Any]]) -> None:
    assert {s["spec"].get("type", "ClusterIP") for s in of_kind(rendered, "Service").values()} == {
        "ClusterIP"
    }
    backends = {
        path["backend"]["service"]["name"]
        for ingress in of_kind(rendered, "Ingress").values()
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert backends == {"gateway"}

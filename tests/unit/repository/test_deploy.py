"""The deployment files: only the gateway is published, secrets come from the environment."""

from __future__ import annotations

import re

import yaml

from settings import PROJECT_ROOT

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
ENDPOINTS = (PROJECT_ROOT / "deploy" / "endpoints.production.yml").read_text()
SECRET = re.compile(r"PASSWORD|TOKEN|SECRET", re.I)


def test_only_the_gateway_is_published_and_only_on_loopback() -> None:
    """Prometheus's UI too, in the opt-in ``monitoring`` profile; every port on the host's loopback."""
    published = {name: svc["ports"] for name, svc in COMPOSE["services"].items() if "ports" in svc}
    assert list(published) == ["gateway", "prometheus"]
    assert COMPOSE["services"]["prometheus"]["profiles"] == ["monitoring"]
    assert all(port.startswith("127.0.0.1:") for ports in published.values() for port in ports)


def test_rasa_replicas_get_every_variable_their_endpoints_file_uses() -> None:
    used = set(re.findall(r"\$\{(\w+)\}", ENDPOINTS))
    replicas = [name for name in COMPOSE["services"] if name.startswith("rasa-")]
    assert len(replicas) >= 2
    for name in replicas:
        assert used <= set(COMPOSE["services"][name]["environment"]), name
    gateway = COMPOSE["services"]["gateway"]["environment"]
    assert gateway["SENPAI_PROFILE"] == "production"
    assert gateway["SENPAI_RASA_URL"].split(",") == [f"http://{name}:5005" for name in replicas]


def test_secrets_are_never_written_into_the_files() -> None:
    for name, service in COMPOSE["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET.search(key) and value:
                assert "${" in str(value), f"{name}: {key} holds a literal secret"
    for key, value in re.findall(r"^\s*(\w+):\s*(.+)$", ENDPOINTS, re.M):
        if SECRET.search(key):
            assert value.startswith("${"), key


def test_the_slack_manifest_matches_what_senpai_handles() -> None:
    manifest = yaml.safe_load((PROJECT_ROOT / "deploy" / "slack-manifest.yml").read_text())
    settings = manifest["settings"]
    assert sorted(settings["event_subscriptions"]["bot_events"]) == ["app_mention", "message.im"]
    assert settings["interactivity"]["is_enabled"] is True
    for url in (settings["event_subscriptions"]["request_url"], settings["interactivity"]["request_url"]):
        assert url.endswith("/webhooks/slack/webhook")  # the gateway's route
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {"app_mentions:read", "chat:write", "im:history"}
    assert settings["socket_mode_enabled"] is False


def test_the_app_image_copies_every_package_the_project_installs() -> None:
    """A package left out of the image (as settings/ and senpai/ once were) fails only at run time."""
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text()
    included = re.search(r"include = \[([^\]]*)\]", pyproject)
    assert included
    packages = {name.strip().strip('"').rstrip("*") for name in included.group(1).split(",")}
    dockerfile = (PROJECT_ROOT / "deploy" / "Dockerfile.app").read_text()
    copied = set(re.findall(r"^COPY (\w+) \1$", dockerfile, re.M))
    assert packages and packages <= copied, packages - copied


def test_every_service_of_ours_is_probed_where_the_supervisor_watches_it() -> None:
    """A stuck process is found the same way under `senpai up` and in containers."""
    from senpai.children import LIVENESS_PATHS

    ports = {"actions": 5055, "rasa": 5005, "gateway": 8080}
    for name, service in COMPOSE["services"].items():
        kind = "rasa" if name.startswith("rasa-") else name
        if kind not in LIVENESS_PATHS:
            continue
        probe = " ".join(service["healthcheck"]["test"])
        assert f"http://127.0.0.1:{ports[kind]}{LIVENESS_PATHS[kind]}'" in probe, (name, probe)


def test_the_organisers_loop_works_in_compose() -> None:
    """The gateway gets the admin tokens, and the action server reads builds from the shared store."""
    services = COMPOSE["services"]
    gateway, actions = services["gateway"]["environment"], services["actions"]["environment"]
    assert {"SENPAI_ADMIN_TOKEN", "SENPAI_ADMIN_READ_TOKEN"} <= set(gateway)
    assert actions["SENPAI_PROFILE"] == "production"
    assert actions["DATABASE_URL"] == gateway["DATABASE_URL"] and actions["REDIS_URL"] == gateway["REDIS_URL"]
    example = (PROJECT_ROOT / "deploy" / "env.example").read_text()
    assert "SENPAI_ADMIN_TOKEN=" in example and "SENPAI_ADMIN_READ_TOKEN=" in example

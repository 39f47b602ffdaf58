"""The supervisor, with real (tiny) child processes."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import aiohttp
import pytest
import yaml

from senpai import supervisor
from senpai.children import (
    PRODUCTION_ENDPOINTS,
    Child,
    PreflightError,
    RunSecrets,
    make_children,
    preflight,
    rasa_env,
    render_endpoints,
)
from settings import Settings


def test_preflight_names_what_to_build(tmp_path: Path) -> None:
    settings = Settings(
        rasa_bin=tmp_path / "rasa", rasa_model=tmp_path / "m.tar.gz", index_dir=tmp_path / "idx"
    )
    with pytest.raises(PreflightError, match="make setup"):
        preflight(settings)
    (tmp_path / "rasa").touch()
    with pytest.raises(PreflightError, match="make train"):
        preflight(settings)
    (tmp_path / "m.tar.gz").touch()
    with pytest.raises(PreflightError, match="build-index"):
        preflight(settings)


def test_embedded_endpoints_use_the_action_server_and_a_sqlite_tracker_store(tmp_path: Path) -> None:
    settings = Settings(action_url="http://127.0.0.1:6055", data_dir=tmp_path)
    path = render_endpoints(settings)
    data = yaml.safe_load(path.read_text())
    assert data["action_endpoint"] == {
        "url": "http://127.0.0.1:6055/webhook",
        "headers": {"X-Senpai-Action-Token": "${SENPAI_ACTION_TOKEN}"},  # the secret stays in the environment
    }
    assert data["tracker_store"] == {"type": "SQL", "dialect": "sqlite", "db": str(tmp_path / "tracker.db")}
    assert path.parent == tmp_path / "run"


PRODUCTION = {
    "SENPAI_PROFILE": "production",
    "DATABASE_URL": "postgresql://senpai:pg-secret@127.0.0.1:5432/senpai",
    "REDIS_URL": "redis://:redis-secret@127.0.0.1:6379/3",
    "SENPAI_DATA_DIR": "/tmp/senpai-test",
    "SENPAI_SENDER_SECRET": "sender-secret-0123456789abcdef0123",
}


def test_production_runs_replicas_on_shared_stores_with_secrets_only_in_the_environment() -> None:
    settings = Settings.from_env(PRODUCTION)
    endpoints = render_endpoints(settings)
    assert endpoints == PRODUCTION_ENDPOINTS
    text = endpoints.read_text()
    assert "type: SQL" in text and "dialect: postgresql" in text and "AtomicRedisLockStore" in text
    run = RunSecrets("rasa-secret", "action-secret")
    children = make_children(settings, run, endpoints)
    assert [c.name for c in children] == ["actions", "rasa-1", "rasa-2", "gateway"]
    assert children[2].after == "http://127.0.0.1:5005/"  # the second replica waits for the first
    for child in children:
        for secret in ("rasa-secret", "action-secret", "pg-secret", "redis-secret"):
            assert not any(secret in arg for arg in child.argv), (child.name, secret)
    env = rasa_env(settings, run)
    referenced = set(re.findall(r"\$\{(\w+)\}", text))
    assert referenced <= set(env), referenced - set(env)
    assert (env["SENPAI_DB_PASSWORD"], env["SENPAI_REDIS_PASSWORD"]) == ("pg-secret", "redis-secret")
    assert (env["SENPAI_REDIS_DB"], env["SENPAI_ACTION_TOKEN"]) == ("3", "action-secret")
    assert children[1].argv[1:3] == ["-m", "connectors.launch"]
    assert "--port" in children[2].argv and children[2].argv[children[2].argv.index("--port") + 1] == "5006"


def test_preflight_names_an_unreachable_database(tmp_path: Path) -> None:
    (tmp_path / "rasa").touch()
    (tmp_path / "m.tar.gz").touch()
    index = tmp_path / "idx"
    index.mkdir()
    (index / "meta.json").write_text("{}")
    env = {**PRODUCTION, "DATABASE_URL": "postgresql://u:pg-secret@127.0.0.1:9/senpai"}
    settings = Settings.from_env(env).with_overrides(
        rasa_bin=tmp_path / "rasa", rasa_model=tmp_path / "m.tar.gz", index_dir=index
    )
    with pytest.raises(PreflightError, match="PostgreSQL") as info:
        preflight(settings)
    assert "pg-secret" not in str(info.value)


async def test_crashed_child_is_reported_and_restarted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    counter = tmp_path / "starts"
    crasher = (
        "import pathlib,sys; p=pathlib.Path(sys.argv[1]); "
        "p.write_text(str(int(p.read_text() or 0)+1) if p.exists() else '1'); print('boom'); sys.exit(3)"
    )
    sleeper = "import time; time.sleep(60)"

    def fake_children(settings: Settings, run: RunSecrets, endpoints: Path) -> list[Child]:
        return [
            Child("crasher", [sys.executable, "-c", crasher, str(counter)], {}, tmp_path),
            Child("sleeper", [sys.executable, "-c", sleeper], {}, tmp_path),
        ]

    monkeypatch.setattr(supervisor, "make_children", fake_children)
    monkeypatch.setattr(supervisor, "MAX_RESTARTS", 2)
    monkeypatch.setattr(supervisor, "MAX_BACKOFF_S", 0.1)
    settings = Settings(data_dir=tmp_path, port=9)  # nothing healthy on port 9
    stop = asyncio.Event()
    code = await asyncio.wait_for(supervisor.supervise(settings, stop), 30)
    out = capsys.readouterr().out
    assert code == 1
    assert "[crasher] boom" in out
    assert "crasher exited unexpectedly with code 3; restarting" in out
    assert "giving up" in out
    assert counter.read_text() == "3"  # first start plus two restarts
    assert "stopped" in out


async def test_stop_terminates_children(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    children: list[Child] = []

    def fake_children(settings: Settings, run: RunSecrets, endpoints: Path) -> list[Child]:
        children.append(Child("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"], {}, tmp_path))
        return children

    monkeypatch.setattr(supervisor, "make_children", fake_children)
    stop = asyncio.Event()
    task = asyncio.create_task(supervisor.supervise(Settings(data_dir=tmp_path, port=9), stop))
    await asyncio.sleep(1.0)
    proc = children[0].proc
    assert proc is not None and proc.returncode is None
    stop.set()
    assert await asyncio.wait_for(task, 15) == 0
    assert proc.returncode is not None


#: A child that serves its health check, then stops answering: its process is stopped (SIGSTOP),
#: as a child whose event loop is blocked would be, after its first few answers.
FREEZER = """
import http.server, os, pathlib, signal, sys, threading, time
count = pathlib.Path(sys.argv[1])
count.write_text(str(int(count.read_text() or 0) + 1) if count.exists() else "1")
class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[2])), Health)
threading.Thread(target=server.serve_forever, daemon=True).start()
print("serving", flush=True)
time.sleep(1.0)
os.kill(os.getpid(), signal.SIGSTOP)
"""


async def test_a_stuck_child_is_killed_logged_and_restarted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    counter = tmp_path / "starts"

    def fake_children(settings: Settings, run: RunSecrets, endpoints: Path) -> list[Child]:
        argv = [sys.executable, "-c", FREEZER, str(counter), str(port)]
        url = f"http://127.0.0.1:{port}/health"
        return [Child("freezer", argv, {}, tmp_path, ready_url=url, stuck_after_s=1.5)]

    monkeypatch.setattr(supervisor, "make_children", fake_children)
    monkeypatch.setattr(supervisor, "MAX_BACKOFF_S", 0.1)
    stop = asyncio.Event()
    task = asyncio.create_task(supervisor.supervise(Settings(data_dir=tmp_path, port=9), stop))
    deadline = asyncio.get_running_loop().time() + 30
    while asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.25)
        if counter.exists() and int(counter.read_text()) >= 2:
            break
    stop.set()
    await asyncio.wait_for(task, 20)
    out = capsys.readouterr().out
    assert "freezer has not answered http://127.0.0.1:" in out and "it is stuck; restarting it" in out, out
    assert "freezer exited unexpectedly with code -9; restarting" in out
    assert int(counter.read_text()) >= 2  # started again after it was killed


def test_every_child_is_watched_on_its_liveness_path() -> None:
    settings = Settings.from_env({"SENPAI_STUCK_AFTER": "45"})
    children = make_children(settings, RunSecrets("r", "a"), PRODUCTION_ENDPOINTS)
    watched = {c.name: (c.ready_url, c.stuck_after_s) for c in children}
    assert watched == {
        "actions": ("http://127.0.0.1:5055/health", 45.0),
        "rasa-1": ("http://127.0.0.1:5005/", 45.0),
        "rasa-2": ("http://127.0.0.1:5006/", 45.0),
        "gateway": ("http://127.0.0.1:8080/livez", 45.0),
    }


async def test_restarts_are_counted_on_the_supervisors_metrics(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    from senpai.harness import free_port

    marker = tmp_path / "crashed-once"
    once = (
        "import pathlib,sys,time; p=pathlib.Path(sys.argv[1])\n"
        "if not p.exists(): p.write_text('x'); sys.exit(3)\n"
        "time.sleep(60)"
    )
    children = [Child("flaky", [sys.executable, "-c", once, str(marker)], {}, tmp_path)]
    monkeypatch.setattr(supervisor, "make_children", lambda *_: children)
    monkeypatch.setattr(supervisor, "MAX_BACKOFF_S", 0.1)
    token, port = "supervisor-metrics-token", free_port()
    settings = Settings(data_dir=tmp_path, port=9, metrics_token=token, supervisor_metrics_port=port)
    stop = asyncio.Event()
    running = asyncio.create_task(supervisor.supervise(settings, stop))
    url = f"http://127.0.0.1:{port}/metrics"
    values: dict[str, float] = {}
    async with aiohttp.ClientSession() as session:
        for _ in range(100):
            await asyncio.sleep(0.1)
            try:
                async with session.get(url) as refused:
                    assert refused.status == 401
                async with session.get(url, headers={"Authorization": f"Bearer {token}"}) as resp:
                    text = await resp.text()
            except aiohttp.ClientConnectorError:
                continue
            values = {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples}
            if values.get("senpai_child_restarts_total") == 1 and values.get("senpai_child_up") == 1:
                break
    stop.set()
    assert await asyncio.wait_for(running, 30) == 0
    assert values["senpai_child_restarts_total"] == 1 and values["senpai_child_up"] == 1

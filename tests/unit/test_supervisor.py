"""The supervisor, with real (tiny) child processes."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import yaml

from bot import supervisor
from bot.settings import Settings
from bot.supervisor import Child, PreflightError, preflight, render_endpoints


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


def test_endpoints_point_at_the_configured_action_server(tmp_path: Path) -> None:
    settings = Settings(action_url="http://127.0.0.1:6055", data_dir=tmp_path)
    path = render_endpoints(settings)
    data = yaml.safe_load(path.read_text())
    assert data["action_endpoint"]["url"] == "http://127.0.0.1:6055/webhook"
    assert path.parent == tmp_path / "run"


async def test_crashed_child_is_reported_and_restarted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    counter = tmp_path / "starts"
    crasher = (
        "import pathlib,sys; p=pathlib.Path(sys.argv[1]); "
        "p.write_text(str(int(p.read_text() or 0)+1) if p.exists() else '1'); print('boom'); sys.exit(3)"
    )
    sleeper = "import time; time.sleep(60)"

    def fake_children(settings: Settings, token: str, endpoints: Path) -> list[Child]:
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

    def fake_children(settings: Settings, token: str, endpoints: Path) -> list[Child]:
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

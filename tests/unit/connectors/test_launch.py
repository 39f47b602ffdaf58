"""connectors.launch's own argument handling (the module imports Rasa only when run)."""

from __future__ import annotations

import argparse

import pytest

from connectors.launch import argv_with_token
from tests.unit.connectors.in_rasa import needs_rasa, run_in_rasa


def _parse(argv: list[str]) -> argparse.Namespace:
    """A parser shaped like ``rasa run``'s for the token option."""
    parser = argparse.ArgumentParser()
    parser.add_argument("command")
    parser.add_argument("-t", "--auth-token")
    parser.add_argument("--enable-api", action="store_true")
    return parser.parse_args(argv)


@pytest.mark.parametrize("token", ["plain-token", "-starts-with-a-dash", "--looks-like-an-option"])
def test_the_token_from_the_environment_reaches_rasa_whatever_it_starts_with(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    monkeypatch.setenv("SENPAI_RASA_TOKEN", token)
    argv = argv_with_token(["run", "--enable-api"])
    assert _parse(argv).auth_token == token


def test_a_token_already_given_is_kept_and_no_token_adds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENPAI_RASA_TOKEN", "from-env")
    assert argv_with_token(["run", "--auth-token=mine"]) == ["run", "--auth-token=mine"]
    assert argv_with_token(["run", "-t", "mine"]) == ["run", "-t", "mine"]
    monkeypatch.delenv("SENPAI_RASA_TOKEN")
    assert argv_with_token(["run"]) == ["run"]


#: Run in Rasa's own Python: five action calls through copies of one endpoint; prints the connections used.
CONNECTIONS = """
import asyncio, sys
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig
import connectors.launch as launch

async def main():
    peers = set()
    async def handle(request):
        peers.add(request.transport.get_extra_info("peername"))
        return web.json_response({"events": []})
    app = web.Application()
    app.router.add_post("/webhook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"X-Token": "t"})
    for _ in range(5):
        reply = await endpoint.copy().request(json={"next_action": "a"}, method="post", timeout=3)
        assert reply == {"events": []}
    await runner.cleanup()
    return len(peers)

if sys.argv[1] == "patched":
    launch.reuse_endpoint_sessions()
print(asyncio.run(main()))
"""


@needs_rasa
@pytest.mark.parametrize(("mode", "connections"), [("as-shipped", "5"), ("patched", "1")])
def test_action_calls_reuse_one_connection_only_with_the_patch(mode: str, connections: str) -> None:
    """Pins Rasa 3.6.21: a new connection per action call; with the patch, one kept alive across copies."""
    done = run_in_rasa(CONNECTIONS, mode, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[-1] == connections

"""The gateway's ``/metrics``: there only with its token, refused without it, and counting as it should."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.test_utils import TestClient
from prometheus_client.parser import text_string_to_metric_families

from bot.app import create_app
from contracts.metrics import authorised
from settings import Settings
from tests.unit.fakes import FakeRasa

Client = TestClient[web.Request, web.Application]
TOKEN = "a-metrics-token-of-some-length"


async def scrape(client: Client) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    resp = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/plain")
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(await resp.text())
        for s in family.samples
    }


def test_only_a_bearer_header_with_the_token_is_authorised() -> None:
    assert authorised(f"Bearer {TOKEN}", TOKEN)
    assert authorised(f"bearer {TOKEN}", TOKEN)
    for header in (None, "", TOKEN, f"Basic {TOKEN}", f"Bearer {TOKEN}x", "Bearer ", f"Bearer{TOKEN}"):
        assert not authorised(header, TOKEN), header


async def test_without_the_variable_there_is_no_metrics_endpoint(client: Client) -> None:
    assert (await client.get("/metrics")).status == 404


async def test_a_scrape_needs_the_token_and_sees_replies_refusals_and_rasa_calls(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]], settings: Settings, fake_rasa: FakeRasa
) -> None:
    client = await aiohttp_client(create_app(settings.with_overrides(metrics_token=TOKEN)))
    missing = await client.get("/metrics")
    assert missing.status == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await client.get("/metrics", headers={"Authorization": "Bearer wrong"})).status == 401
    before = await scrape(client)
    fake_rasa.reply = [
        {"text": "An answer.", "custom": {"senpai": {"kind": "answer", "citations": [], "lang": "en"}}}
    ]
    assert (await client.post("/api/chat", json={"message": "What do ALTs want?"})).status == 200
    assert (await client.post("/api/chat", json={"message": ""})).status == 400
    assert (await client.post("/api/chat", data=b"{" * 20_000)).status in (400, 413)
    after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert moved("senpai_replies_total", channel="web", kind="answer", lang="en") == 1
    assert moved("senpai_reply_duration_seconds_count", kind="answer") == 1
    assert moved("senpai_rasa_requests_total", replica="rasa", outcome="ok") == 1
    assert moved("senpai_requests_total", channel="web", endpoint="chat") == 3
    assert (
        moved("senpai_refused_total", reason="bad_input") + moved("senpai_refused_total", reason="too_large")
        == 2
    )
    assert after[("senpai_component_up", frozenset({("component", "actions")}))] == 1


async def test_the_request_id_reaches_rasa_and_comes_back(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = [{"text": "Hi!"}]
    resp = await client.post("/api/chat", json={"message": "hello"}, headers={"X-Request-ID": "proxy-id-42"})
    assert resp.status == 200 and resp.headers["X-Request-ID"] == "proxy-id-42"
    sent = fake_rasa.received_headers[-1]
    assert sent["X-Request-ID"] == "proxy-id-42"
    assert sent["X-Senpai-Pseudonym"].startswith("web-")
    sender = json.loads(await resp.text())["sender"]
    assert sender not in json.dumps(sent)  # the pseudonym, never the sender id
    odd = await client.post(
        "/api/chat", json={"message": "hello"}, headers={"X-Request-ID": "no spaces; please"}
    )
    assert odd.headers["X-Request-ID"] != "no spaces; please" and len(odd.headers["X-Request-ID"]) == 32
    assert json.loads(await odd.text())["kind"] == "smalltalk"

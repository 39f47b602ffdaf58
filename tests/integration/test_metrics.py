"""Operating Senpai on the real stack: ``/metrics`` on every process, request ids across them, quiet logs.

One stack runs with the metrics tokens and JSON logs; after a known mix of
turns, every counter and histogram count has moved by exactly those turns,
and one request id is found in the gateway's, Rasa's and the action server's
log lines. The module's default stack (no log settings) shows what
``make run`` prints: no DEBUG line and no DeprecationWarning.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from contracts import metrics as catalogue
from senpai.harness import free_port
from tests.integration.conftest import Stack, start_stack

pytestmark = pytest.mark.integration

GATEWAY_TOKEN = "gateway-metrics-token-0123"
ACTIONS_TOKEN = "actions-metrics-token-4567"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

#: The known mix: (message, kind, lang). Two English answers, a fallback, small talk, a Japanese answer.
TURNS = [
    ("When did the JET Programme start?", "answer", "en"),
    ("What is the Dabbler identity?", "answer", "en"),
    ("What's the weather going to be like in Tokyo tomorrow?", "fallback", "en"),
    ("hello", "smalltalk", "en"),
    ("ALTは私たちに何を望んでいますか？", "answer", "ja"),
]


@pytest.fixture(scope="module")
def observed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    supervisor = free_port()
    running = start_stack(
        tmp_path_factory.mktemp("observed"),
        {
            "SENPAI_METRICS_TOKEN": GATEWAY_TOKEN,
            "SENPAI_ACTION_METRICS_TOKEN": ACTIONS_TOKEN,
            "SENPAI_SUPERVISOR_METRICS_PORT": str(supervisor),
            "SENPAI_LOG_FORMAT": "json",
            "SENPAI_RASA_REPLICAS": "1",
        },
    )
    running.ports["supervisor"] = supervisor
    try:
        yield running
    finally:
        running.stop()


def endpoints(stack: Stack) -> dict[str, tuple[str, str]]:
    """Each process's ``/metrics`` URL and token."""
    return {
        "gateway": (f"{stack.url}/metrics", GATEWAY_TOKEN),
        "actions": (f"http://127.0.0.1:{stack.ports['actions']}/metrics", ACTIONS_TOKEN),
        "supervisor": (f"http://127.0.0.1:{stack.ports['supervisor']}/metrics", GATEWAY_TOKEN),
    }


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=15) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def scrape(url: str, token: str) -> Samples:
    """Scrape ``url`` with the token and parse it with prometheus_client's parser."""
    status, text = fetch(url, {"Authorization": f"Bearer {token}"})
    assert status == 200, text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    """How much the sample ``name{labels}`` moved between two scrapes."""
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def post_chat(stack: Stack, body: dict[str, object], request_id: str | None = None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if request_id is not None:
        headers["X-Request-ID"] = request_id
    req = urllib.request.Request(f"{stack.url}/api/chat", json.dumps(body).encode(), headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_every_process_refuses_a_scrape_without_its_token(observed: Stack) -> None:
    for name, (url, token) in endpoints(observed).items():
        assert fetch(url)[0] == 401, name
        assert fetch(url, {"Authorization": "Bearer not-the-token-at-all"})[0] == 401, name
        assert fetch(url, {"Authorization": token})[0] == 401, name  # no scheme
        wrong = ACTIONS_TOKEN if token == GATEWAY_TOKEN else GATEWAY_TOKEN
        assert fetch(url, {"Authorization": f"Bearer {wrong}"})[0] == 401, name


def test_a_known_mix_of_turns_moves_the_counters_by_exactly_that(observed: Stack) -> None:
    urls = endpoints(observed)
    before = {name: scrape(*urls[name]) for name in urls}
    replies = [observed.chat(f"metrics-{n}", message) for n, (message, _, _) in enumerate(TURNS)]
    assert [(r["kind"], r["lang"]) for r in replies] == [(kind, lang) for _, kind, lang in TURNS]
    assert post_chat(observed, {"message": ""})[0] == 400
    assert post_chat(observed, {"message": "hi", "sender": "w1" + "A" * 44})[0] == 403
    after = {name: scrape(*urls[name]) for name in urls}
    gw, act = (before["gateway"], after["gateway"]), (before["actions"], after["actions"])

    expected: dict[tuple[str, str], int] = {}
    for _, kind, lang in TURNS:
        expected[kind, lang] = expected.get((kind, lang), 0) + 1
    for (kind, lang), n in expected.items():
        assert moved(*gw, "senpai_replies_total", channel="web", kind=kind, lang=lang) == n
        assert moved(*act, "senpai_decisions_total", channel="web", kind=kind, lang=lang) == n
    for kind in {kind for _, kind, _ in TURNS}:
        n = sum(1 for _, k, _ in TURNS if k == kind)
        assert moved(*gw, "senpai_reply_duration_seconds_count", kind=kind) == n
        assert moved(*gw, "senpai_reply_duration_seconds_bucket", kind=kind, le="+Inf") == n
    assert moved(*gw, "senpai_requests_total", channel="web", endpoint="chat") == len(TURNS) + 2
    assert moved(*gw, "senpai_refused_total", reason="bad_input") == 1
    assert moved(*gw, "senpai_refused_total", reason="unknown_sender") == 1
    assert moved(*gw, "senpai_refused_total", reason="rate_limited") == 0
    assert moved(*gw, "senpai_rasa_requests_total", replica="rasa", outcome="ok") == len(TURNS)
    assert after["gateway"][("senpai_component_up", frozenset({("component", "actions")}))] == 1
    # Every question is searched once; small talk is not. The Japanese one is scored on its own scale.
    searched = {"en": 3, "ja": 1}
    for lang, n in searched.items():
        assert moved(*act, "senpai_retrieval_duration_seconds_count", lang=lang) == n
        assert moved(*act, "senpai_top_score_count", lang=lang) == n
    builds = [k for k in after["actions"] if k[0] == "senpai_index_build_info"]
    assert len(builds) == 1 and dict(builds[0][1])["build"] == "initial"
    sup = after["supervisor"]
    for child in ("actions", "rasa", "gateway"):
        assert sup[("senpai_child_up", frozenset({("child", child)}))] == 1
        assert sup[("senpai_child_restarts_total", frozenset({("child", child)}))] == 0


def test_every_metric_of_the_catalogue_is_exposed_by_its_process(observed: Stack) -> None:
    urls = endpoints(observed)
    for process in ("gateway", "actions", "supervisor"):
        families = {
            f.name
            for f in text_string_to_metric_families(
                fetch(urls[process][0], {"Authorization": f"Bearer {urls[process][1]}"})[1]
            )
        }
        for spec in catalogue.of(process):  # type: ignore[arg-type]
            assert spec.name in families, (process, spec.name)
        for name in families:
            assert not name.startswith("senpai_") or name in catalogue.BY_NAME, name


def test_one_request_id_is_followed_through_the_gateway_rasa_and_the_action_server(observed: Stack) -> None:
    rid = f"trace-{time.time_ns()}"
    status, reply = post_chat(observed, {"message": "What do ALTs want from orientation?"}, rid)
    assert status == 200 and reply["kind"] == "answer"
    deadline = time.monotonic() + 10
    while True:
        lines = [line for line in observed.output().splitlines() if rid in line]
        seen = {json.loads(line)["process"] for line in lines}
        if {"gateway", "rasa", "actions"} <= seen or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert {"gateway", "rasa", "actions"} <= seen, lines
    records = [json.loads(line) for line in lines]
    for record in records:
        assert record["request_id"] == rid
        assert {"time", "level", "process", "message"} <= record.keys()
        assert record["sender"].startswith("web-") and reply["sender"] not in json.dumps(record)
    assert {r["process"] for r in records} >= {"gateway", "rasa", "actions"}
    gateway = next(r for r in records if r["process"] == "gateway" and r.get("kind"))
    assert gateway["kind"] == "answer" and gateway["duration"] > 0
    # A request without an id, or with a long or odd one, gets a fresh id back.
    status, _ = post_chat(observed, {"message": "hello"}, "x" * 200)
    assert status == 200
    # `senpai up` with JSON logs prints nothing but JSON lines, its own included.
    output = observed.output().splitlines()
    odd = [line for line in output if not line.startswith("{")]
    assert not odd and all(json.loads(line)["process"] for line in output), odd[:3]
    assert any(json.loads(line)["process"] == "supervisor" and "Senpai is up" in line for line in output)


def test_without_the_tokens_there_is_no_metrics_endpoint(stack: Stack) -> None:
    assert fetch(f"{stack.url}/metrics")[0] == 404
    assert fetch(f"http://127.0.0.1:{stack.ports['actions']}/metrics")[0] == 404


def test_the_default_output_is_for_a_person(stack: Stack) -> None:
    """What ``make run`` prints: readiness, the URL, warnings; no DEBUG line, no DeprecationWarning."""
    stack.chat("quiet", "When did the JET Programme start?")
    output = stack.output()
    assert "Senpai is up" in output and stack.url in output
    assert " DEBUG " not in output, [line for line in output.splitlines() if " DEBUG " in line][:5]
    assert "DeprecationWarning" not in output
    assert "Registered function for" not in output  # rasa-sdk's registration lines
    assert "Loading faiss" not in output


def test_request_ids_come_back_in_the_response(stack: Stack) -> None:
    req = urllib.request.Request(f"{stack.url}/livez", headers={"X-Request-ID": "from-the-proxy-1"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.headers["X-Request-ID"] == "from-the-proxy-1"
    with urllib.request.urlopen(f"{stack.url}/livez", timeout=10) as resp:
        assert len(resp.headers["X-Request-ID"]) == 32

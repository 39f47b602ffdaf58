"""Two hosts on one PostgreSQL and one Redis, with separate data directories: one Senpai.

Host A starts with a built index and shares it (``senpai build-index``); host B
starts with an empty data directory and serves the shared store's build. A
conversation moves between them, an organiser's change made on A is answered
on B, a failed build leaves both serving, a burst over both loses nothing, and
with A stopped B goes on. Skips (saying why) where PostgreSQL or Redis is not
running on 127.0.0.1.
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from contracts import builds
from knowledge import current_dir, read_meta
from settings import PROJECT_ROOT
from tests.integration.conftest import Stack, start_stack
from tests.integration.test_curation import (
    ACRONYM,
    MISSED,
    PASSAGE,
    TOKEN,
    Organiser,
    answered_from,
    attach_until_answered,
    until,
)
from tests.pg import reachable, throwaway_database

pytestmark = pytest.mark.integration

REDIS = ("127.0.0.1", 6379)
#: From ``senpai curate attach`` starting on one host to the answer on the other (the command loads
#: its encoders first).
COMMAND_LIVE_ON_OTHER_HOST_S = 10.0
#: From an organiser's click on one host's /admin/ to the answer on the other.
CLICK_LIVE_ON_OTHER_HOST_S = 5.0


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, Stack, str]]:
    if not reachable(REDIS):
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    with throwaway_database("senpai_hosts") as database:
        env = {
            "SENPAI_PROFILE": "production",
            "DATABASE_URL": database,
            "REDIS_URL": "redis://127.0.0.1:6379/13",
            "SENPAI_RASA_REPLICAS": "1",
            "SENPAI_SENDER_SECRET": secrets.token_hex(32),
            "SENPAI_RATE_IP_PER_MIN": "100000",
            "SENPAI_RATE_SENDER_PER_MIN": "100000",
            "SENPAI_ADMIN_TOKEN": TOKEN,
        }
        a = start_stack(tmp_path_factory.mktemp("host-a"), env)
        b: Stack | None = None
        try:
            shared = senpai(a, "build-index")
            assert shared.returncode == 0 and "shared store" in shared.stdout, shared.stdout + shared.stderr
            b = start_stack(tmp_path_factory.mktemp("host-b"), env, copy_index=False)
            yield a, b, database
        finally:
            if b is not None:
                b.stop()
            a.stop()


def senpai(host: Stack, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a ``senpai`` command in a host's environment."""
    return subprocess.run(
        [sys.executable, "-m", "senpai", *args],
        cwd=PROJECT_ROOT,
        env={**host.env, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def say(host: Stack, token: str, message: str) -> dict[str, Any]:
    status, body = host.patiently(
        "POST", "/api/chat", json.dumps({"sender": token, "message": message}).encode()
    )
    assert status == 200, body
    return body


def said_by_user(host: Stack, token: str) -> list[str]:
    status, body = host.request("GET", "/api/history?sender=" + token)
    assert status == 200, body
    return [m["text"] for m in body["messages"] if m["from"] == "user"]


def test_the_empty_host_serves_the_shared_build(hosts: tuple[Stack, Stack, str]) -> None:
    a, b, database = hosts
    stored = builds.current(database)
    assert stored is not None
    assert (b.data_dir / "index" / "builds" / stored.id / "meta.json").is_file()
    assert f"fetched build {stored.id}" in b.log.read_text(encoding="utf-8", errors="replace")
    question = "What is the JET Programme for?"
    assert a.chat("reader-a", question)["kind"] == b.chat("reader-b", question)["kind"] == "answer"


def test_a_conversation_begun_on_one_host_goes_on_on_the_other(hosts: tuple[Stack, Stack, str]) -> None:
    a, b, _ = hosts
    token = a.token("traveller")
    first = say(a, token, "What is the JET Programme for?")
    assert first["kind"] == "answer"
    assert say(b, token, "why?")["kind"] not in ("error", "fallback")  # a follow-up of A's answer, on B
    assert said_by_user(b, token) == said_by_user(a, token) == ["What is the JET Programme for?", "why?"]


def test_a_change_made_with_the_command_on_one_host_is_answered_on_the_other(
    hosts: tuple[Stack, Stack, str],
) -> None:
    a, b, _ = hosts
    assert b.chat("before", MISSED)["kind"] == "fallback"
    command = [sys.executable, "-m", "senpai", "curate", "--who", "organiser", "attach", PASSAGE, MISSED]
    run = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=a.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    waited = until(answered_from(b, MISSED, PASSAGE), 60)  # asked on B while the command runs on A
    output, _ = run.communicate(timeout=300)
    assert run.returncode == 0, output
    print(f"`senpai curate attach` on host A: answered on host B {waited:.2f} s after the command started")
    assert waited <= COMMAND_LIVE_ON_OTHER_HOST_S
    assert answered_from(a, MISSED, PASSAGE)()


def test_a_change_clicked_on_one_hosts_admin_is_answered_on_the_other(
    hosts: tuple[Stack, Stack, str],
) -> None:
    a, b, _ = hosts
    assert b.chat("before-click", ACRONYM)["kind"] == "fallback"
    _, live_s = attach_until_answered(Organiser(a), b, ACRONYM)
    print(f"a change clicked on host A's /admin/ was answered on host B in {live_s:.2f} s")
    assert live_s <= CLICK_LIVE_ON_OTHER_HOST_S


def test_a_failed_build_leaves_both_hosts_serving(hosts: tuple[Stack, Stack, str]) -> None:
    a, b, database = hosts
    # The last change's exact build (its adapter refitted in the background) lands first.
    until(lambda: "adapter_provisional" not in read_meta(current_dir(a.data_dir / "index")), 120)
    before = builds.current(database)
    failed = senpai(
        a,
        "curate",
        "attach",
        "--yes",
        PASSAGE,
        "which four countries came first",
        SENPAI_EMBEDDING_MODEL="/nowhere",
    )
    assert failed.returncode != 0
    assert builds.current(database) == before
    for host in (a, b):
        assert answered_from(host, MISSED, PASSAGE)()


def test_a_burst_over_both_hosts_loses_no_message(hosts: tuple[Stack, Stack, str]) -> None:
    a, b, _ = hosts
    users = [a.token(f"burst-{n}") for n in range(50)]
    turns = [(users[n % 50], f"message {n // 50} about the JTE's role", (a, b)[n % 2]) for n in range(200)]

    def send(turn: tuple[str, str, Stack]) -> str:
        token, text, host = turn
        return str(say(host, token, text)["kind"])

    # Each user's four turns go in order (one worker each); users run side by side over both hosts.
    by_user: dict[str, list[tuple[str, str, Stack]]] = {}
    for turn in turns:
        by_user.setdefault(turn[0], []).append(turn)
    with ThreadPoolExecutor(16) as pool:
        kinds = [k for ks in pool.map(lambda ts: [send(t) for t in ts], by_user.values()) for k in ks]
    assert len(kinds) == 200 and "error" not in kinds
    for token, own in by_user.items():
        assert said_by_user(b, token) == [text for _, text, _ in own]


def test_with_one_host_stopped_the_other_goes_on_and_the_history_is_whole(
    hosts: tuple[Stack, Stack, str],
) -> None:
    a, b, _ = hosts
    token = a.token("last-one")
    say(a, token, "What do ALTs want from their JTEs?")
    a.stop()
    assert say(b, token, "what about orientations?")["kind"] in ("answer", "clarify")
    assert said_by_user(b, token) == ["What do ALTs want from their JTEs?", "what about orientations?"]


def test_the_failed_host_was_a_real_process(hosts: tuple[Stack, Stack, str]) -> None:
    """The stop above was real: host A's gateway no longer answers."""
    a, _, _ = hosts
    with pytest.raises(OSError):
        a.request("GET", "/livez")

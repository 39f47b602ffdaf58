"""Sender ids are capabilities: only ids the gateway issued name a conversation, and only their own."""

from __future__ import annotations

import os
import stat
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sender_keys import (
    SECRET_FILE,
    TOKEN_CHARS,
    SenderKeys,
    UnknownSender,
    load_secret,
)
from contracts import senders as contract
from tests.unit.fakes import KEYS, Client, FakeRasa, conv, sid

OTHER = SenderKeys(b"another-senpai-with-its-own-secret-0123456789")
ISSUED = [KEYS.issue() for _ in range(20)]


def test_an_issued_id_names_one_web_conversation() -> None:
    token = KEYS.issue()
    assert len(token) == TOKEN_CHARS == 46
    assert set(token) <= set(string.ascii_letters + string.digits + "_-")
    conversation = KEYS.conversation(token)
    assert conversation.startswith(contract.WEB) and conversation == contract.conversation_of(token)
    assert contract.looks_issued(token)
    assert token[2:24] in conversation and token[24:] not in conversation  # the tag is never stored
    assert len({KEYS.conversation(t) for t in ISSUED}) == len(ISSUED)


@pytest.mark.parametrize(
    "token",
    [
        "a",
        "UOWNER42",  # a Slack member id
        "slack:T1:UOWNER42",
        "web:" + ISSUED[0][2:24],  # the conversation id itself
        "w-0123456789abcdef01234567",  # what the widget used to make up
        ISSUED[0][:-1],  # truncated
        ISSUED[0] + "A",  # extended
        ISSUED[0][:24] + ISSUED[1][24:],  # one id's randomness with another's tag
        ISSUED[0][:-1] + ("A" if ISSUED[0][-1] != "A" else "B"),  # a forged last character
        OTHER.issue(),  # issued by a gateway with another secret
    ],
)
def test_ids_that_were_not_issued_are_refused(token: str) -> None:
    with pytest.raises(UnknownSender):
        KEYS.conversation(token)


@settings(max_examples=2000, deadline=None)
@given(st.text(max_size=80) | st.from_regex(r"w1[A-Za-z0-9_-]{44}", fullmatch=True))
def test_no_arbitrary_string_reaches_a_conversation(text: str) -> None:
    """Arbitrary strings, including ones shaped exactly like an id, never pass unless issued."""
    if text in ISSUED:
        return
    with pytest.raises(UnknownSender):
        KEYS.conversation(text)


@settings(max_examples=500, deadline=None)
@given(which=st.integers(0, len(ISSUED) - 1), at=st.integers(0, TOKEN_CHARS - 1), char=st.characters())
def test_changing_any_character_of_an_issued_id_is_refused(which: int, at: int, char: str) -> None:
    token = ISSUED[which]
    altered = token[:at] + char + token[at + 1 :]
    if altered == token:
        return
    with pytest.raises(UnknownSender):
        KEYS.conversation(altered)


def test_the_embedded_secret_is_made_once_privately_and_kept(tmp_path: Path) -> None:
    first = load_secret(None, tmp_path)
    path = tmp_path / SECRET_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secret(None, tmp_path) == first  # a restart keeps every issued id valid
    assert [p.name for p in tmp_path.iterdir()] == [SECRET_FILE]  # no draft left behind
    env = "x" * 40
    assert load_secret(env, tmp_path) == env.encode()  # the environment wins
    path.write_text("short\n")
    with pytest.raises(ValueError, match="delete it"):
        load_secret(None, tmp_path)
    os.chmod(path, 0o600)


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        SenderKeys(b"too short")


async def test_the_gateway_issues_an_id_and_refuses_unissued_ones(
    client: Client, fake_rasa: FakeRasa
) -> None:
    fake_rasa.reply = [{"text": "Hello!"}]
    first = await (await client.post("/api/chat", json={"message": "hi"})).json()
    token = first["sender"]
    assert KEYS.conversation(token) == fake_rasa.received[-1]["sender"]
    again = await (await client.post("/api/chat", json={"sender": token, "message": "hi again"})).json()
    assert again["sender"] == token and fake_rasa.received[-1]["sender"] == KEYS.conversation(token)
    forwarded = len(fake_rasa.received)
    for bad in ("UOWNER42", token[:-2], OTHER.issue(), "web:" + token[2:24]):
        for method, path, kwargs in (
            ("POST", "/api/chat", {"json": {"sender": bad, "message": "tell me more"}}),
            ("GET", "/api/history", {"params": {"sender": bad}}),
            ("POST", "/api/feedback", {"json": {"sender": bad, "message_id": "abc", "rating": 1}}),
        ):
            resp = await client.request(method, path, **kwargs)  # type: ignore[arg-type]
            body = await resp.json()
            assert resp.status == 403 and body["code"] == "unknown_sender", (bad, path, body)
            assert "without 'sender'" in body["error"]
    assert len(fake_rasa.received) == forwarded  # nothing refused reached Rasa


async def test_two_web_users_get_two_conversations(client: Client, fake_rasa: FakeRasa) -> None:
    fake_rasa.reply = [{"text": "ok"}]
    await client.post("/api/chat", json={"sender": sid("ann"), "message": "my JTE barely talks to me"})
    await client.post("/api/chat", json={"sender": sid("ben"), "message": "hi"})
    assert [m["sender"] for m in fake_rasa.received[-2:]] == [conv("ann"), conv("ben")]
    assert conv("ann") != conv("ben")

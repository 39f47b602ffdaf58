"""Bodies the JSON parser can't take get a 400 that says what is wrong, on every JSON endpoint.

A body nested 5,000 levels deep fits well inside the 16 KiB limit, and made
Python's parser recurse past its limit: the chat API answered 500. The
parsers are driven with hypothesis (deep nesting, huge numbers, invalid
UTF-8, lone surrogates, random bytes): each either decodes a body or raises
:class:`ValidationError`, never anything else. Then every JSON endpoint
(chat, feedback, Slack here; the organisers' change API in
``test_admin_curation.py``) is sent the worst shapes.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import slack_events
from bot.schemas import ValidationError, parse_chat, parse_feedback, parse_json
from tests.unit.bot.test_slack import signed, slack_client  # noqa: F401
from tests.unit.fakes import Client, FakeRasa, sid


def nested(depth: int, opening: str = "[", closing: str = "]", inner: str = "1") -> bytes:
    return (opening * depth + inner + closing * depth).encode()


#: The worst shapes, each well inside the 16 KiB limit.
BAD_BODIES = {
    "arrays-5000-deep": nested(5000),
    "objects-2500-deep": nested(2500, '{"a":', "}"),
    "message-nested-deep": b'{"message": ' + nested(5000) + b"}",
    "a-4301-digit-number": b'{"message": "hi", "sender": ' + b"9" * 4301 + b"}",
    "invalid-utf8": b'{"message": "\xff\xfe"}',
    "lone-surrogate": b'{"message": "hello \\ud800 there"}',
    "truncated": b'{"message": "hi"',
    "not-an-object": b'["message", "hi"]',
    "nan-only": b"NaN",
    "bom": b'\xef\xbb\xbf{"message": "hi"}',
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
bodies = st.one_of(
    st.binary(max_size=300),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.integers(min_value=1, max_value=20_000).map(nested),
    st.builds(
        lambda depth, message: (
            json.dumps({"message": message}).encode()[:-1] + b', "x": ' + nested(depth) + b"}"
        ),
        st.integers(min_value=900, max_value=6000),
        st.text(max_size=20),
    ),
    st.text().map(lambda t: ('{"message": "' + t + '\\ud800"}').encode("utf-8", "surrogatepass")),
)


@settings(max_examples=300, deadline=None)
@given(body=bodies)
def test_the_parsers_decode_a_body_or_say_what_is_wrong_with_it(body: bytes) -> None:
    for parse in (parse_json, lambda b: parse_chat(parse_json(b)), lambda b: parse_feedback(parse_json(b))):
        try:
            parse(body)
        except ValidationError as exc:
            assert str(exc)
    for content_type in ("application/json", "application/x-www-form-urlencoded", "text/plain"):
        try:
            assert isinstance(slack_events.parse(content_type, body), dict)
        except ValidationError as exc:
            assert str(exc)


@pytest.mark.parametrize("name", list(BAD_BODIES))
@pytest.mark.parametrize("path", ["/api/chat", "/api/feedback"])
async def test_chat_and_feedback_answer_400_to_bodies_they_cannot_take(
    client: Client, fake_rasa: FakeRasa, path: str, name: str
) -> None:
    resp = await client.post(path, data=BAD_BODIES[name], headers={"Content-Type": "application/json"})
    body = await resp.json()
    assert resp.status == 400, (name, body)
    assert body["error"] and body["error_ja"]
    assert fake_rasa.received == []  # nothing reached Rasa


async def test_a_nested_sender_is_refused_too(client: Client) -> None:
    resp = await client.post("/api/chat", data=b'{"sender": ' + nested(5000) + b', "message": "hi"}')
    assert resp.status == 400


#: The bodies a signed Slack request could carry that Python's parser can't take.
UNPARSABLE = ["arrays-5000-deep", "objects-2500-deep", "a-4301-digit-number", "truncated"]


@pytest.mark.parametrize("name", UNPARSABLE)
async def test_slack_answers_400_to_a_signed_body_it_cannot_take(
    slack_client: Client,  # noqa: F811
    fake_rasa: FakeRasa,
    name: str,
) -> None:
    body = BAD_BODIES[name]
    resp = await slack_client.post(
        "/webhooks/slack/webhook", data=body, headers={**signed(body), "Content-Type": "application/json"}
    )
    assert resp.status == 400, await resp.text()
    assert "not a Slack payload" in (await resp.json())["error"]
    assert fake_rasa.slack_received == []


async def test_a_lone_surrogate_in_a_message_is_a_clear_400(client: Client, fake_rasa: FakeRasa) -> None:
    resp = await client.post(
        "/api/chat", data=b'{"sender": "' + sid("a").encode() + b'", "message": "hi \\udc00"}'
    )
    assert resp.status == 400
    assert "surrogate" in (await resp.json())["error"]

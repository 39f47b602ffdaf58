"""Replies as Slack Block Kit messages: escaping, citations and Slack's limits."""

from __future__ import annotations

from actions.messages import ANSWER, CLARIFY, Button, Reply
from actions.slack_blocks import MAX_BUTTON_LABEL, escape, slack_message
from knowledge import Citation, Passage


def passage(text: str, participant: str | None = None) -> Passage:
    cite = Citation("s", "Study <A> & B", "Ref.", "Findings", participant)
    return Passage("p-1", "topic", "all", "Title", text, cite)


def test_mrkdwn_specials_in_passages_are_escaped() -> None:
    reply = Reply(kind=ANSWER, text="Teachers <@U123> & ALTs > JTEs <!channel>", citations=(passage("x"),))
    post = slack_message(reply)
    section = post["blocks"][0]["text"]
    assert section == {
        "type": "mrkdwn",
        "text": "Teachers &lt;@U123&gt; &amp; ALTs &gt; JTEs &lt;!channel&gt;",
    }
    context = post["blocks"][1]["elements"][0]["text"]
    assert "Study &lt;A&gt; &amp; B, Findings" in context
    assert "<" not in post["text"].replace("&lt;", "")


def test_each_paragraph_is_a_section_and_participants_are_cited() -> None:
    reply = Reply(kind=ANSWER, text="First idea.\n\nSecond idea.", citations=(passage("x", "ALT 3"),))
    post = slack_message(reply)
    assert [b["type"] for b in post["blocks"]] == ["section", "section", "context"]
    assert "(participant: ALT 3)" in post["blocks"][2]["elements"][0]["text"]


def test_buttons_respect_slacks_limits() -> None:
    buttons = tuple(Button(title="x" * 200, payload=f"question {i}") for i in range(7))
    post = slack_message(Reply(kind=CLARIFY, text="Which one?", buttons=buttons))
    [actions] = [b for b in post["blocks"] if b["type"] == "actions"]
    assert len(actions["elements"]) == 5
    assert all(len(e["text"]["text"]) <= MAX_BUTTON_LABEL for e in actions["elements"])
    assert len({e["action_id"] for e in actions["elements"]}) == 5


def test_escape_is_idempotent_on_plain_text() -> None:
    assert escape("JET began in 1987.") == "JET began in 1987."

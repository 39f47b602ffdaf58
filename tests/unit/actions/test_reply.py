"""Replies built from a passage that draws on both studies: every source is cited."""

from __future__ import annotations

from actions import compose
from actions.messages import ANSWER, Reply, custom_payload
from actions.slack_blocks import slack_message
from knowledge import Citation, Passage

IDENTITY = Citation("identity", "Identity study", "Author (2025a). Identity.", "Introduction")
PD = Citation("pd", "PD study", "Author (2025b). PD.", "Findings", "ALT3")
BOTH = Passage(
    "both", "topic", "all", "Both studies", "A passage on both studies.", IDENTITY, also_cited=(PD,)
)
ONE = Passage("one", "topic", "all", "One study", "A passage on one study.", IDENTITY)


def test_text_channels_name_every_source_once() -> None:
    reply = Reply(kind=ANSWER, text="x", citations=(BOTH, ONE))
    assert reply.plain_text().endswith(
        "Sources: Identity study, Introduction; PD study, Findings (participant: ALT3)"
    )
    assert (
        Reply(kind=ANSWER, text="x", citations=(ONE,))
        .plain_text()
        .endswith("Source: Identity study, Introduction")
    )


def test_the_api_payload_has_one_citation_per_source() -> None:
    citations = custom_payload(Reply(kind=ANSWER, text="x", citations=(BOTH,)))["senpai"]["citations"]
    assert [(c["passage_id"], c["source"], c["participant"]) for c in citations] == [
        ("both", "Identity study", None),
        ("both", "PD study", "ALT3"),
    ]


def test_slack_and_where_is_that_from_cite_both_studies() -> None:
    context = slack_message(Reply(kind=ANSWER, text="x", citations=(BOTH,)))["blocks"][-1]
    assert "Identity study, Introduction" in context["elements"][0]["text"]
    assert "PD study, Findings" in context["elements"][0]["text"]
    text = compose.source_reply([BOTH]).text
    assert "Author (2025a). Identity., section “Introduction”" in text
    assert "and from Author (2025b). PD., section “Findings”, drawing on what participant ALT3 said" in text

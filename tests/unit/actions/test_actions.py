"""The custom actions, run with Rasa SDK's dispatcher against the real tiny index."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from actions import runtime, slots
from actions.registry import action
from actions.runtime import KnowledgeService
from actions.texts import say
from knowledge import CachedEncoder, Index
from knowledge.search.decide import Policy
from knowledge.text.words import asks_question
from tests.unit.fakes import TrackerFactory, meta, run

ANSWER = action("action_answer")
TELL_ME_MORE = action("action_tell_me_more")
CITE_SOURCE = action("action_cite_source")
SMALL_TALK = action("action_small_talk")
SET_ROLE = action("action_set_role")
ANSWER_IF_ASKED = action("action_answer_if_asked")

THRESHOLD = 0.45


@pytest.fixture(autouse=True)
def service(tiny_index: Index) -> Iterator[KnowledgeService]:
    svc = KnowledgeService(tiny_index, Policy(threshold=THRESHOLD), oos_threshold=0.6)
    runtime.install(svc)
    yield svc
    svc.close()


async def test_answer_cites_the_best_passage(make_tracker: TrackerFactory) -> None:
    messages, slot_events = await run(ANSWER, make_tracker("what year did it begin", "ask_jet_programme"))
    payload = meta(messages)
    assert payload["kind"] == "answer"
    assert payload["citations"][0]["passage_id"] == "programme-start"
    assert payload["citations"][0]["source"] == "Author (2025), Study A"
    assert payload["citations"][0]["section"] == "Introduction"
    assert "1987" in messages[0]["text"]
    assert "Source:" not in messages[0]["text"]  # the web shows citations itself
    assert slot_events[slots.LAST_PASSAGES] == ["programme-start"]
    assert "programme-start" not in slot_events[slots.CANDIDATES]
    assert slot_events[slots.LAST_TOPIC] == "programme"


async def test_unknown_question_falls_back_honestly_with_suggestions(make_tracker: TrackerFactory) -> None:
    messages, slot_events = await run(ANSWER, make_tracker("what's the weather in Osaka tomorrow?"))
    payload = meta(messages)
    assert payload["kind"] == "fallback"
    assert payload["citations"] == []
    assert "don't know" in messages[0]["text"]
    buttons = messages[0]["buttons"]
    assert 2 <= len(buttons) <= 3
    assert all(b["payload"] for b in buttons)
    assert slot_events[slots.LAST_PASSAGES] is None


async def test_not_covered_question_says_who_to_ask(make_tracker: TrackerFactory, tiny_index: Index) -> None:
    hits = tiny_index.search("how long do I boil eggs for", 3)
    assert hits.not_covered is not None and hits.not_covered.topic.id == "cooking"
    messages, slot_events = await run(ANSWER, make_tracker("how long do I boil eggs for"))
    payload = meta(messages)
    assert payload["kind"] == "fallback" and payload["citations"] == []
    text = messages[0]["text"]
    assert "don't know" in text
    assert "they don't cover cooking or recipes. A cookbook or a recipe website will help" in text
    assert "supervisor" not in text  # the topic's own advice replaces the general one
    assert 2 <= len(messages[0]["buttons"]) <= 3
    assert slot_events[slots.LAST_PASSAGES] is None


async def test_gibberish_falls_back_with_the_general_advice(make_tracker: TrackerFactory) -> None:
    messages, _ = await run(ANSWER, make_tracker("qwzx vbnm"))
    assert meta(messages)["kind"] == "fallback"
    assert say("en", "not_covered_general").split(". ", 1)[1] in messages[0]["text"]
    assert "they don't cover it." in messages[0]["text"]


async def test_out_of_scope_intent_needs_a_stronger_match(
    make_tracker: TrackerFactory, tiny_index: Index
) -> None:
    query = "goals of the scheme"
    similarity = tiny_index.search(query, 1)[0].similarity
    assert THRESHOLD <= similarity < 0.6  # answerable normally, not when NLU says out of scope
    normal, _ = await run(ANSWER, make_tracker(query, "nlu_fallback"))
    oos, _ = await run(ANSWER, make_tracker(query, "out_of_scope"))
    assert meta(normal)["kind"] == "answer"
    assert meta(oos)["kind"] == "fallback"


async def test_terminal_gets_text_with_source_and_no_json(make_tracker: TrackerFactory) -> None:
    messages, _ = await run(ANSWER, make_tracker("what year did it begin", channel="cmdline"))
    assert "custom" not in messages[0] or messages[0]["custom"] in (None, {})
    assert "Source: Author (2025), Study A, Introduction" in messages[0]["text"]


async def test_tell_me_more_gives_the_next_passage_on_the_same_topic(make_tracker: TrackerFactory) -> None:
    _, first = await run(ANSWER, make_tracker("what year did it begin", "ask_jet_programme"))
    tracker = make_tracker("tell me more", "tell_me_more", **first)
    messages, second = await run(TELL_ME_MORE, tracker)
    payload = meta(messages)
    assert payload["kind"] == "answer"
    next_id = payload["citations"][0]["passage_id"]
    assert next_id != "programme-start"
    assert next_id.startswith("programme-")
    assert second[slots.SHOWN] == ["programme-start", next_id]

    # Asking again goes on without repeating, until the topic is exhausted.
    seen = {"programme-start", next_id}
    state = {**first, **second}
    for _ in range(4):
        messages, update = await run(TELL_ME_MORE, make_tracker("more", "tell_me_more", **state))
        payload = meta(messages)
        if payload["kind"] == "fallback":
            break
        new_id = payload["citations"][0]["passage_id"]
        assert new_id not in seen
        seen.add(new_id)
        state.update(update)
    assert payload["kind"] == "fallback"
    assert "everything I have" in messages[0]["text"]
    assert seen == {"programme-start", "programme-aims", "programme-size"}


async def test_tell_me_more_before_any_answer(make_tracker: TrackerFactory) -> None:
    messages, events = await run(TELL_ME_MORE, make_tracker("tell me more", "tell_me_more"))
    assert meta(messages)["kind"] == "fallback"
    assert messages[0]["buttons"]
    assert events == {}


async def test_where_is_that_from_gives_the_full_reference(make_tracker: TrackerFactory) -> None:
    tracker = make_tracker("source?", "ask_source", **{slots.LAST_PASSAGES: ["team-planning"]})
    messages, _ = await run(CITE_SOURCE, tracker)
    payload = meta(messages)
    assert payload["kind"] == "answer"
    assert payload["citations"][0]["passage_id"] == "team-planning"
    text = messages[0]["text"]
    assert "Author, A. (2025). Study B. Journal of Tests, 2(1)." in text
    assert "Findings" in text and "Kim" in text


async def test_where_is_that_from_before_any_answer_names_every_study(make_tracker: TrackerFactory) -> None:
    messages, _ = await run(CITE_SOURCE, make_tracker("what sources do you use?", "ask_source"))
    assert meta(messages)["kind"] == "fallback"  # nothing quoted yet, so nothing to cite
    assert meta(messages)["citations"] == []
    text = messages[0]["text"]
    assert "these 2 studies" in text
    assert "Author, A. (2025). Study A. Journal of Tests, 1(1)." in text
    assert "Author, A. (2025). Study B. Journal of Tests, 2(1)." in text
    assert messages[0]["buttons"]


async def test_role_prefers_passages_for_that_audience(make_tracker: TrackerFactory) -> None:
    query = "what do assistants want from us as partner teachers"
    messages, _ = await run(ANSWER, make_tracker(query, "ask_jte", role="jte"))
    assert meta(messages)["citations"][0]["passage_id"] == "team-for-local-teachers"


async def test_a_role_stated_in_a_question_is_set_and_used(make_tracker: TrackerFactory) -> None:
    # Without a role this question's best match is the ALTs' planning passage
    # (0.652 against 0.644); said by a JTE, the passage written for JTEs wins.
    query = "I'm a JTE, what makes team teaching with a partner teacher go well?"
    messages, slot_events = await run(ANSWER, make_tracker(query, "ask_jte"))
    assert slot_events[slots.ROLE] == "jte"
    assert meta(messages)["citations"][0]["passage_id"] == "team-for-local-teachers"
    # The latest statement wins over an earlier role...
    _, switched = await run(ANSWER, make_tracker("I'm an ALT, how do I plan lessons?", "ask_jte", role="jte"))
    assert switched[slots.ROLE] == "alt"
    # ...and a role only mentioned, or already known, adds no role event.
    for text, role in (
        ("how do I support my ALT?", "jte"),
        ("As a JTE, what do assistants hope for?", "jte"),
    ):
        _, unchanged = await run(ANSWER, make_tracker(text, "ask_jte", role=role))
        assert slots.ROLE not in unchanged
    # A fallback keeps the role it read too.
    _, fallback = await run(ANSWER, make_tracker("I'm an ALT, will it rain tomorrow?", "out_of_scope"))
    assert fallback[slots.ROLE] == "alt" and fallback[slots.LAST_PASSAGES] is None


async def test_empty_text_falls_back(make_tracker: TrackerFactory) -> None:
    messages, _ = await run(ANSWER, make_tracker("   "))
    assert meta(messages)["kind"] == "fallback"


async def test_close_topics_that_fit_in_one_reply_are_answered_together(
    make_tracker: TrackerFactory, service: KnowledgeService
) -> None:
    """Issue 28: a choice is offered only when the two answers would not fit in one reply."""
    service.policy = Policy(threshold=0.3, clarify_margin=0.5, second_margin=0.5)  # everything is close
    messages, _ = await run(ANSWER, make_tracker("planning the programme with teachers"))
    payload = meta(messages)
    assert payload["kind"] == "answer"
    topics = {c["passage_id"].split("-")[0] for c in payload["citations"]}
    assert topics == {"programme", "team"}  # one passage of each topic, in one reply


async def test_close_topics_too_long_for_one_reply_get_a_clarify_question(
    make_tracker: TrackerFactory,
    tiny_index: Index,
    service: KnowledgeService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("knowledge.search.decide.MAX_ANSWER_CHARS", 100)  # no two passages fit
    service.policy = Policy(threshold=0.3, clarify_margin=0.5)  # everything counts as close
    messages, events = await run(ANSWER, make_tracker("planning the programme with teachers"))
    payload = meta(messages)
    assert payload["kind"] == "clarify" and payload["citations"] == []
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert len(titles) == 2
    assert any(t.startswith("The exchange programme: ") for t in titles)
    assert any(t.startswith("Team teaching: ") for t in titles)
    # Each button sends a question that retrieval answers from that passage.
    for button in messages[0]["buttons"]:
        assert tiny_index.search(button["payload"], 1)[0].similarity > 0.9
    assert events == {}


async def test_slack_gets_one_block_kit_message_with_its_citation(make_tracker: TrackerFactory) -> None:
    messages, _ = await run(ANSWER, make_tracker("what year did it begin", channel="slack"))
    [message] = messages
    assert message["text"] is None and message["buttons"] == []  # nothing for Rasa to post separately
    post = message["custom"]
    assert set(post) == {"text", "blocks"}  # chat.postMessage arguments only: no raw payload
    kinds = [b["type"] for b in post["blocks"]]
    assert kinds[0] == "section" and "context" in kinds
    assert "1987" in post["blocks"][0]["text"]["text"]
    context = next(b for b in post["blocks"] if b["type"] == "context")
    assert "*Source:* Author (2025), Study A, Introduction" in context["elements"][0]["text"]


async def test_slack_fallback_offers_buttons(make_tracker: TrackerFactory) -> None:
    messages, _ = await run(ANSWER, make_tracker("what's the weather in Osaka tomorrow?", channel="slack"))
    post = messages[0]["custom"]
    [actions] = [b for b in post["blocks"] if b["type"] == "actions"]
    assert 2 <= len(actions["elements"]) <= 3
    assert all(e["type"] == "button" and e["value"] and e["action_id"] for e in actions["elements"])
    assert not any(b["type"] == "context" for b in post["blocks"])  # no citation on "I don't know"


async def test_warm_embeds_in_the_background_and_the_answer_reuses_it(
    tiny_index: Index, make_tracker: TrackerFactory
) -> None:
    model = tiny_index.encoder
    started = threading.Event()

    class Signalling:
        name, dim = model.name, model.dim

        def encode(self, texts: list[str], batch_size: int = 32) -> Any:
            started.set()
            return model.encode(texts, batch_size)

    encoder = CachedEncoder(Signalling(), size=8)
    svc = KnowledgeService(tiny_index.with_encoder(encoder), Policy(threshold=THRESHOLD), oos_threshold=0.6)
    runtime.install(svc)
    try:
        assert svc.warm("When did the JET Programme start?") is True
        assert await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
        # The answer finds the vector in the cache, or waits for the embedding under way.
        messages, _ = await run(ANSWER, make_tracker("When did the JET Programme start?"))
        assert meta(messages)["kind"] == "answer"
        assert (encoder.hits, encoder.misses) == (1, 1)  # embedded once, by the warm-up
    finally:
        svc.close()


def test_warm_skips_empty_texts_and_a_busy_lane_and_keeps_long_ones_in_their_lane(
    tiny_index: Index, monkeypatch: pytest.MonkeyPatch
) -> None:
    svc = KnowledgeService(tiny_index, Policy(threshold=THRESHOLD), oos_threshold=0.6)
    try:
        assert svc.warm("  ") is False
        release = threading.Event()
        threads: dict[str, str] = {}

        def held(query: str) -> None:
            threads[query] = threading.current_thread().name
            release.wait(5)

        monkeypatch.setattr(svc.index, "warm", held)
        long = "Our school is small and quiet. " * 12 + "When did the JET Programme start?"
        assert len(long) > runtime.LONG_CHARS
        queued_long = [svc.warm(f"{n} {long}") for n in range(runtime.MAX_WARMING + 1)]
        assert queued_long == [True] * runtime.MAX_WARMING + [False]  # never a growing queue
        queued = [svc.warm(f"question {n}") for n in range(runtime.MAX_WARMING + 2)]
        assert queued == [True] * runtime.MAX_WARMING + [False, False]  # the long ones took none of these
        release.set()
        for _ in range(500):  # until the four queued early embeddings have run
            if len(threads) == 2 * runtime.MAX_WARMING:
                break
            threading.Event().wait(0.01)
        assert {q: t.startswith("encode-long") for q, t in threads.items()} == {
            q: len(q) > runtime.LONG_CHARS for q in threads
        }
        assert len(threads) == 2 * runtime.MAX_WARMING
    finally:
        svc.close()


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("I'm a JTE", False),
        ("im an alt btw", False),
        ("just arrived, I'm an ALT in a rural town", False),
        ('/inform_role{"role": "jte"}', False),
        ("I teach English at a junior high. why would our ALT choose Japan of all places?", True),
        ("I'm a JTE, what do assistants want from partner teachers", True),
        ("I'm an ALT and how do I plan lessons with my partner teacher", True),
        ("I'm a JTE. Tell me what assistants hope for", True),
        ("I'm a JTE?", True),
    ],
)
def test_asks_question(text: str, asks: bool) -> None:
    assert asks_question(text) is asks


async def test_a_role_statement_alone_adds_nothing_to_the_acknowledgement(
    make_tracker: TrackerFactory,
) -> None:
    messages, events = await run(ANSWER_IF_ASKED, make_tracker("I'm a JTE", "inform_role", role="jte"))
    assert messages == [] and events == {}


async def test_a_question_that_comes_with_the_role_is_answered_for_that_role(
    make_tracker: TrackerFactory,
) -> None:
    tracker = make_tracker(
        "I'm a JTE at a junior high, what do assistants want from partner teachers?",
        "inform_role",
        role="jte",
    )
    messages, slot_events = await run(ANSWER_IF_ASKED, tracker)
    assert meta(messages)["kind"] == "answer"
    assert meta(messages)["citations"][0]["passage_id"] == "team-for-local-teachers"
    assert slot_events[slots.LAST_PASSAGES] == ["team-for-local-teachers"]


def _role_entity(value: str, start: int) -> dict[str, Any]:
    return {"entity": "role", "value": value, "start": start, "end": start + 3}


@pytest.mark.parametrize(
    ("text", "entities", "role"),
    [
        # Two roles named, one stated: whatever order NLU lists them in.
        ("I'm a JTE, what do ALTs want from me?", [_role_entity("jte", 6), _role_entity("alt", 23)], "jte"),
        ("I'm a JTE, what do ALTs want from me?", [_role_entity("alt", 23), _role_entity("jte", 6)], "jte"),
        ("I'm an ALT in Nagano", [_role_entity("alt", 7)], "alt"),
        ("JTE", [_role_entity("jte", 0)], "jte"),  # the answer to "are you an ALT or a JTE?"
        ('/inform_role{"role": "jte"}', [{"entity": "role", "value": "jte"}], "jte"),  # a button's payload
        # A JTE describing their ALT names a role, but not their own (issue 28).
        ("our ALT never says a word in the staff room, is that normal?", [_role_entity("alt", 4)], None),
        ("What do ALTs want from me?", [_role_entity("alt", 8)], None),
    ],
)
async def test_set_role_sets_only_the_role_the_user_states(
    make_tracker: TrackerFactory, text: str, entities: list[dict[str, Any]], role: str | None
) -> None:
    tracker = make_tracker(text, "inform_role")
    tracker.latest_message["entities"] = entities
    messages, slot_events = await run(SET_ROLE, tracker)
    assert slot_events == ({} if role is None else {slots.ROLE: role})
    if role is None:
        assert messages == []  # no role heard, but a question asked: it is answered next, not "who are you?"
    else:
        assert meta(messages) == {"kind": "smalltalk", "citations": [], "role": role, "lang": "en"}
        assert messages[0]["text"] == say("en", f"acknowledge_{role}")


async def test_set_role_ignores_roles_named_in_other_intents(make_tracker: TrackerFactory) -> None:
    tracker = make_tracker("how do I support my ALT?", "ask_jte", role="jte")
    tracker.latest_message["entities"] = [_role_entity("alt", 19)]
    messages, slot_events = await run(SET_ROLE, tracker)
    assert messages == [] and slot_events == {}


async def test_set_role_adds_no_event_when_the_slot_is_already_right(make_tracker: TrackerFactory) -> None:
    tracker = make_tracker("I'm a JTE", "inform_role", role="jte")
    tracker.latest_message["entities"] = [_role_entity("jte", 6)]
    messages, slot_events = await run(SET_ROLE, tracker)
    assert slot_events == {} and meta(messages)["role"] == "jte"  # still acknowledged


async def test_a_role_statement_naming_no_role_asks_which_with_buttons(make_tracker: TrackerFactory) -> None:
    messages, slot_events = await run(SET_ROLE, make_tracker("I'm new here", "inform_role"))
    assert slot_events == {} and messages[0]["text"] == say("en", "ask_role")
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/inform_role{"role": "alt"}',
        '/inform_role{"role": "jte"}',
    ]
    assert "role" not in meta(messages)


async def test_answers_carry_the_role_senpai_knows(make_tracker: TrackerFactory) -> None:
    messages, _ = await run(ANSWER, make_tracker("what year did it begin", "ask_jet_programme", role="jte"))
    assert meta(messages)["role"] == "jte"
    messages, _ = await run(ANSWER, make_tracker("what year did it begin", "ask_jet_programme"))
    assert "role" not in meta(messages)


async def test_a_follow_up_is_answered_in_the_light_of_the_previous_answer(
    make_tracker: TrackerFactory,
) -> None:
    asked = {
        "last_question": "How can I plan lessons with my partner teacher?",
        "last_passages": ["team-planning"],
    }
    messages, slot_events = await run(
        ANSWER, make_tracker("why does that help?", **asked, last_topic="teamwork")
    )
    assert meta(messages)["kind"] == "answer"
    assert meta(messages)["citations"][0]["passage_id"] == "team-planning"
    # The slot keeps the question read in full, so a follow-up of the follow-up leans on it too.
    assert (
        slot_events[slots.LAST_QUESTION]
        == "why does that help? How can I plan lessons with my partner teacher?"
    )
    alone, _ = await run(ANSWER, make_tracker("why does that help?"))
    assert meta(alone)["kind"] == "fallback"  # with nothing before it: a prompt, not an answer
    assert "haven't answered anything yet" in alone[0]["text"]
    assert alone[0]["buttons"]  # questions it can answer


async def test_the_follow_up_intents_only_catch_what_they_mean(make_tracker: TrackerFactory) -> None:
    asked = {"last_question": "When did the programme start?", "last_passages": ["programme-start"]}
    # NLU filed a question with content of its own under "where is that from?": it is answered.
    messages, _ = await run(CITE_SOURCE, make_tracker("how big is it?", "ask_source", **asked))
    assert meta(messages)["kind"] == "answer"
    assert " comes from " not in messages[0]["text"]  # an answer, not the citation of the last one
    # ...while the real thing is still cited, whichever action NLU chose.
    messages, _ = await run(ANSWER, make_tracker("where is that from?", "ask_jet_programme", **asked))
    assert " comes from " in messages[0]["text"]


async def test_a_question_is_never_answered_with_small_talk(make_tracker: TrackerFactory) -> None:
    messages, _ = await run(
        SMALL_TALK, make_tracker("Is the stock market going up this year?", "bot_challenge")
    )
    assert meta(messages)["kind"] == "fallback" and "bot" not in messages[0]["text"].split()
    messages, _ = await run(SMALL_TALK, make_tracker("are you a bot?", "bot_challenge"))
    assert meta(messages)["kind"] == "smalltalk" and "I'm a bot" in messages[0]["text"]
    messages, _ = await run(ANSWER, make_tracker("thanks so much!", "nlu_fallback"))
    assert meta(messages)["kind"] == "smalltalk" and "welcome" in messages[0]["text"]


async def test_a_follow_up_is_embedded_early_read_with_the_last_question(
    tiny_index: Index, make_tracker: TrackerFactory
) -> None:
    encoder = CachedEncoder(tiny_index.encoder, size=32)
    svc = KnowledgeService(tiny_index.with_encoder(encoder), Policy(threshold=THRESHOLD), oos_threshold=0.6)
    runtime.install(svc)

    async def misses_reach(count: int) -> int:
        for _ in range(500):
            if encoder.misses >= count:
                break
            await asyncio.sleep(0.01)
        return encoder.misses

    try:
        messages, remembered = await run(ANSWER, make_tracker("When did the JET Programme start?"))
        assert meta(messages)["kind"] == "answer"
        before = encoder.misses
        assert svc.warm("why?", "tester") is True  # the gateway's prefetch, with the conversation's id
        assert await misses_reach(before + 2) == before + 2  # "why?" alone, and read with the question
        messages, _ = await run(ANSWER, make_tracker("why?", **remembered))
        assert meta(messages)["kind"] == "answer"
        assert encoder.misses == before + 2  # its search embedded nothing the prefetch had not
        assert svc.warm("and how many take part?", "someone-else") is True  # no exchange remembered
        assert await misses_reach(before + 3) == before + 3
        await asyncio.sleep(0.1)
        assert encoder.misses == before + 3  # only the message itself
    finally:
        svc.close()

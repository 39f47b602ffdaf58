"""Reading a message in the light of the conversation: what it is, and what a follow-up asks."""

from __future__ import annotations

import pytest

from knowledge import Index
from knowledge.search.context import (
    Previous,
    Studies,
    answer_in_context,
    contextual_query,
    needs_previous,
    reading,
)
from knowledge.search.decide import Policy
from knowledge.text.routing import Router
from knowledge.text.words import content_words
from settings import PROJECT_ROOT

EXAMPLES = {
    "greet": ["hi", "hello there", "good morning"],
    "goodbye": ["bye", "see you later"],
    "thanks": ["thanks", "thank you so much", "many thanks"],
    "bot_challenge": ["are you a bot?", "am I talking to a real person"],
    "ask_source": ["where is that from?", "source?", "which study says that?", "what paper is that from"],
    "tell_me_more": ["tell me more", "go on", "and?", "can you elaborate on that"],
}
ROUTER = Router.from_examples(EXAMPLES)


@pytest.mark.parametrize(
    ("text", "route"),
    [
        ("where is that from?", "source"),
        ("where's that from", "source"),  # read as "where is that from"
        ("which paper says so", "source"),
        ("source pls", "source"),  # a filler word changes nothing
        ("tell me more", "more"),
        ("can you elaborate a little", "more"),
        ("and?", "more"),
        ("thanks!", "smalltalk"),
        ("hello", "smalltalk"),
        ("are you a real bot", "smalltalk"),
        # The conversations: a word in common with a follow-up intent is not enough.
        ("is that one common?", "question"),
        ("who decided that?", "question"),
        ("where were they from?", "question"),  # people, not a statement to cite
        ("why does that matter?", "question"),
        ("how many of them?", "question"),  # shares "many" with "many thanks", but asks
        ("Is the stock market going up this year?", "question"),
        ("hi, what is a dabbler?", "question"),
        ("tell me more about the dabbler", "question"),
        ("why?", "question"),
    ],
)
def test_only_what_an_intent_means_is_routed_to_it(text: str, route: str) -> None:
    assert ROUTER.route(text) == route


def test_nlu_only_breaks_ties_between_kinds_that_fit() -> None:
    assert ROUTER.route("is that one common?", "source") == "question"  # NLU's guess does not fit
    assert ROUTER.route("Is the stock market going up this year?", "smalltalk") == "question"
    assert ROUTER.route("where is that from?", "question") == "source"  # NLU filed it under a topic
    assert ROUTER.smalltalk_intent("thank you!") == "thanks"
    assert ROUTER.smalltalk_intent("see you") == "goodbye"


@pytest.mark.parametrize(
    ("text", "how"),
    [
        ("is that one common?", "follow_up"),
        ("and in high school?", "follow_up"),
        ("what about JTEs?", "follow_up"),
        ("why?", "either"),
        ("can you give an example?", "either"),
        ("What is a Dabbler?", "either"),  # could be either: a strong answer of its own wins
        ("What did the interviewed ALTs want from orientation sessions in Tokyo?", "standalone"),
        ("What do JTEs at senior high schools think of that kind of ALT?", "standalone"),  # too much content
    ],
)
def test_reading(text: str, how: str) -> None:
    assert reading(text) == how


def test_content_words_are_stemmed_and_keep_more() -> None:
    assert content_words("What are your sources?") == ["sourc"]
    assert content_words("tell me more") == ["tell", "more"]
    assert needs_previous("why?") and needs_previous("who said that?")
    assert not needs_previous("qwzx vbnm") and not needs_previous("When did the programme begin?")


POLICY = Policy(threshold=0.45)
STARTED = Previous("When did the exchange programme begin?", ("programme-start",), "programme")


def test_a_standalone_question_is_answered_as_in_a_fresh_conversation(tiny_index: Index) -> None:
    fresh = answer_in_context(tiny_index, "What is the programme for?", None, POLICY)
    after = answer_in_context(tiny_index, "What is the programme for?", STARTED, POLICY)
    assert fresh.decision == after.decision and not after.follow_up
    assert after.decision.hits[0].id == "programme-aims"


PLANNING = Previous("How can I plan lessons with my partner teacher?", ("team-planning",), "teamwork")


def test_a_follow_up_is_read_with_the_previous_question(tiny_index: Index) -> None:
    alone = answer_in_context(tiny_index, "why does that help?", None, POLICY)
    found = answer_in_context(tiny_index, "why does that help?", PLANNING, POLICY)
    assert alone.decision.kind == "fallback"  # nothing to go on
    assert found.follow_up and found.query == "why does that help? " + PLANNING.question
    assert found.decision.kind == "answer" and found.decision.hits[0].id == "team-planning"


def test_a_turn_to_the_other_study_asks_the_same_of_that_study(tiny_index: Index) -> None:
    studies = Studies({"studya": ("study a", "first study"), "studyb": ("study b",)})
    asked = Previous("When did the programme begin in study a?", ("programme-start",), "programme")
    query = contextual_query(tiny_index, "and in the other study?", asked, studies)
    assert query == "and in the other study? when did the programme begin in study b"
    assert contextual_query(tiny_index, "and in study b?", asked, studies).endswith("begin in study b")
    assert contextual_query(tiny_index, "why?", asked, studies) == "why? " + asked.question


def test_strategy_alone_never_uses_the_context(tiny_index: Index) -> None:
    found = answer_in_context(tiny_index, "and how big is it?", STARTED, POLICY, strategy="alone")
    assert found.query == "and how big is it?" and not found.follow_up


def test_a_question_after_an_answer_is_never_small_talk() -> None:
    """Issue 28: "is that a lot?" after an answer on pay was read as "thanks a lot"."""
    router = Router.from_nlu(PROJECT_ROOT / "data" / "nlu")
    assert router.route("is that a lot?") == "smalltalk"  # at the start of a conversation: as before
    assert router.route("is that a lot?", after_answer=True) == "question"
    assert router.route("thanks a lot", after_answer=True) == "smalltalk"  # no question in it
    assert router.route("are you a bot?", after_answer=True) == "smalltalk"  # small talk's own example


@pytest.mark.parametrize(
    ("text", "needs"),
    [
        ("why?", True),
        ("who decided that?", True),
        ("how come?", True),
        ("What is an ALT?", False),  # names what it asks about (issue 28)
        ("what are JTEs?", False),
        ("who is Hiratsuka?", False),
        ("what is that?", True),  # points back
    ],
)
def test_what_is_x_is_a_question_of_its_own(text: str, needs: bool) -> None:
    assert needs_previous(text) is needs

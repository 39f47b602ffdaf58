"""The shipped not-covered topics refuse no passage question, on the index `make build-index` built."""

from __future__ import annotations

import pytest

from knowledge.evaluation import facts as fx
from knowledge.evaluation.scope_check import check_scope, refused_questions
from knowledge.search.decide import configured_policy, decide
from senpai.commands.common import published_index
from settings import PROJECT_ROOT, Settings

pytestmark = pytest.mark.integration


def test_no_passage_or_fact_question_is_refused_by_a_not_covered_topic() -> None:
    settings = Settings.from_env()
    index = published_index(settings, "test")
    assert index is not None and index.japanese is not None, "run `make build-index` first"

    policy = configured_policy(settings)
    assert policy.japanese is not None
    english, japanese = check_scope(index, policy), check_scope(index.japanese, policy.japanese)
    assert english.questions > 800 and japanese.questions > 800  # questions and situations, both languages
    assert [(c.owner, c.text, c.nearest) for c in english.refused] == []
    assert [(c.owner, c.text, c.nearest) for c in japanese.refused] == []
    facts = fx.load_facts(PROJECT_ROOT / "eval" / "facts.yaml", {p.id: p.text for p in index.passages})
    assert refused_questions(index, policy, [(f.id, q) for f, q in fx.questions(facts)]) == []


def test_a_message_about_alts_is_never_refused_as_small_talk() -> None:
    settings = Settings.from_env()
    index = published_index(settings, "test")
    assert index is not None and index.japanese is not None, "run `make build-index` first"
    policy = configured_policy(settings)
    # Nearest the small-talk examples in meaning, but about being an ALT (docs/retrieval.md, item 19).
    messages = ("is feeling useless just part of being an ALT", "ALTって、役に立たないと感じるのが普通なの？")
    for message in messages:
        hits = index.search(message)
        assert hits.not_covered is None or hits.not_covered.topic.id != "chit-chat", message
    # Small talk that names no ALT is still small talk.
    about_me = decide(index.search("do you have feelings"), policy)
    assert about_me.kind == "fallback" and about_me.not_covered is not None
    assert about_me.not_covered.topic.id == "chit-chat"

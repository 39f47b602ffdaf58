"""The shipped not-covered topics refuse no passage question, on the index `make build-index` built."""

from __future__ import annotations

import pytest

from knowledge.evaluation import facts as fx
from knowledge.evaluation.scope_check import check_scope, refused_questions
from knowledge.search.decide import configured_policy
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

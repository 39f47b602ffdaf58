"""The curator on a tiny corpus with the real encoder: changes go live, come back out, fail safely."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from knowledge import Index, current_dir, load_corpus, load_index, read_meta
from organisers.curation.curator import Curator, build_for
from organisers.curation.store import EXPORTED, FAILED, LIVE, UNDONE, CurationStore
from settings import Settings
from tests.unit.knowledge.content.test_curation import DRAFT

QUESTION = "zebra crossings near the school gate"  # nothing in the tiny corpus is near it


def curation_settings(corpus_dir: Path, not_covered_file: Path, data_dir: Path, **more: Any) -> Settings:
    return Settings(
        corpus_dir=corpus_dir,
        not_covered_file=not_covered_file,
        data_dir=data_dir,
        index_dir=data_dir / "index",
        encoder_backend="torch",
        japanese=False,
        **more,
    )


@pytest.fixture
def curator(corpus_dir: Path, not_covered_file: Path, tmp_path: Path) -> Curator:
    settings = curation_settings(corpus_dir, not_covered_file, tmp_path / "data")
    made = Curator(settings, CurationStore.of(settings))
    made.rebuild()
    return made


def published(curator: Curator) -> Index:
    return load_index(current_dir(curator.settings.index_dir), curator.encoders()["en"])


def best(curator: Curator, question: str) -> tuple[str, float]:
    hit = published(curator).search(question, 1)[0]
    return hit.id, hit.similarity


def test_an_attached_question_goes_live_then_settles_into_a_clean_build(curator: Curator) -> None:
    before_id, before_sim = best(curator, QUESTION)
    outcome = curator.propose(
        {"kind": "attach", "passage": "programme-size", "questions": [QUESTION]}, "Aiko"
    )
    assert outcome.ok, outcome.message
    assert outcome.record is not None and outcome.record.state == LIVE
    assert best(curator, QUESTION)[0] == "programme-size"
    assert best(curator, QUESTION)[1] > before_sim + 0.3
    assert curator.settled(timeout=60)
    meta = read_meta(current_dir(curator.settings.index_dir))
    assert "adapter_provisional" not in meta
    clean = build_for(curator.settings, curator.corpus(), curator.encoders(), cache=False)
    rebuilt = published(curator)
    assert rebuilt.fingerprint == clean.fingerprint
    assert np.allclose(rebuilt.vectors_matrix(), clean.vectors_matrix(), atol=1e-5)
    assert rebuilt.adapter is not None and clean.adapter is not None
    assert np.allclose(rebuilt.adapter, clean.adapter, atol=1e-5)
    del before_id


def test_undo_takes_it_back_out(curator: Curator) -> None:
    made = curator.propose({"kind": "attach", "passage": "programme-size", "questions": [QUESTION]}, "Aiko")
    assert made.record is not None
    undone = curator.undo(made.record.id, "Ben")
    assert undone.ok, undone.message
    assert QUESTION not in published(curator).get("programme-size").questions  # type: ignore[union-attr]
    again = curator.store.get(made.record.id)
    assert again is not None and (again.state, again.ended_by) == (UNDONE, "Ben")
    assert curator.undo(made.record.id, "Ben").status == 400
    assert curator.undo(12345, "Ben").status == 404
    curator.settled(timeout=60)


def test_conflicts_with_the_not_covered_topics_are_shown_before_accepting(curator: Curator) -> None:
    rainy = {"kind": "attach", "passage": "programme-aims", "questions": ["will it rain tomorrow at school"]}
    outcome = curator.propose(rainy, "Aiko")
    assert outcome.status == 409 and not outcome.ok
    assert "'weather'" in outcome.conflicts[0] and "will it rain tomorrow" in outcome.conflicts[0]
    assert curator.store.changes() == []
    assert curator.propose(rainy, "Aiko", confirm=True).ok
    answered = {"kind": "not_covered", "topic": "weather", "questions": ["when did the programme begin"]}
    outcome = curator.propose(answered, "Aiko")
    assert outcome.status == 409
    assert "from passage 'programme-start'" in outcome.conflicts[0]
    curator.settled(timeout=60)


def test_refusals_change_nothing(curator: Curator) -> None:
    serving = current_dir(curator.settings.index_dir)
    for change, message in [
        ({"kind": "attach", "passage": "nope", "questions": ["a question"]}, "unknown passage id 'nope'"),
        ({"kind": "attach", "passage": "programme-aims", "questions": [""]}, "empty"),
        ({"kind": "attach", "passage": "programme-aims", "questions": ["q" * 5000]}, "5000 characters"),
        ({"kind": "draft", "questions": ["q"], "passage": {**DRAFT, "citation": {}}}, "needs a citation"),
        (
            {"kind": "attach", "passage": "programme-aims", "questions": ["what year was it FOUNDED?"]},
            "already",
        ),
    ]:
        outcome = curator.propose(change, "Aiko")
        assert (outcome.ok, outcome.status) == (False, 400)
        assert message in outcome.message
    assert curator.store.changes() == []
    assert current_dir(curator.settings.index_dir) == serving


class BrokenEncoder:
    """An encoder whose device has gone away: every new text fails."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def encode(self, texts: Any, batch_size: int = 32) -> Any:
        raise RuntimeError("the encoder's device is gone")


def test_a_failed_build_leaves_the_serving_index_and_says_why(curator: Curator) -> None:
    curator.index()  # the serving index, with the real encoder, checks conflicts
    serving = current_dir(curator.settings.index_dir)
    real = curator.encoders()["en"]
    curator._encoders["en"] = BrokenEncoder()
    outcome = curator.propose(
        {"kind": "attach", "passage": "programme-size", "questions": [QUESTION]}, "Aiko"
    )
    assert (outcome.ok, outcome.status) == (False, 500)
    assert "still serving" in outcome.message and "device is gone" in outcome.message
    assert outcome.record is not None
    assert curator.store.get(outcome.record.id).state == FAILED  # type: ignore[union-attr]
    assert current_dir(curator.settings.index_dir) == serving
    assert not curator.last_build.ok and "device is gone" in str(curator.last_build.error)
    curator._encoders["en"] = real
    assert QUESTION not in published(curator).get("programme-size").questions  # type: ignore[union-attr]


def test_a_change_others_depend_on_cannot_be_undone_first(curator: Curator) -> None:
    draft = curator.propose(
        {"kind": "draft", "questions": ["who hosts the teachers?"], "passage": DRAFT}, "Aiko"
    )
    assert draft.ok, draft.message
    hosted = published(curator).get("programme-hosts")
    assert hosted is not None and hosted.draft_by == "Aiko"
    attach = curator.propose({"kind": "attach", "passage": "programme-hosts", "questions": [QUESTION]}, "Ben")
    assert attach.ok, attach.message
    assert draft.record is not None and attach.record is not None
    refused = curator.undo(draft.record.id, "Ben")
    assert refused.status == 400 and "depends on" in refused.message
    assert curator.undo(attach.record.id, "Ben").ok
    assert curator.undo(draft.record.id, "Ben").ok
    curator.settled(timeout=60)


def test_concurrent_changes_are_serialised_and_all_land(curator: Curator) -> None:
    questions = [f"{QUESTION} number {n}" for n in range(4)]
    outcomes: list[Any] = []
    threads = [
        threading.Thread(
            target=lambda q=q: outcomes.append(
                curator.propose({"kind": "attach", "passage": "programme-size", "questions": [q]}, q)
            )
        )
        for q in questions
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(o.ok for o in outcomes), [o.message for o in outcomes]
    assert curator.settled(timeout=60)
    assert set(questions) <= set(published(curator).get("programme-size").questions)  # type: ignore[union-attr]


def test_export_writes_the_yaml_and_empties_the_store(curator: Curator) -> None:
    curator.propose({"kind": "attach", "passage": "programme-size", "questions": [QUESTION]}, "Aiko")
    curator.propose({"kind": "ignore", "questions": ["asdfgh"]}, "Aiko")
    curator.settled(timeout=60)
    assert "asdfgh" in curator.handled() and QUESTION in curator.handled()
    written = curator.export("dev")
    assert written == [curator.settings.corpus_dir / "programme.yaml"]
    corpus = load_corpus(curator.settings.corpus_dir, curator.settings.not_covered_file)
    assert QUESTION in corpus.get("programme-size").questions
    assert [(r.kind, r.state) for r in curator.store.changes()] == [("attach", EXPORTED), ("ignore", LIVE)]
    assert corpus.fingerprint() == curator.corpus().fingerprint()


def test_the_command_line_refits_before_it_returns(curator: Curator) -> None:
    settings = curator.settings
    inline = Curator(settings, curator.store, settle_in_background=False)
    outcome = inline.propose({"kind": "attach", "passage": "programme-size", "questions": [QUESTION]}, "cli")
    assert outcome.ok, outcome.message
    assert "adapter_provisional" not in read_meta(current_dir(settings.index_dir))
    assert inline.last_build.ok and inline._index is not None and not inline._index.adapter_provisional

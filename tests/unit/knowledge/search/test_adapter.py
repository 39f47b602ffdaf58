"""The linear adapter: what fitting learns, and how an index keeps it on disk."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from knowledge import Index, IndexLoadError, load_index, save_index
from knowledge.encoders.sentence import SentenceTransformerEncoder
from knowledge.search.adapter import AdapterConfig, apply_adapter, fit_adapter
from knowledge.search.index import LEXICAL_WEIGHT
from knowledge.store.files import ADAPTER_FILE, META_FILE


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _nearest(questions: np.ndarray, passages: np.ndarray, weight: np.ndarray | None) -> np.ndarray:
    scores = apply_adapter(questions, weight) @ apply_adapter(passages, weight).T
    return np.argmax(scores, axis=1)


def test_fitting_learns_to_ignore_what_questions_share_but_passages_do_not() -> None:
    rng = np.random.default_rng(0)
    dim, m = 24, 12
    passages = _unit(rng.normal(size=(m, dim)))
    nuisance = np.zeros(dim, dtype=np.float32)
    nuisance[0] = 1.0  # every question leans the same way ("a question about ...")

    def ask(n: int) -> tuple[np.ndarray, list[int]]:
        targets = [i % m for i in range(n)]
        noise = rng.normal(scale=0.25, size=(n, dim))
        return _unit(passages[targets] * 0.5 + 2.0 * nuisance + noise), targets

    questions, targets = ask(240)
    weight, loss = fit_adapter(questions, targets, passages, AdapterConfig())
    assert weight.shape == (dim, dim) and weight.dtype == np.float32 and np.isfinite(loss)
    assert np.mean(_nearest(questions, passages, weight) == targets) > 0.7
    # Questions made the same way but never seen in fitting: the adapter generalises.
    fresh, fresh_targets = ask(120)
    before = np.mean(_nearest(fresh, passages, None) == fresh_targets)
    after = np.mean(_nearest(fresh, passages, weight) == fresh_targets)
    assert before < 0.5 and after > before + 0.1, (before, after)


def test_a_strong_pull_to_the_identity_keeps_the_space_as_it_was() -> None:
    rng = np.random.default_rng(1)
    passages = _unit(rng.normal(size=(5, 8)))
    questions = _unit(rng.normal(size=(10, 8)))
    weight, _ = fit_adapter(questions, [i % 5 for i in range(10)], passages, AdapterConfig(l2=1000.0))
    np.testing.assert_allclose(weight, np.eye(8), atol=1e-2)


def test_apply_renormalises_and_bad_shapes_are_refused() -> None:
    vectors = _unit(np.random.default_rng(2).normal(size=(3, 4)))
    assert apply_adapter(vectors, None) is vectors
    mapped = apply_adapter(vectors, np.diag([2.0, 1.0, 1.0, 1.0]).astype(np.float32))
    np.testing.assert_allclose(np.linalg.norm(mapped, axis=1), 1.0, atol=1e-6)
    with pytest.raises(ValueError):
        fit_adapter(vectors, [0, 1], vectors, AdapterConfig())
    with pytest.raises(ValueError):
        fit_adapter(vectors, [0, 1, 7], vectors, AdapterConfig())


@pytest.fixture(scope="module")
def adapted(tiny_index: Index) -> Index:
    return tiny_index.with_lexical_weight(LEXICAL_WEIGHT).with_adapter(AdapterConfig())


def test_an_adapted_index_maps_stored_vectors_and_queries_alike(adapted: Index) -> None:
    assert adapted.adapter is not None and adapted.adapter_config == AdapterConfig()
    np.testing.assert_allclose(np.linalg.norm(adapted.vectors_matrix(), axis=1), 1.0, atol=1e-5)
    query = "What is the programme for?"
    raw = adapted.encoder.encode([query])
    np.testing.assert_allclose(adapted.embed(query), apply_adapter(raw, adapted.adapter), atol=1e-6)
    for passage in adapted.passages:  # every example question finds its own passage first
        for question in passage.questions:
            assert adapted.search(question, 1)[0].id == passage.id, question


def test_the_adapter_is_saved_as_a_plain_array_and_loaded_back(
    adapted: Index, encoder: SentenceTransformerEncoder, tmp_path: Path
) -> None:
    saved = save_index(adapted, tmp_path / "idx")
    meta = json.loads((saved / META_FILE).read_text())
    assert meta["adapter"] == AdapterConfig().to_dict()
    assert np.load(saved / ADAPTER_FILE, allow_pickle=False).shape == (encoder.dim, encoder.dim)
    loaded = load_index(saved, encoder)
    assert loaded.adapter_config == adapted.adapter_config
    query = "how many people take part"
    assert [(h.id, h.score) for h in loaded.search(query, 3)] == [
        (h.id, h.score) for h in adapted.search(query, 3)
    ]


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: (d / ADAPTER_FILE).unlink(),
        lambda d: np.save(d / ADAPTER_FILE, np.eye(3, dtype=np.float32), allow_pickle=False),
        lambda d: np.save(
            d / ADAPTER_FILE, np.full((384, 384), np.nan, dtype=np.float32), allow_pickle=False
        ),
        lambda d: (d / ADAPTER_FILE).write_bytes(b"not an array"),
    ],
)
def test_a_missing_or_damaged_adapter_is_refused_with_the_rebuild_command(
    adapted: Index, encoder: SentenceTransformerEncoder, tmp_path: Path, damage: object
) -> None:
    saved = save_index(adapted, tmp_path / "idx")
    damage(saved)  # type: ignore[operator]
    with pytest.raises(IndexLoadError, match="build-index"):
        load_index(saved, encoder)


def test_an_index_is_adapted_once_from_its_own_vectors(tiny_index: Index, adapted: Index) -> None:
    assert tiny_index.adapter is None and adapted.vectors == tiny_index.vectors
    np.testing.assert_allclose(
        adapted.vectors_matrix(), apply_adapter(tiny_index.vectors_matrix(), adapted.adapter), atol=1e-6
    )
    with pytest.raises(ValueError, match="already"):
        adapted.with_adapter(AdapterConfig())

"""Centring the Japanese index: what it does to cosines, and how an index keeps its centre."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from knowledge import Corpus, Index, IndexLoadError, build_index, load_index, save_index
from knowledge.content.corpus import passage_views
from knowledge.encoders.e5 import E5Encoder
from knowledge.encoders.sentence import SentenceTransformerEncoder
from knowledge.search.centre import apply_centre, fit_centre
from knowledge.store.files import CENTRE_FILE, META_FILE


def _unit(x: np.ndarray) -> np.ndarray:
    unit: np.ndarray = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    return unit


def test_centring_spreads_vectors_that_share_one_direction() -> None:
    rng = np.random.default_rng(0)
    dim = 32
    shared = np.zeros(dim)
    shared[0] = 1.0
    topics = _unit(rng.normal(size=(6, dim)))
    # Like e5 on Japanese: every text leans one way, and differs from the others only a little.
    texts = _unit(3.0 * shared + topics[np.arange(60) % 6] + rng.normal(scale=0.05, size=(60, dim)))
    raw = texts @ texts.T
    centre = fit_centre(texts)
    centred = apply_centre(texts, centre)
    moved = centred @ centred.T
    off = ~np.eye(60, dtype=bool)
    assert raw[off].min() > 0.8  # the crowded scale: anything is close to anything
    assert moved[off].std() > 3 * raw[off].std()
    same = (np.arange(60)[:, None] % 6 == np.arange(60)[None, :] % 6) & off
    # Texts on one topic stay closest to each other, and now by a wide margin.
    assert moved[same].min() > moved[~same & off].max()
    np.testing.assert_allclose(np.linalg.norm(centred, axis=1), 1.0, atol=1e-5)


def test_without_a_centre_vectors_are_unchanged_and_an_empty_index_has_none() -> None:
    vectors = _unit(np.random.default_rng(1).normal(size=(3, 4)))
    assert apply_centre(vectors, None) is vectors
    assert fit_centre(vectors).shape == (1, 4)
    with pytest.raises(ValueError, match="no vectors"):
        fit_centre(np.zeros((0, 4), dtype=np.float32))


@pytest.fixture(scope="module")
def bilingual(tiny_corpus: Corpus, encoder: SentenceTransformerEncoder, japanese_encoder: E5Encoder) -> Index:
    """A bilingual index built as the bot builds one (the Japanese side pure dense, to check by hand)."""
    index = build_index(
        tiny_corpus.passages,
        encoder,
        topics=tiny_corpus.topics,
        not_covered=tiny_corpus.not_covered,
        japanese=japanese_encoder,
    )
    assert index.japanese is not None
    return index.with_japanese(index.japanese.with_lexical_weight(0.0))


def test_the_japanese_index_is_centred_and_the_english_one_is_not(bilingual: Index) -> None:
    assert bilingual.centre is None
    assert bilingual.japanese is not None and bilingual.japanese.centre is not None


def test_a_centred_index_scores_the_centred_cosines(
    bilingual: Index, tiny_corpus: Corpus, japanese_encoder: E5Encoder
) -> None:
    japanese = bilingual.japanese
    assert japanese is not None
    passages = list(tiny_corpus.passages)
    views = [passage_views(p, "ja") for p in passages]
    examples = [list(t.examples_in("ja")) for t in tiny_corpus.not_covered]
    rows = _unit(japanese_encoder.encode([v for group in views + examples for v in group]))
    mean = rows.mean(axis=0)  # computed here from the encoder's own vectors, not by the index
    stored = _unit(rows - mean)
    query = "先生との打ち合わせはどうすればいいですか"
    q = _unit(japanese_encoder.encode([query]))[0] - mean
    cosines = stored @ (q / np.linalg.norm(q))
    bounds = np.cumsum([0] + [len(g) for g in views + examples])
    best = [cosines[a:b].max() for a, b in itertools.pairwise(bounds)]
    hits = bilingual.search(query, len(passages))
    assert hits.language == "ja"
    by_id = {h.id: h.similarity for h in hits}
    for n, passage in enumerate(passages):
        assert by_id[passage.id] == pytest.approx(best[n], abs=1e-4)
    assert hits.not_covered is not None
    assert hits.not_covered.cosine == pytest.approx(max(best[len(passages) :]), abs=1e-4)
    assert hits.cosine == pytest.approx(max(best[: len(passages)]), abs=1e-4)


def test_the_centre_is_saved_and_loaded_with_the_index(bilingual: Index, tmp_path: Path) -> None:
    saved = save_index(bilingual, tmp_path / "index")
    assert json.loads((saved / "ja" / META_FILE).read_text())["centred"] is True
    assert json.loads((saved / META_FILE).read_text())["centred"] is False
    assert (saved / "ja" / CENTRE_FILE).is_file() and not (saved / CENTRE_FILE).exists()
    loaded = load_index(saved, bilingual.encoder, lexical_weight=bilingual.lexical_weight)
    assert bilingual.japanese is not None
    assert loaded.japanese is not None and loaded.japanese.centre is not None
    query = "プログラムの目的は何ですか"
    before = bilingual.japanese.with_lexical_weight(0.3).search(query, 3)
    after = loaded.japanese.with_lexical_weight(0.3).search(query, 3)
    assert [(h.id, round(h.similarity, 5)) for h in after] == [(h.id, round(h.similarity, 5)) for h in before]


@pytest.mark.parametrize(
    "damage",
    [
        lambda d: (d / CENTRE_FILE).unlink(),
        lambda d: np.save(d / CENTRE_FILE, np.zeros((1, 3), dtype=np.float32), allow_pickle=False),
        lambda d: np.save(d / CENTRE_FILE, np.full((1, 384), np.nan, dtype=np.float32), allow_pickle=False),
        lambda d: (d / CENTRE_FILE).write_bytes(b"not an array"),
    ],
)
def test_a_missing_or_damaged_centre_is_refused_with_the_rebuild_command(
    bilingual: Index, tmp_path: Path, damage: object
) -> None:
    saved = save_index(bilingual, tmp_path / "index")
    damage(saved / "ja")  # type: ignore[operator]
    with pytest.raises(IndexLoadError, match="build-index"):
        load_index(saved, bilingual.encoder)

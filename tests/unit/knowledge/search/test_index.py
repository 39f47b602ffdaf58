"""The knowledge index on a tiny corpus, with the real packaged encoder."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from knowledge import (
    Corpus,
    Hits,
    Index,
    IndexLoadError,
    build_index,
    current_dir,
    load_index,
    load_not_covered,
    publish,
    read_meta,
    save_index,
)
from knowledge.encoders.base import weights_fingerprint
from knowledge.encoders.cached import CachedEncoder
from knowledge.encoders.sentence import SentenceTransformerEncoder
from knowledge.search.hits import LEXICAL_SATURATION
from knowledge.search.index import AUDIENCE_PRIOR
from knowledge.store.files import META_FILE, NOT_COVERED_FILE, PASSAGES_FILE


def test_encoder_gives_unit_vectors(encoder: SentenceTransformerEncoder) -> None:
    vectors = encoder.encode(["hello", "When did the programme start?"])
    assert vectors.shape == (2, encoder.dim) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("what year did it begin", "programme-start"),
        ("goals of the scheme", "programme-aims"),
        ("how many participants are there", "programme-size"),
        ("tips for preparing a class with the other teacher", "team-planning"),
    ],
)
def test_search_finds_the_right_passage(tiny_index: Index, query: str, expected: str) -> None:
    hits = tiny_index.search(query, k=3)
    assert hits[0].id == expected
    assert [h.rank for h in hits] == [1, 2, 3]
    assert hits[0].score >= hits[1].score >= hits[2].score


def test_unrelated_query_scores_low(tiny_index: Index) -> None:
    on_topic = tiny_index.search("When did the programme start?", k=1)[0]
    off_topic = tiny_index.search("recipe for chocolate cake", k=1)[0]
    assert on_topic.similarity > 0.8
    assert off_topic.similarity < 0.35


def test_topic_is_a_soft_prior_not_a_filter(tiny_index: Index) -> None:
    plain = tiny_index.search("what year did it begin", k=5)
    hinted = tiny_index.search("what year did it begin", k=5, topic="teamwork")
    assert hinted[0].id == plain[0].id == "programme-start"  # a much better match still wins
    team_plain = next(h for h in plain if h.topic == "teamwork")
    team_hinted = next(h for h in hinted if h.id == team_plain.id)
    assert team_hinted.score > team_plain.score
    assert team_hinted.similarity == team_plain.similarity


def test_audience_prior_prefers_jte_passages(tiny_index: Index) -> None:
    query = "working with the assistant in lessons"
    plain = {h.id: h for h in tiny_index.search(query, k=5)}
    as_jte = {h.id: h for h in tiny_index.search(query, k=5, audience="jte")}
    bonus = as_jte["team-for-local-teachers"].score - plain["team-for-local-teachers"].score
    assert bonus == pytest.approx(AUDIENCE_PRIOR, abs=1e-5)
    assert as_jte["team-planning"].score == plain["team-planning"].score


def test_save_and_load_round_trip(
    tiny_index: Index, encoder: SentenceTransformerEncoder, tmp_path: Path
) -> None:
    target = save_index(tiny_index, tmp_path / "idx")
    assert sorted(os.listdir(target)) == ["index.faiss", "meta.json", "not_covered.jsonl", "passages.jsonl"]
    meta = json.loads((target / META_FILE).read_text())
    assert meta["model"] == encoder.name and meta["dim"] == encoder.dim
    assert meta["corpus_hash"] == tiny_index.fingerprint and meta["passages"] == 5
    assert meta["not_covered_topics"] == 2 and meta["not_covered_examples"] == 6
    assert meta["vectors"] == tiny_index.vectors == 5 + 7 + 6  # title+text, questions, examples
    loaded = load_index(target, encoder, lexical_weight=0.0)
    assert [p.id for p in loaded.passages] == [p.id for p in tiny_index.passages]
    assert loaded.not_covered == tiny_index.not_covered
    for query in ("how many participants are there", "will it snow this weekend"):
        before, after = tiny_index.search(query), loaded.search(query)
        assert [(h.id, h.score) for h in after] == [(h.id, h.score) for h in before]
        assert after.not_covered == before.not_covered


class _Renamed:
    """The real encoder under another model name, as if configured differently."""

    def __init__(self, inner: SentenceTransformerEncoder, name: str) -> None:
        self.name, self.dim, self._inner = name, inner.dim, inner
        self.weights = inner.weights

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        return self._inner.encode(texts, batch_size)


def test_load_refuses_an_index_built_with_another_model(
    tiny_index: Index, encoder: SentenceTransformerEncoder, tmp_path: Path
) -> None:
    target = save_index(tiny_index, tmp_path / "idx")
    with pytest.raises(IndexLoadError, match=r"other-model.*senpai build-index"):
        load_index(target, _Renamed(encoder, "other-model"))


@pytest.mark.parametrize(
    "damage",
    ["missing", "corrupt-faiss", "edited-passages", "bad-meta", "no-not-covered", "edited-not-covered"],
)
def test_load_refuses_damaged_indexes(
    tiny_index: Index, encoder: SentenceTransformerEncoder, tmp_path: Path, damage: str
) -> None:
    target = save_index(tiny_index, tmp_path / "idx")
    if damage == "missing":
        target = tmp_path / "nowhere"
    elif damage == "corrupt-faiss":
        (target / "index.faiss").write_bytes(b"not a faiss index")
    elif damage == "edited-passages":
        lines = (target / PASSAGES_FILE).read_text().splitlines()
        (target / PASSAGES_FILE).write_text("\n".join(lines[:-1]) + "\n")
    elif damage == "no-not-covered":
        (target / NOT_COVERED_FILE).unlink()
    elif damage == "edited-not-covered":
        text = (target / NOT_COVERED_FILE).read_text()
        (target / NOT_COVERED_FILE).write_text(text.replace("weather service", "weather office"))
    else:
        (target / META_FILE).write_text("{not json")
    with pytest.raises(IndexLoadError, match="build-index"):
        load_index(target, encoder)


def test_publish_switches_current_atomically(
    tiny_corpus: Corpus, encoder: SentenceTransformerEncoder, tmp_path: Path
) -> None:
    root = tmp_path / "index"
    first = publish(build_index(tiny_corpus.passages[:2], encoder, not_covered=()), root)
    assert current_dir(root) == first.resolve()
    second = publish(
        build_index(tiny_corpus.passages, encoder, topics=tiny_corpus.topics, not_covered=()), root
    )
    assert current_dir(root) == second.resolve()
    assert len(load_index(current_dir(root), encoder)) == 5
    assert not list(root.glob(".current.tmp*"))


def test_publishing_the_same_corpus_twice_in_one_second_keeps_both_builds(
    tiny_index: Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "knowledge.store.storage.time.strftime", lambda *args: "20260101T000000"
    )  # a frozen clock
    root = tmp_path / "index"
    first = publish(tiny_index, root)
    second = publish(tiny_index, root)
    assert first != second and first.is_dir() and second.is_dir()
    assert current_dir(root) == second.resolve()


def test_empty_k_and_empty_index(tiny_index: Index, encoder: SentenceTransformerEncoder) -> None:
    assert tiny_index.search("anything", k=0) == []
    empty = build_index([], encoder)  # not_covered=None: the shipped not-covered file
    assert empty.not_covered == load_not_covered()
    assert empty.vectors == sum(len(t.examples) for t in empty.not_covered)
    assert empty.search("anything") == []


def test_hybrid_blends_bm25_into_the_match(tiny_index: Index) -> None:
    hybrid = tiny_index.with_lexical_weight(0.5)
    query = "how many participants are there"
    dense_hit = tiny_index.search(query, 1)[0]
    hybrid_hit = hybrid.search(query, 1)[0]
    assert dense_hit.id == hybrid_hit.id == "programme-size"
    bm25 = float(tiny_index.lexical.scores(query)[tiny_index.passages.index(hybrid_hit.passage)])
    assert bm25 > 0
    expected = 0.5 * dense_hit.similarity + 0.5 * bm25 / (bm25 + 5.0)
    assert hybrid_hit.similarity == pytest.approx(expected, abs=1e-5)
    # No shared words at all: only half the dense similarity is left.
    cake_dense = tiny_index.search("recipe for chocolate cake", 1)[0]
    cake_hybrid = hybrid.search("recipe for chocolate cake", 1)[0]
    assert cake_hybrid.similarity == pytest.approx(0.5 * cake_dense.similarity, abs=1e-5)
    assert tiny_index.lexical_weight == 0.0  # the view did not change the original


def test_contractions_without_apostrophes_are_expanded_not_misspelt(tiny_index: Index) -> None:
    fix = tiny_index.speller.fix
    assert fix("hows the programme going") == "how is the programme going"
    assert fix("Whats JET, dont know") == "what is JET, do not know"
    assert fix("what's its aim") == "what's its aim"  # apostrophes, and real words, stay


def test_typos_are_corrected_against_the_corpus(tiny_index: Index) -> None:
    fix = tiny_index.speller.fix
    assert fix("how many particpants are thre") == "how many participants are thre"
    assert fix("ALT and JTE planing") == "ALT and JTE planning"
    assert fix("goals of the scheme") == "goals of the scheme"  # real words stay
    assert fix("what year did it begin") == "what year did it begin"
    assert tiny_index.search("how mny partisipants", 1)[0].id == "programme-size"


def test_search_reports_the_closest_not_covered_topic(tiny_index: Index) -> None:
    outside = tiny_index.search("is it going to be rainy and cold this week?", k=3)
    assert isinstance(outside, Hits) and outside.not_covered is not None
    assert outside.not_covered.topic.id == "weather"
    assert outside.not_covered.similarity > outside[0].similarity + 0.1
    inside = tiny_index.search("what year did it begin", k=3)
    assert inside[0].id == "programme-start"
    assert inside.not_covered is not None
    assert inside[0].similarity > inside.not_covered.similarity + 0.2
    # The not-covered examples never come back as hits, however many are asked for.
    assert {h.id for h in tiny_index.search("how do I bake bread", k=50)} == {
        p.id for p in tiny_index.passages
    }


def test_search_reports_the_best_cosines_of_both_sides(tiny_index: Index) -> None:
    query = "is it going to be rainy and cold this week?"
    dense = tiny_index.search(query, k=1)
    # Pure dense: the cosines are the best similarities of each side.
    assert dense.cosine == pytest.approx(dense[0].similarity, abs=1e-6)
    assert dense.not_covered is not None and dense.not_covered.cosine == pytest.approx(
        dense.not_covered.similarity, abs=1e-6
    )
    # Hybrid: the cosines stay those of meaning alone, whatever BM25 adds.
    hybrid = tiny_index.with_lexical_weight(0.5).search(query, k=1)
    assert hybrid.cosine == pytest.approx(dense.cosine, abs=1e-6)
    assert hybrid.not_covered is not None
    assert hybrid.not_covered.cosine == pytest.approx(dense.not_covered.cosine, abs=1e-6)
    assert hybrid.not_covered.similarity != pytest.approx(hybrid.not_covered.cosine, abs=1e-3)


@pytest.mark.parametrize("weight", [0.0, 0.5])
def test_a_message_naming_a_topics_unless_word_is_never_that_topics(
    tiny_corpus: Corpus, encoder: SentenceTransformerEncoder, weight: float
) -> None:
    weather, cooking = tiny_corpus.not_covered
    named = (dataclasses.replace(weather, unless_words=("assistants",)), cooking)
    index = build_index(tiny_corpus.passages, encoder, not_covered=named, lexical_weight=weight)
    plain = index.search("will it rain tomorrow", 1).not_covered
    assert plain is not None and plain.topic.id == "weather"
    other = index.search("will it rain tomorrow for the assistants", 1).not_covered
    assert other is not None and other.topic.id == "cooking"  # the next topic, never weather
    assert other.cosine is not None and other.cosine < plain.cosine
    both = (named[0], dataclasses.replace(cooking, unless_words=("assistants",)))
    alone = build_index(tiny_corpus.passages, encoder, not_covered=both, lexical_weight=weight)
    hits = alone.search("will it rain tomorrow for the assistants", 1)
    assert hits.not_covered is None and len(hits) == 1  # no topic left to refuse with: passages decide


def test_not_covered_topics_are_scored_like_passages(tiny_index: Index) -> None:
    query = "a recipe for dinner tonight"
    dense = tiny_index.search(query, 1).not_covered
    hybrid = tiny_index.with_lexical_weight(0.5).search(query, 1).not_covered
    assert dense is not None and hybrid is not None and dense.topic.id == hybrid.topic.id == "cooking"
    bm25 = float(tiny_index.lexical_not_covered.scores(query)[1])
    assert bm25 > 0
    expected = 0.5 * dense.similarity + 0.5 * bm25 / (bm25 + LEXICAL_SATURATION)
    assert hybrid.similarity == pytest.approx(expected, abs=1e-5)


def test_fingerprint_covers_the_not_covered_topics(
    tiny_corpus: Corpus, tiny_index: Index, encoder: SentenceTransformerEncoder
) -> None:
    assert tiny_index.fingerprint == tiny_corpus.fingerprint()  # what `senpai build-index` compares
    without = build_index(tiny_corpus.passages, encoder, topics=tiny_corpus.topics, not_covered=())
    assert without.fingerprint != tiny_index.fingerprint
    assert without.search("will it rain tomorrow").not_covered is None


def test_typo_correction_knows_the_not_covered_words(tiny_index: Index) -> None:
    assert tiny_index.speller.fix("how do I bake braed") == "how do I bake bread"


def test_query_cache_embeds_a_repeated_question_once(
    tiny_index: Index, encoder: SentenceTransformerEncoder
) -> None:
    calls: list[list[str]] = []

    class Spy:
        name, dim = encoder.name, encoder.dim

        def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
            calls.append(list(texts))
            return encoder.encode(texts, batch_size)

    cache = CachedEncoder(Spy(), size=2)
    cached = tiny_index.with_encoder(cache)
    first = cached.search("When did JET start?", 3)
    again = cached.search("When did JET start?", 3)
    plain = tiny_index.search("When did JET start?", 3)
    assert [h.id for h in first] == [h.id for h in again] == [h.id for h in plain]
    assert [h.score for h in first] == [h.score for h in again]
    assert len(calls) == 1 and (cache.hits, cache.misses) == (1, 1)
    cached.search("What do ALTs want?", 3)
    cached.search("Who are JTEs?", 3)  # evicts the least recently used question
    cached.search("When did JET start?", 3)
    assert (cache.hits, cache.misses, len(cache)) == (1, 4, 2)
    cache.encode(["a batch", "of texts"])  # index builds pass straight through
    assert calls[-1] == ["a batch", "of texts"] and len(cache) == 2


def test_query_cache_of_size_zero_is_off_and_vectors_are_read_only(
    encoder: SentenceTransformerEncoder,
) -> None:
    off = CachedEncoder(encoder, 0)
    off.encode(["hello"])
    off.encode(["hello"])
    assert (off.hits, off.misses, len(off)) == (0, 0, 0)
    on = CachedEncoder(encoder, 4)
    vector = on.encode(["hello"])
    with pytest.raises(ValueError):
        vector[0, 0] = 1.0
    np.testing.assert_allclose(vector, encoder.encode(["hello"]), atol=1e-6)
    with pytest.raises(ValueError):
        CachedEncoder(encoder, -1)


class SlowSpy:
    """An encoder that takes its time and counts its calls (for the cache's concurrency)."""

    def __init__(self, inner: SentenceTransformerEncoder, delay_s: float, fail: bool = False) -> None:
        self.name, self.dim = inner.name, inner.dim
        self.inner, self.delay_s, self.fail = inner, delay_s, fail
        self.calls: list[str] = []
        self.started = threading.Event()

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        self.calls.append(texts[0])
        self.started.set()
        time.sleep(self.delay_s)
        if self.fail and len(self.calls) == 1:
            raise RuntimeError("the first call fails")
        return self.inner.encode(texts, batch_size)


def test_query_cache_waits_for_a_query_another_thread_is_embedding(
    encoder: SentenceTransformerEncoder,
) -> None:
    spy = SlowSpy(encoder, delay_s=0.3)
    cache = CachedEncoder(spy, size=8)
    with ThreadPoolExecutor(2) as pool:
        early = pool.submit(cache.encode, ["When did JET start?"])
        assert spy.started.wait(5)
        late = pool.submit(cache.encode, ["When did JET start?"])
        first, second = early.result(5), late.result(5)
    assert spy.calls == ["When did JET start?"]  # embedded once, not twice
    assert second is first and (cache.hits, cache.misses) == (1, 1)


def test_query_cache_embeds_itself_when_the_other_thread_fails(
    encoder: SentenceTransformerEncoder,
) -> None:
    spy = SlowSpy(encoder, delay_s=0.2, fail=True)
    cache = CachedEncoder(spy, size=8)
    with ThreadPoolExecutor(2) as pool:
        early = pool.submit(cache.encode, ["What is a JTE?"])
        assert spy.started.wait(5)
        late = pool.submit(cache.encode, ["What is a JTE?"])
        with pytest.raises(RuntimeError):
            early.result(5)
        vector = late.result(5)
    assert spy.calls == ["What is a JTE?", "What is a JTE?"]
    np.testing.assert_allclose(vector, encoder.encode(["What is a JTE?"]), atol=1e-6)
    assert cache.encode(["What is a JTE?"]) is not None and len(spy.calls) == 3  # a failure is not cached


def test_load_refuses_an_index_built_with_other_weights_of_the_same_model(
    tiny_index: Index, encoder: SentenceTransformerEncoder, tmp_path: Path
) -> None:
    target = save_index(tiny_index, tmp_path / "idx")
    assert read_meta(target)["weights"] == encoder.weights == weights_fingerprint(encoder.name)
    assert str(encoder.weights).startswith("sha256:")
    retuned = _Renamed(encoder, encoder.name)
    retuned.weights = "sha256:0123456789abcdef"  # the same directory, tuned again (or another host's copy)
    with pytest.raises(IndexLoadError, match=r"other weights.*0123456789abcdef.*senpai build-index"):
        load_index(target, retuned)
    assert load_index(target, encoder).search("how many participants are there", 1)


def test_warm_embeds_the_corrected_query_so_the_search_hits_the_cache(
    tiny_index: Index, encoder: SentenceTransformerEncoder
) -> None:
    spy = SlowSpy(encoder, delay_s=0.0)
    cached = tiny_index.with_encoder(CachedEncoder(spy, size=8))
    cached.warm("how many particpants")  # a typo: warmed under its corrected text
    hits = cached.search("how many particpants", 3)
    assert spy.calls == ["how many participants"]
    assert [h.id for h in hits] == [h.id for h in tiny_index.search("how many particpants", 3)]
    cached.warm("   ")  # nothing to embed
    assert len(spy.calls) == 1


def test_with_encoder_refuses_another_model(tiny_index: Index) -> None:
    class Other:
        name, dim = "other-model", 384

        def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
            raise AssertionError("never called")

    with pytest.raises(IndexLoadError, match="other-model"):
        tiny_index.with_encoder(Other())


def test_vectors_matrix_returns_the_stored_unit_vectors(tiny_index: Index) -> None:
    matrix = tiny_index.vectors_matrix()
    assert matrix.shape == (tiny_index.vectors, tiny_index.encoder.dim)
    np.testing.assert_allclose(np.linalg.norm(matrix, axis=1), 1.0, atol=1e-5)

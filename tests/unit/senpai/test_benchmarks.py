"""The benchmark's own machinery: log parsing, synthetic corpora, FAISS comparisons."""

from __future__ import annotations

import numpy as np

from knowledge import Corpus
from knowledge.text.language import has_japanese
from senpai.benchmarks import retrieval, stack, turns

LOG = """\
[senpai] started actions (pid 10)
[senpai] started rasa (pid 11)
[senpai] gateway ready after 0.8s
[senpai] actions ready after 8.1s
[senpai] rasa-1 ready after 10.0s
[senpai] Senpai is up after 11.3s. Open http://127.0.0.1:8080/
[senpai] started rasa-2 (pid 12)
[senpai] rasa-2 ready after 10.4s
[senpai] all 2 Rasa replicas up after 21.9s
"""


def test_startup_phases_come_from_the_supervisors_log() -> None:
    assert stack.startup_phases(LOG) == {
        "gateway": 0.8,
        "actions": 8.1,
        "rasa-1": 10.0,
        "rasa-2": 10.4,
        "stack": 11.3,
        "every_replica": 21.9,
        "vs_one_replica": 1.13,
    }


def test_the_benchmark_asks_real_development_set_questions() -> None:
    asked = turns.questions()
    assert len(asked) >= 150 and len(set(asked)) == len(asked)


def test_synthetic_corpora_have_the_size_asked_and_unique_ids(tiny_corpus: Corpus) -> None:
    grown = retrieval.synthetic(tiny_corpus.passages, 23)
    assert len(grown) == 23 and len({p.id for p in grown}) == 23
    assert grown[: len(tiny_corpus.passages)] == list(tiny_corpus.passages)


class Counting:
    """A deterministic stand-in model that counts what it embeds."""

    name = "counting"
    dim = 8

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        self.seen += texts
        vectors = np.stack([np.random.default_rng(abs(hash(t)) % 2**32).normal(size=8) for t in texts])
        return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_replay_encoder_embeds_each_text_once_and_jitters_copies() -> None:
    inner = Counting()
    replay = retrieval.ReplayEncoder(inner)
    first = replay.encode(["a", "b", "a"])
    again = replay.encode(["a"])
    assert sorted(inner.seen) == ["a", "b"]
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0)
    assert float(first[0] @ first[2]) > 0.99 and not np.array_equal(first[0], first[2])
    assert float(first[0] @ again[0]) > 0.99


def test_faiss_types_report_exact_recall_for_flat_and_high_recall_for_the_others() -> None:
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(3000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    found = retrieval.faiss_types(vectors, vectors[:20], depth=10)
    assert found["flat"]["recall_vs_exact"] == 1.0
    assert found["hnsw32"]["recall_vs_exact"] >= 0.8
    assert set(found) == {"flat", "hnsw32", "ivf54"}


def test_twenty_user_figures_are_medians_over_the_trials() -> None:
    def only(turns_per_s: float) -> turns.Load:
        return turns.Load(turns.Turns(), turns.Turns([1.0] * int(turns_per_s * 2)), wall_s=2.0)

    def load(p95_like: float, errors: int = 0) -> turns.Load:
        knowledge = turns.Turns([10.0] * 18 + [p95_like] * 2, errors)
        return turns.Load(turns.Turns([5.0] * 20), knowledge, wall_s=2.0)

    figures = stack.StackFigures(
        ratio_trials=[1.2],
        small_1=turns.Turns([5.0]),
        knowledge_1=turns.Turns([6.0]),
        distinct_ratio_trials=[1.3],
        distinct_knowledge_p50=7.0,
        follow_up_ratio_trials=[1.4, 1.6, 1.5],
        japanese_ratio_trials=[1.7, 1.9, 1.8],
        long_ratio_trials=[1.9, 1.6, 2.2],
        twenty=[load(900.0, errors=1), load(200.0), load(300.0)],  # one noisy trial
        throughput_trials=[(only(10.0), only(7.0)), (only(10.0), only(9.0)), (only(10.0), only(8.5))],
        slow_input=[
            (turns.Turns([20.0] * 20), turns.Turns([20.0] * 10 + [60.0] * 10), turns.Turns([100.0, 900.0])),
            (turns.Turns([20.0] * 20), turns.Turns([30.0] * 20, errors=1), turns.Turns([100.0, 1500.0])),
            (turns.Turns([20.0] * 20), turns.Turns([20.0] * 20), turns.Turns([100.0])),
        ],
        rss_1000={},
        rss_5000={},
        turns_at={},
        startups=[],
        scrape_pairs=[(10.0, 10.5), (10.0, 13.0), (10.0, 10.2)],
        scrapes=42,
    )
    assert figures.knowledge_p95_20 == 300.0
    assert figures.p95_ratio_20 == 60.0  # 300 ms against small talk's 5 ms, the middle trial
    assert figures.throughput_ratio_20 == 0.85
    assert figures.slow_input_p95_ratio == 1.5  # others' p95 under slow input over quiet: the median trial
    assert figures.slow_input_reply_max_s == 1.5  # the slowest reply to a slow message, over every trial
    assert figures.as_dict()["slow_input"]["errors"] == 1
    assert figures.as_dict()["one_user"]["follow_up_ratio"] == 1.5  # the median of the trials
    assert figures.as_dict()["one_user"]["japanese_ratio"] == 1.8
    assert figures.as_dict()["one_user"]["long_messages_ratio"] == 1.9
    twenty = figures.as_dict()["twenty_users"]
    assert twenty["knowledge_p95_ms_trials"] == [900.0, 200.0, 300.0]
    assert twenty["turns"] == 120 and twenty["errors"] == 1 and twenty["throughput_per_s"] == 20.0
    assert figures.scrape_p50_ratio == 1.05  # scraped over unscraped: the median trial


def test_recording_a_turns_metrics_is_timed_with_the_real_collectors() -> None:
    from senpai.benchmarks import metrics_cost

    cost = metrics_cost.record_us(turns=200, trials=3)
    assert 0 < cost < 10_000


def test_long_message_trials_each_get_the_same_mix_of_languages() -> None:
    messages = turns.long_messages()
    batches = turns.deal(messages, 3, 24)
    japanese = [sum(has_japanese(m) for m in batch) for batch in batches]
    assert sum(japanese) == sum(has_japanese(m) for m in messages) > 3
    assert max(japanese) - min(japanese) <= 1  # not all in the first trial
    asked = [m for batch in batches for m in batch]
    assert len(asked) == len(set(asked)) == min(len(messages), 72)  # each message once
    assert all(len(b) <= 24 for b in batches)

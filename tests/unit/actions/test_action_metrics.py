"""The action server's metrics: one build series at a time, channels named as the gateway names them."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from actions.action_metrics import ActionMetrics, channel_label


def samples(metrics: ActionMetrics) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(metrics.render().decode())
        for s in family.samples
    }


def test_the_serving_build_is_the_only_series_of_the_info_metric() -> None:
    metrics = ActionMetrics()
    metrics.serving("b-1", "all-MiniLM-L6-v2")
    metrics.serving("b-2", "all-MiniLM-L6-v2")
    builds = {
        dict(labels)["build"]: v
        for (name, labels), v in samples(metrics).items()
        if name == "senpai_index_build_info"
    }
    assert builds == {"b-2": 1.0}


def test_decisions_searches_and_reloads_are_counted() -> None:
    metrics = ActionMetrics()
    metrics.decided("rest", "answer", "en")
    metrics.decided("slack", "fallback", "ja")
    metrics.searched("ja", 0.02, 0.91)
    metrics.searched("en", 0.01, None)  # nothing found: a time, no score
    metrics.reloaded(False)
    got = samples(metrics)
    assert (
        got[("senpai_decisions_total", frozenset({("channel", "web"), ("kind", "answer"), ("lang", "en")}))]
        == 1
    )
    assert (
        got[
            (
                "senpai_decisions_total",
                frozenset({("channel", "slack"), ("kind", "fallback"), ("lang", "ja")}),
            )
        ]
        == 1
    )
    assert got[("senpai_retrieval_duration_seconds_count", frozenset({("lang", "en")}))] == 1
    assert ("senpai_top_score_count", frozenset({("lang", "en")})) not in got
    assert got[("senpai_top_score_bucket", frozenset({("lang", "ja"), ("le", "0.95")}))] == 1
    assert got[("senpai_top_score_bucket", frozenset({("lang", "ja"), ("le", "0.9")}))] == 0
    assert got[("senpai_index_reloads_total", frozenset({("outcome", "failed")}))] == 1
    assert got[("senpai_index_reloads_total", frozenset({("outcome", "ok")}))] == 0


def test_channels_are_a_small_fixed_set() -> None:
    assert [channel_label(c) for c in ("rest", None, "slack", "cmdline", "socketio", "x" * 99)] == [
        "web",
        "web",
        "slack",
        "cmdline",
        "other",
        "other",
    ]

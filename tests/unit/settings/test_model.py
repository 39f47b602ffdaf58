"""Settings come from the environment, with defaults that stay on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest

from knowledge.search.adapter import configured_adapter
from settings import PROJECT_ROOT, Settings, SettingsError


def test_defaults_are_local() -> None:
    s = Settings.from_env({})
    assert (s.host, s.port) == ("127.0.0.1", 8080)
    assert s.rasa_urls == ("http://127.0.0.1:5005", "http://127.0.0.1:5006")
    assert s.action_url == "http://127.0.0.1:5055"
    assert (s.action_host, s.action_port) == ("127.0.0.1", 5055)
    assert s.rasa_binds == [("127.0.0.1", 5005), ("127.0.0.1", 5006)]
    assert s.rasa_token is None and s.action_token is None
    assert s.profile == "embedded" and s.database is None and s.redis is None
    assert s.tracker_db == PROJECT_ROOT / ".senpai" / "tracker.db"
    assert not s.slack_enabled and s.slack_api_url == "https://slack.com/api/"
    assert s.index_dir == PROJECT_ROOT / ".senpai" / "index"
    assert s.public_url == "http://127.0.0.1:8080/"


def test_environment_overrides(tmp_path: Path) -> None:
    s = Settings.from_env(
        {
            "SENPAI_HOST": "0.0.0.0",
            "SENPAI_PORT": "9000",
            "SENPAI_RASA_URL": "http://127.0.0.1:6005/",
            "SENPAI_RASA_TOKEN": "secret",
            "SENPAI_DATA_DIR": str(tmp_path),
            "SENPAI_EMBEDDING_MODEL": "sentence-transformers/all-mpnet-base-v2",
            "SENPAI_ANSWER_THRESHOLD": "0.5",
            "SENPAI_LEXICAL_WEIGHT": "0",
            "SENPAI_QUERY_CACHE": "0",
            "SENPAI_PREFETCH": "off",
            "SENPAI_ADAPTER": "0",
        }
    )
    assert (s.host, s.port, s.rasa_binds) == ("0.0.0.0", 9000, [("127.0.0.1", 6005)])
    assert s.rasa_urls == ("http://127.0.0.1:6005",)
    assert s.rasa_token == "secret"
    assert s.index_dir == tmp_path / "index"
    assert s.embedding_model == "sentence-transformers/all-mpnet-base-v2"
    assert s.answer_threshold == 0.5
    assert s.lexical_weight == 0.0
    assert s.query_cache == 0
    assert s.prefetch is False and Settings.from_env({}).prefetch is True

    assert configured_adapter(s) is None and configured_adapter(Settings.from_env({})) is not None
    assert Settings.from_env({"SENPAI_PREFETCH": "TRUE"}).prefetch is True
    assert s.public_url == "http://127.0.0.1:9000/"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SENPAI_PORT", "eighty"),
        ("SENPAI_PORT", "70000"),
        ("SENPAI_HOST", "my host"),
        ("SENPAI_RASA_URL", "ftp://x"),
        ("SENPAI_ACTION_URL", "localhost:5055"),
        ("SENPAI_ANSWER_THRESHOLD", "high"),
        ("SENPAI_RASA_TIMEOUT", "0"),
        ("SENPAI_LEXICAL_WEIGHT", "1.5"),
        ("SENPAI_PROFILE", "staging"),
        ("SENPAI_ACTION_TIMEOUT", "0"),
        ("SENPAI_RASA_REPLICAS", "0"),
        ("DATABASE_URL", "mysql://db/senpai"),
        ("REDIS_URL", "127.0.0.1:6379"),
        ("SLACK_API_URL", "slack.com/api"),
        ("SENPAI_QUERY_CACHE", "-1"),
        ("SENPAI_PREFETCH", "maybe"),
        ("SENPAI_ADAPTER", "2"),
    ],
)
def test_bad_values_fail_fast_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_blank_values_mean_default() -> None:
    assert Settings.from_env({"SENPAI_RASA_TOKEN": "  ", "SENPAI_PORT": ""}) == Settings.from_env({})


PRODUCTION = {
    "SENPAI_PROFILE": "production",
    "DATABASE_URL": "postgresql://senpai:p%40ss@db.internal:5433/senpai_prod",
    "REDIS_URL": "redis://:r3dis@cache.internal:6380/2",
    "SENPAI_SENDER_SECRET": "s" * 32,
}


def test_production_profile_parses_its_services_and_runs_two_replicas() -> None:
    s = Settings.from_env(PRODUCTION)
    assert s.profile == "production"
    assert s.database is not None and s.redis is not None
    assert (s.database.host, s.database.port, s.database.name) == ("db.internal", 5433, "senpai_prod")
    assert (s.database.user, s.database.password) == ("senpai", "p@ss")
    assert (s.redis.host, s.redis.port, s.redis.name, s.redis.password) == (
        "cache.internal",
        6380,
        "2",
        "r3dis",
    )
    assert s.rasa_urls == ("http://127.0.0.1:5005", "http://127.0.0.1:5006")
    assert "p@ss" not in s.database.redacted() and "r3dis" not in s.redis.redacted()
    assert s.database.as_url() == "postgresql://senpai:p%40ss@db.internal:5433/senpai_prod"
    three = Settings.from_env({**PRODUCTION, "SENPAI_RASA_REPLICAS": "3"})
    assert [port for _, port in three.rasa_binds] == [5005, 5006, 5007]
    listed = Settings.from_env({**PRODUCTION, "SENPAI_RASA_URL": "http://10.0.0.1:5005,http://10.0.0.2:5005"})
    assert listed.rasa_urls == ("http://10.0.0.1:5005", "http://10.0.0.2:5005")


def test_one_rasa_url_means_one_replica_and_the_embedded_profile_may_run_several() -> None:
    one = Settings.from_env({"SENPAI_RASA_URL": "http://127.0.0.1:7005"})
    assert one.rasa_urls == ("http://127.0.0.1:7005",)
    two = Settings.from_env({"SENPAI_RASA_URL": "http://127.0.0.1:7005", "SENPAI_RASA_REPLICAS": "2"})
    assert two.profile == "embedded" and two.rasa_urls == ("http://127.0.0.1:7005", "http://127.0.0.1:7006")


@pytest.mark.parametrize("missing", ["DATABASE_URL", "REDIS_URL", "SENPAI_SENDER_SECRET"])
def test_production_profile_fails_fast_without_its_services(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    with pytest.raises(SettingsError, match=missing):
        Settings.from_env(env)


def test_a_short_sender_secret_is_refused() -> None:
    with pytest.raises(SettingsError, match="at least 32"):
        Settings.from_env({"SENPAI_SENDER_SECRET": "s" * 31})
    assert Settings.from_env({"SENPAI_SENDER_SECRET": "s" * 32}).sender_secret == "s" * 32


def test_a_bad_database_url_never_echoes_its_password() -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"DATABASE_URL": "mysql://u:hunter2@db/x"})
    assert "hunter2" not in str(info.value)


def test_slack_needs_both_secrets() -> None:
    with pytest.raises(SettingsError, match="SLACK_SIGNING_SECRET"):
        Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-1"})
    with pytest.raises(SettingsError, match="SLACK_BOT_TOKEN"):
        Settings.from_env({"SLACK_SIGNING_SECRET": "s"})
    s = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": "http://127.0.0.1:9/api"}
    )
    assert s.slack_enabled and s.slack_api_url == "http://127.0.0.1:9/api/"


def test_the_gateway_loads_no_machine_learning_libraries() -> None:
    import subprocess
    import sys

    heavy = "{'faiss', 'torch', 'bm25s', 'sentence_transformers'}"
    code = f"import sys, bot.app; print(sorted({{m.split('.')[0] for m in sys.modules}} & {heavy}))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PROJECT_ROOT
    )
    assert out.stdout.strip() == "[]"


def test_the_settings_defaults_are_the_knowledge_librarys() -> None:
    """The settings import nothing of ours, so their defaults must agree with the library's by test."""
    from knowledge.content.corpus import DEFAULT_CORPUS_DIR
    from knowledge.content.not_covered import DEFAULT_NOT_COVERED_FILE
    from knowledge.encoders import int8
    from knowledge.encoders.base import DEFAULT_MODEL
    from settings import model, values

    assert model.DEFAULT_MODEL == DEFAULT_MODEL
    assert get_args(values.Int8Use) == get_args(int8.Int8Use)
    assert model.DEFAULT_CORPUS_DIR.resolve() == DEFAULT_CORPUS_DIR.resolve()
    assert model.DEFAULT_NOT_COVERED_FILE.resolve() == DEFAULT_NOT_COVERED_FILE.resolve()

"""Settings come from the environment, with defaults that stay on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT, Settings, SettingsError


def test_defaults_are_local() -> None:
    s = Settings.from_env({})
    assert (s.host, s.port) == ("127.0.0.1", 8080)
    assert s.rasa_url == "http://127.0.0.1:5005" and s.action_url == "http://127.0.0.1:5055"
    assert (s.action_host, s.action_port, s.rasa_port) == ("127.0.0.1", 5055, 5005)
    assert s.rasa_token is None
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
        }
    )
    assert (s.host, s.port, s.rasa_port) == ("0.0.0.0", 9000, 6005)
    assert s.rasa_url == "http://127.0.0.1:6005"
    assert s.rasa_token == "secret"
    assert s.index_dir == tmp_path / "index"
    assert s.embedding_model == "sentence-transformers/all-mpnet-base-v2"
    assert s.answer_threshold == 0.5
    assert s.lexical_weight == 0.0
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
    ],
)
def test_bad_values_fail_fast_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_blank_values_mean_default() -> None:
    assert Settings.from_env({"SENPAI_RASA_TOKEN": "  ", "SENPAI_PORT": ""}) == Settings.from_env({})

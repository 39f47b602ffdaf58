"""connectors.launch's own argument handling (the module imports Rasa only when run)."""

from __future__ import annotations

import argparse

import pytest

from connectors.launch import argv_with_token


def _parse(argv: list[str]) -> argparse.Namespace:
    """A parser shaped like ``rasa run``'s for the token option."""
    parser = argparse.ArgumentParser()
    parser.add_argument("command")
    parser.add_argument("-t", "--auth-token")
    parser.add_argument("--enable-api", action="store_true")
    return parser.parse_args(argv)


@pytest.mark.parametrize("token", ["plain-token", "-starts-with-a-dash", "--looks-like-an-option"])
def test_the_token_from_the_environment_reaches_rasa_whatever_it_starts_with(
    monkeypatch: pytest.MonkeyPatch, token: str
) -> None:
    monkeypatch.setenv("SENPAI_RASA_TOKEN", token)
    argv = argv_with_token(["run", "--enable-api"])
    assert _parse(argv).auth_token == token


def test_a_token_already_given_is_kept_and_no_token_adds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENPAI_RASA_TOKEN", "from-env")
    assert argv_with_token(["run", "--auth-token=mine"]) == ["run", "--auth-token=mine"]
    assert argv_with_token(["run", "-t", "mine"]) == ["run", "-t", "mine"]
    monkeypatch.delenv("SENPAI_RASA_TOKEN")
    assert argv_with_token(["run"]) == ["run"]

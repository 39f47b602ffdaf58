"""The action server registers each action of the domain once, from one table."""

from __future__ import annotations

import logging

import pytest
import yaml

from actions import registry
from actions.server import action_executor
from settings import PROJECT_ROOT


def test_every_action_of_the_domain_is_registered_once(caplog: pytest.LogCaptureFixture) -> None:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    with caplog.at_level(logging.DEBUG):
        executor = action_executor()
    assert set(executor.actions) == set(domain["actions"]) == set(registry.HANDLERS)
    assert [r.getMessage() for r in caplog.records if "Re-registered" in r.getMessage()] == []


def test_an_unknown_action_is_a_clear_error() -> None:
    with pytest.raises(KeyError):
        registry.action("action_that_does_not_exist")
    assert registry.action("action_answer").name() == "action_answer"

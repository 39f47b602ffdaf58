"""Fixtures for the gateway's unit tests: a fake Rasa on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.app import create_app
from settings import Settings
from tests.unit.fakes import SENDER_SECRET, Client, FakeRasa, TrackerFactory, tracker


async def _serve() -> AsyncIterator[FakeRasa]:
    fake = FakeRasa()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    fake.url = str(server.make_url("")).rstrip("/")
    yield fake
    await server.close()


@pytest.fixture
async def fake_rasa() -> AsyncIterator[FakeRasa]:
    async for fake in _serve():
        yield fake


@pytest.fixture
async def other_rasa() -> AsyncIterator[FakeRasa]:
    """A second fake Rasa, for tests with two replicas."""
    async for fake in _serve():
        yield fake


@pytest.fixture
def make_tracker() -> TrackerFactory:
    """Makes trackers for the actions' tests (see :func:`tests.unit.fakes.tracker`)."""
    return tracker


@pytest.fixture
def settings(fake_rasa: FakeRasa, tmp_path: Path) -> Settings:
    return Settings(
        rasa_urls=(fake_rasa.url,),
        action_url=fake_rasa.url,
        rasa_timeout_s=1.0,
        health_timeout_s=0.5,
        rasa_token="tok",
        sender_secret=SENDER_SECRET,
        data_dir=tmp_path,
        allowed_origins=("https://orientation.example",),
    )


@pytest.fixture
async def client(
    aiohttp_client: Callable[[web.Application], Awaitable[Client]], settings: Settings
) -> Client:
    return await aiohttp_client(create_app(settings))

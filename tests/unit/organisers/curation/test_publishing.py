"""Where a build goes and the change lock, in both profiles, on a real PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts import builds
from knowledge import Index, current_dir, publish
from organisers.curation.publishing import change_lock, publish_build
from settings import Settings
from settings.values import ServiceURL
from tests.pg import throwaway_database


@pytest.fixture
def url() -> Iterator[str]:
    with throwaway_database("senpai_publishing") as found:
        yield found


def production(url: str, data_dir: Path) -> Settings:
    user_host, name = url.rsplit("/", 1)
    database = ServiceURL("postgresql", "127.0.0.1", 5432, name, "root", "")
    assert database.as_url().rsplit("/", 1)[1] == name and user_host
    return Settings(database=database, data_dir=data_dir, index_dir=data_dir / "index")


def test_production_publishes_to_the_store_and_then_here(url: str, tiny_index: Index, tmp_path: Path) -> None:
    settings = production(url, tmp_path)
    target = publish_build(settings, tiny_index)
    assert current_dir(settings.index_dir) == target
    stored = builds.current(url)
    assert stored is not None and stored.id == target.name


def test_a_store_that_refuses_the_build_leaves_this_host_serving_the_last(
    tiny_index: Index, tmp_path: Path
) -> None:
    down = ServiceURL("postgresql", "127.0.0.1", 1, "none", "nobody", "")
    settings = Settings(database=down, data_dir=tmp_path, index_dir=tmp_path / "index")
    serving = publish(tiny_index, settings.index_dir)
    with pytest.raises(Exception):  # noqa: B017 - whatever psycopg raises for a closed port
        publish_build(settings, tiny_index)
    assert current_dir(settings.index_dir) == serving


def test_the_embedded_profile_keeps_its_files(tiny_index: Index, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, index_dir=tmp_path / "index")
    target = publish_build(settings, tiny_index)
    assert current_dir(settings.index_dir) == target


@pytest.mark.parametrize("profile", ["embedded", "production"])
def test_one_change_at_a_time_across_processes_or_hosts(profile: str, tmp_path: Path) -> None:
    if profile == "production":
        context = throwaway_database("senpai_lock")
        url = context.__enter__()
        first, second = production(url, tmp_path / "a"), production(url, tmp_path / "b")  # two hosts
    else:
        first = second = Settings(data_dir=tmp_path, index_dir=tmp_path / "index")
    order: list[str] = []
    held = threading.Event()

    def hold() -> None:
        with change_lock(first):
            held.set()
            time.sleep(0.5)
            order.append("first done")

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(10)
    with change_lock(second):
        order.append("second in")
    thread.join()
    assert order == ["first done", "second in"]
    if profile == "production":
        context.__exit__(None, None, None)

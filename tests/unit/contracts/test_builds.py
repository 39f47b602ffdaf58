"""The shared build store on a real PostgreSQL: publish, poll, fetch checked, prune."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts import builds
from knowledge import Index, save_build
from tests.pg import throwaway_database


@pytest.fixture
def url() -> Iterator[str]:
    with throwaway_database("senpai_builds") as found:
        yield found


def files_of(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in directory.rglob("*") if p.is_file()}


def test_a_published_build_is_current_and_fetches_whole(url: str, tiny_index: Index, tmp_path: Path) -> None:
    assert builds.current(url) is None
    made = save_build(tiny_index, tmp_path / "host-a")
    published = builds.publish(url, made)
    assert builds.current(url) == published
    assert (published.model, published.passages) == (tiny_index.encoder.name, len(tiny_index))
    fetched = builds.fetch(url, published, tmp_path / "host-b")
    assert fetched == tmp_path / "host-b" / "builds" / made.name
    assert files_of(fetched) == files_of(made)
    assert builds.pack(made) == builds.pack(fetched)  # the same files, the same bytes


def test_a_damaged_archive_is_refused_and_leaves_nothing(url: str, tiny_index: Index, tmp_path: Path) -> None:
    import psycopg

    published = builds.publish(url, save_build(tiny_index, tmp_path / "a"))
    with psycopg.connect(url) as db:
        db.execute("UPDATE index_builds SET archive = %s", (b"not a build",))
    with pytest.raises(builds.BuildStoreError, match="hash"):
        builds.fetch(url, published, tmp_path / "b")
    assert not (tmp_path / "b" / "builds" / published.id).exists()


def test_a_build_whose_files_disagree_with_its_row_is_refused(
    url: str, tiny_index: Index, tmp_path: Path
) -> None:
    published = builds.publish(url, save_build(tiny_index, tmp_path / "a"))
    lying = builds.Build(published.id, published.content_hash, published.model, published.passages + 1)
    with pytest.raises(builds.BuildStoreError, match="passages"):
        builds.fetch(url, lying, tmp_path / "b")
    assert [p.name for p in (tmp_path / "b" / "builds").iterdir()] == []


def test_old_builds_are_pruned_keeping_the_newest(url: str, tiny_index: Index, tmp_path: Path) -> None:
    made = [builds.publish(url, save_build(tiny_index, tmp_path / f"h{i}"), keep=2) for i in range(4)]
    assert [b.id for b in builds.stored(url)] == [made[3].id, made[2].id]
    assert builds.current(url) == made[3]


def test_the_hash_is_of_the_archive(url: str, tiny_index: Index, tmp_path: Path) -> None:
    made = save_build(tiny_index, tmp_path / "a")
    assert builds.publish(url, made).content_hash == hashlib.sha256(builds.pack(made)).hexdigest()

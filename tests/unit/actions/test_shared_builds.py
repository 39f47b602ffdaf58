"""Every host serves the shared store's build: fetched, swapped in, and kept when the store fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from actions.reload import IndexWatcher
from actions.runtime import KnowledgeService
from actions.shared_builds import BuildSync
from contracts import builds
from knowledge import Corpus, build_index, current_dir, load_index, publish, save_build
from knowledge.encoders.base import Vectors
from knowledge.encoders.sentence import SentenceTransformerEncoder
from knowledge.search.decide import Policy
from tests.pg import throwaway_database


@pytest.fixture
def url() -> Iterator[str]:
    with throwaway_database("senpai_sync") as found:
        yield found


def test_a_host_with_an_empty_data_directory_serves_the_stores_build(
    url: str, tiny_corpus: Corpus, encoder: SentenceTransformerEncoder, tmp_path: Path
) -> None:
    index = build_index(tiny_corpus.passages, encoder, topics=tiny_corpus.topics)
    builds.publish(url, save_build(index, tmp_path / "host-a"))
    empty = tmp_path / "host-b"
    assert BuildSync(url, empty)() is True
    assert len(load_index(current_dir(empty), encoder)) == len(tiny_corpus.passages)
    assert BuildSync(url, empty)() is False  # already serving it


async def test_a_build_published_on_one_host_is_swapped_in_on_another(
    url: str, tiny_corpus: Corpus, encoder: SentenceTransformerEncoder, tmp_path: Path
) -> None:
    host_b = tmp_path / "b"
    publish(build_index(tiny_corpus.passages[:2], encoder), host_b)
    service = KnowledgeService(load_index(current_dir(host_b), encoder), Policy(), 0.6)
    watcher = IndexWatcher(service, host_b, interval_s=0.01, sync=BuildSync(url, host_b))
    assert await watcher.check() is False  # nothing in the store yet: B keeps its own build

    whole = build_index(tiny_corpus.passages, encoder, topics=tiny_corpus.topics)
    builds.publish(url, save_build(whole, tmp_path / "a"))
    assert await watcher.check() is True
    assert len(service.index) == len(tiny_corpus.passages)
    service.close()


async def test_a_store_that_is_down_or_a_damaged_build_leaves_the_host_serving(
    url: str, tiny_corpus: Corpus, encoder: SentenceTransformerEncoder, tmp_path: Path
) -> None:
    import psycopg

    host = tmp_path / "b"
    publish(build_index(tiny_corpus.passages[:2], encoder), host)
    serving = current_dir(host)
    down = BuildSync("postgresql://nobody@127.0.0.1:1/none", host)
    assert down() is False and current_dir(host) == serving

    builds.publish(url, save_build(build_index(tiny_corpus.passages, encoder), tmp_path / "a"))
    with psycopg.connect(url) as db:
        db.execute("UPDATE index_builds SET archive = %s", (b"damaged",))
    service = KnowledgeService(load_index(serving, encoder), Policy(), 0.6)
    watcher = IndexWatcher(service, host, interval_s=0.01, sync=BuildSync(url, host))
    assert await watcher.check() is False
    assert current_dir(host) == serving and len(service.index) == 2
    service.close()


class _OtherCopy:
    """The same model name with other files: a tuned directory that differs on the host that built."""

    def __init__(self, inner: SentenceTransformerEncoder) -> None:
        self.name, self.dim, self._inner = inner.name, inner.dim, inner
        self.weights = "sha256:0123456789abcdef"

    def encode(self, texts: list[str], batch_size: int = 32) -> Vectors:
        return self._inner.encode(texts, batch_size)


async def test_a_build_made_with_other_weights_of_the_model_is_refused_and_the_host_keeps_serving(
    url: str,
    tiny_corpus: Corpus,
    encoder: SentenceTransformerEncoder,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    host_b = tmp_path / "b"
    publish(build_index(tiny_corpus.passages[:2], encoder), host_b)
    service = KnowledgeService(load_index(current_dir(host_b), encoder), Policy(), 0.6)
    watcher = IndexWatcher(service, host_b, interval_s=0.01, sync=BuildSync(url, host_b))
    other = build_index(tiny_corpus.passages, _OtherCopy(encoder), topics=tiny_corpus.topics)
    builds.publish(url, save_build(other, tmp_path / "a"))
    with caplog.at_level("ERROR", logger="senpai.actions.reload"):
        assert await watcher.check() is False
    assert "other weights" in caplog.text and "0123456789abcdef" in caplog.text
    assert len(service.index) == 2  # still B's own build, searched with B's own model
    assert service.index.search("how many participants are there", 1)
    service.close()

"""A rebuilt index is picked up by the running service; a broken one is not."""

from __future__ import annotations

from pathlib import Path

from actions.reload import IndexWatcher
from actions.runtime import KnowledgeService
from knowledge import Corpus, build_index, current_dir, load_index, publish
from knowledge.encoders.sentence import SentenceTransformerEncoder
from knowledge.search.decide import Policy


async def test_watcher_swaps_in_a_new_build(
    tiny_corpus: Corpus, encoder: SentenceTransformerEncoder, tmp_path: Path
) -> None:
    root = tmp_path / "index"
    publish(build_index(tiny_corpus.passages[:2], encoder), root)
    service = KnowledgeService(load_index(current_dir(root), encoder), Policy(), 0.6)
    watcher = IndexWatcher(service, root, interval_s=0.01)
    assert await watcher.check() is False
    assert len(service.index) == 2

    publish(build_index(tiny_corpus.passages, encoder, topics=tiny_corpus.topics), root)
    assert await watcher.check() is True
    assert len(service.index) == 5
    hits = await service.search("how many participants are there", 1)
    assert hits[0].id == "programme-size"
    service.close()


async def test_a_broken_build_keeps_the_old_index(
    tiny_corpus: Corpus, encoder: SentenceTransformerEncoder, tmp_path: Path
) -> None:
    root = tmp_path / "index"
    publish(build_index(tiny_corpus.passages, encoder, topics=tiny_corpus.topics), root)
    service = KnowledgeService(load_index(current_dir(root), encoder), Policy(), 0.6)
    watcher = IndexWatcher(service, root)
    broken = publish(build_index(tiny_corpus.passages[:1], encoder), root)
    (broken / "index.faiss").write_bytes(b"garbage")
    assert await watcher.check() is False
    assert len(service.index) == 5
    assert await watcher.check() is False  # not retried until a new build appears
    service.close()

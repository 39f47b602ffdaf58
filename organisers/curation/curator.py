"""Apply an organiser's change: check it, show its conflicts, record it, rebuild and publish.

One change at a time: a lock in the process and :func:`.publishing.change_lock`
(a lock file in the data directory, or a PostgreSQL advisory lock across hosts
in production) serialise the gateway's page and ``senpai curate`` on the
command line. A change is checked exactly as the YAML is (the live changes and this
one applied to a copy of the corpus, then loaded), recorded, and the index is
rebuilt from the YAML plus every live change. Only new texts are embedded
(the embedding cache), and :func:`.publishing.publish_build` swaps the new
build in at once (in production, through the shared store that every host's
action server polls), so it is answered within the poll interval.
If the build fails, the change is marked failed and the index that was
serving goes on serving.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from knowledge import Corpus, CorpusError, Index, build_index, current_dir, load_index
from knowledge.content.curation import (
    CurationError,
    already_asked,
    check_change,
    curated_corpus,
    export,
    key,
    questions_of,
)
from knowledge.encoders.base import Encoder, EncoderError
from knowledge.encoders.factory import open_batch
from knowledge.search.adapter import configured_adapter
from knowledge.search.decide import NAMED_TOPIC_FLOOR, configured_policy, outside_scope
from knowledge.store.build import Progress
from knowledge.store.files import IndexLoadError
from organisers.curation.publishing import change_lock, publish_build
from organisers.curation.store import EXPORTED, FAILED, LIVE, UNDONE, CurationStore, Record
from settings import Settings

logger = logging.getLogger("senpai.curation")


@dataclass
class Outcome:
    """What became of a change.

    Attributes:
        ok: Whether it was made (and, unless it is an ``ignore``, is live).
        status: 200 made, 400 refused, 404 no such change, 409 has conflicts
            and was not confirmed, 500 the build failed (the old index serves).
        message: What to tell the organiser.
        record: The stored change, if it was stored.
        conflicts: What ``check-scope`` would flag, shown before accepting.
        build_s: Seconds the rebuild and publish took.
    """

    ok: bool
    status: int
    message: str
    record: Record | None = None
    conflicts: list[str] = field(default_factory=list)
    build_s: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (the admin API's reply)."""
        out = {k: v for k, v in vars(self).items() if k != "record"}
        out["change"] = self.record.to_dict() if self.record else None
        return out


@dataclass
class BuildStatus:
    """The last rebuild: when, whether it worked, and why not."""

    at: float = 0.0
    ok: bool = True
    seconds: float = 0.0
    error: str | None = None
    build: str | None = None


class Curator:
    """Makes and undoes changes, one at a time, and keeps the published index in step."""

    def __init__(
        self, settings: Settings, store: CurationStore, *, settle_in_background: bool = True
    ) -> None:
        """Make changes on ``store`` for the index the settings name.

        Args:
            settings: Where the corpus, the index and the data directory are.
            store: Where changes are recorded.
            settle_in_background: After a quick build (the last adapter reused),
                refit the adapter in a background thread (the gateway); if
                false, straight away before returning (the command line).
        """
        self.settings = settings
        self.store = store
        self.last_build = BuildStatus()
        self.settle_in_background = settle_in_background
        self._lock = threading.RLock()
        self._encoders: dict[str, Encoder] = {}
        self._index: Index | None = None
        self._index_at: Path | None = None  # the build directory ``_index`` came from
        self._generation = 0
        self._depth = 0
        self._settler: threading.Thread | None = None

    def encoders(self) -> dict[str, Encoder]:
        """The batch encoders of each language, loaded once (they also cluster missed questions)."""
        with self._lock:
            if not self._encoders:
                self._encoders.update(open_batch(self.settings))
            return self._encoders

    @contextmanager
    def _serialised(self) -> Iterator[None]:
        """One change at a time, in this process and across processes and hosts (:func:`change_lock`)."""
        with self._lock:
            if self._depth:  # re-entered (the command line refits inside its change): the lock is held
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            with change_lock(self.settings):
                self._depth = 1
                try:
                    yield
                finally:
                    self._depth = 0

    def corpus(self, extra: Sequence[Mapping[str, Any]] = (), *, without: int | None = None) -> Corpus:
        """The YAML plus the live changes (less ``without``, plus ``extra``), validated as the YAML is."""
        live = [r.data for r in self.store.live() if r.id != without]
        return curated_corpus(self.settings.corpus_dir, self.settings.not_covered_file, [*live, *extra])

    def index(self) -> Index:
        """The published index: the one just built, or loaded again when another process published one."""
        serving = current_dir(self.settings.index_dir)
        if self._index is None or serving != self._index_at:
            found = self.encoders()
            self._index = load_index(
                serving,
                found["en"],
                lexical_weight=self.settings.lexical_weight,
                japanese_encoder=found.get("ja"),
            )
            self._index_at = serving
        return self._index

    def conflicts(self, change: Mapping[str, Any]) -> list[str]:
        """What the scope check would flag if the change were made, one sentence each."""
        index, policy, out = self.index(), configured_policy(self.settings), []
        for q in questions_of(change):
            hits = index.search(q.text, 8)
            outside = outside_scope(hits, policy.for_hits(hits))
            named = outside is not None and outside.similarity >= NAMED_TOPIC_FLOOR
            if change["kind"] in ("attach", "draft") and outside is not None and named:
                nearest = max(outside.topic.examples_in(q.lang), key=lambda e: _overlap(e, q.text))
                out.append(
                    f"{q.text!r} is closer to the not-covered topic '{outside.topic.id}' than to any "
                    f"passage (its example {nearest!r}); questions like it may still be refused. "
                    "Reword or remove that example if the passages do answer it."
                )
            elif change["kind"] == "not_covered" and outside is None and hits:
                best = hits[0]
                if best.similarity >= policy.for_hits(hits).threshold:
                    out.append(
                        f"Senpai answers {q.text!r} today from passage '{best.id}' "
                        f"(similarity {best.similarity:.2f}); marking it not covered may make it "
                        "refuse questions that passage answers."
                    )
        return out

    def propose(self, change: Mapping[str, Any], who: str, *, confirm: bool = False) -> Outcome:
        """Check a change, show its conflicts (unless confirmed), record it and make it live."""
        change = {**change, "who": who} if change.get("kind") == "draft" else dict(change)
        corpus, conflicts = None, []
        with self._serialised():
            try:
                check_change(change)
                if change["kind"] != "ignore":  # an ignore changes no knowledge: nothing to check
                    corpus = self.corpus([change])
                    reason = already_asked(corpus, change)
                    if reason:
                        return Outcome(False, 400, reason)
                    conflicts = self.conflicts(change)
            except (CurationError, CorpusError) as exc:
                return Outcome(False, 400, str(exc))
            except (EncoderError, IndexLoadError) as exc:
                return Outcome(False, 500, f"Senpai cannot check the change against the index: {exc}")
            if conflicts and not confirm:
                return Outcome(False, 409, "Check these conflicts, then confirm.", conflicts=conflicts)
            record = self.store.add(change, who)
            if corpus is None:  # an ignore
                return Outcome(True, 200, "Ignored: it leaves the missed list.", record)
            try:
                seconds = self._rebuild(corpus, quick=True)
            except Exception as exc:
                self.store.end(record.id, FAILED, who, f"build failed: {exc}")
                return self._failed(exc, record)
            return Outcome(True, 200, _done(record), record, conflicts, seconds)

    def undo(self, rid: int, who: str) -> Outcome:
        """Take a live change back out, and rebuild without it."""
        with self._serialised():
            record = self.store.get(rid)
            if record is None:
                return Outcome(False, 404, f"there is no change {rid}")
            if record.state != LIVE:
                return Outcome(False, 400, f"change {rid} is {record.state}, not live: nothing to undo")
            try:
                corpus = self.corpus(without=rid)
            except (CurationError, CorpusError) as exc:
                return Outcome(False, 400, f"a later change depends on change {rid}; undo that first ({exc})")
            self.store.end(rid, UNDONE, who)
            if record.kind == "ignore":
                return Outcome(True, 200, f"Change {rid} undone: the question is back on the list.", record)
            try:
                seconds = self._rebuild(corpus, quick=True)
            except Exception as exc:
                self.store.end(rid, LIVE, who, f"undo failed, still live: {exc}")
                return self._failed(exc, record)
            return Outcome(
                True, 200, f"Change {rid} undone; the index no longer has it.", record, build_s=seconds
            )

    def export(self, who: str) -> list[Path]:
        """Write the live changes into the YAML files and mark them exported (ignores stay in the store).

        Raises:
            CurationError, CorpusError: If they no longer apply; nothing is written.
        """
        with self._serialised():
            live = [r for r in self.store.live() if r.kind != "ignore"]
            written = export(self.settings.corpus_dir, self.settings.not_covered_file, [r.data for r in live])
            for record in live:
                self.store.end(record.id, EXPORTED, who)
            return written

    def rebuild(self) -> float:
        """Rebuild and publish from the YAML plus the live changes (``senpai curate rebuild``)."""
        with self._serialised():
            return self._rebuild(self.corpus())

    def settled(self, timeout: float | None = None) -> bool:
        """Wait for the background refit after a quick build; whether none is still running."""
        settler = self._settler
        if settler is not None:
            settler.join(timeout)
        return settler is None or not settler.is_alive()

    def _settle(self, generation: int) -> None:
        """Refit the adapter on the corpus as it is now: the build a clean ``build-index`` makes."""
        with self._serialised():
            if generation != self._generation:
                return  # a later change scheduled its own
            try:
                self._rebuild(self.corpus())
            except Exception as exc:  # the quick build keeps serving; the page says why
                logger.exception("refitting the adapter failed", exc_info=exc)
                self.last_build = BuildStatus(time.time(), False, 0.0, f"refit failed: {exc}")

    def handled(self) -> set[str]:
        """The questions organisers have acted on (live or exported), folded: they leave the missed list."""
        records = self.store.changes(limit=1_000_000)
        return {key(q.text) for r in records if r.state in (LIVE, EXPORTED) for q in questions_of(r.data)}

    def _rebuild(self, corpus: Corpus, *, quick: bool = False) -> float:
        """Build and publish; ``quick`` reuses the serving adapter, then refits it (see :meth:`_settle`)."""
        start = time.perf_counter()
        settings = self.settings
        weight = None

        if quick and configured_adapter(settings) is not None:
            try:
                serving = self.index()
            except IndexLoadError:
                serving = None

            if serving is not None and serving.adapter_config == configured_adapter(settings):
                weight = serving.adapter
        index = build_for(settings, corpus, self.encoders(), adapter_weight=weight)
        target = publish_build(settings, index)
        self._index, self._index_at = index, current_dir(settings.index_dir)
        seconds = time.perf_counter() - start
        self.last_build = BuildStatus(time.time(), True, seconds, None, target.name)
        logger.info("published %s (%d passages) in %.2f s", target.name, len(index), seconds)
        if weight is not None:
            self._generation += 1
            if self.settle_in_background:
                self._settler = threading.Thread(
                    target=self._settle, args=(self._generation,), name="senpai-refit", daemon=True
                )
                self._settler.start()
            else:
                self._settle(self._generation)
        return seconds

    def _failed(self, exc: Exception, record: Record) -> Outcome:
        logger.exception("curation build failed", exc_info=exc)
        self.last_build = BuildStatus(time.time(), False, 0.0, f"{type(exc).__name__}: {exc}")
        return Outcome(
            False,
            500,
            f"The index could not be rebuilt ({type(exc).__name__}: {exc}); the index that was "
            "serving is still serving, and the change is not live.",
            record,
        )


def build_for(
    settings: Settings,
    corpus: Corpus,
    encoders: Mapping[str, Encoder],
    *,
    progress: Progress | None = None,
    cache: bool = True,
    adapter_weight: npt.NDArray[np.float32] | None = None,
) -> Index:
    """Build the index of a corpus as the settings ask: adapter, Japanese index, embedding cache."""
    return build_index(
        corpus.passages,
        encoders["en"],
        topics=corpus.topics,
        not_covered=corpus.not_covered,
        progress=progress,
        adapter=configured_adapter(settings),
        japanese=encoders.get("ja"),
        second=encoders.get("second"),
        cache_dir=settings.embedding_cache_dir if cache else None,
        adapter_weight=adapter_weight,
    )


def _overlap(a: str, b: str) -> int:
    return len(set(a.lower().split()) & set(b.lower().split()))


def _done(record: Record) -> str:
    data = record.data
    if record.kind == "attach":
        where = f"passage '{data.get('passage')}'"
    elif record.kind == "draft":
        where = f"the draft passage '{data['passage'].get('id')}'"
    else:
        where = f"not-covered topic '{data.get('topic') or data['new_topic'].get('id')}'"
    return f"Change {record.id} is live: {len(data['questions'])} question(s) added to {where}."

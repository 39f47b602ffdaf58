"""Load and validate the curated passages that Senpai answers from.

The corpus is a directory of YAML files: ``sources.yaml`` names the studies,
and every other ``*.yaml`` file holds the passages of one topic. Loading checks
the whole corpus and fails with the file, the passage id and the field named,
so an organiser editing YAML sees exactly what to fix.

Next to it, ``knowledge/scope/not_covered.yaml`` lists kinds of question the
studies do *not* answer, with example phrasings and who to ask instead. The
index embeds those examples as negative views, so a question closer to them
than to any passage gets an honest "I don't know, ask ..." (see
:func:`load_not_covered`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from knowledge.content.japanese import PASSAGE_FIELDS, parse_passage_ja, parse_situations
from knowledge.content.not_covered import DEFAULT_NOT_COVERED_FILE, NotCoveredTopic, fold, load_not_covered
from knowledge.content.schema import (
    AUDIENCES,
    ID_RE,
    MAX_CHARS,
    MAX_TITLE_CHARS,
    MAX_WORDS,
    MIN_WORDS,
    TOPIC_RE,
    CorpusError,
    load_sources,
    load_yaml,
    require_str,
    str_list,
)

DEFAULT_CORPUS_DIR = Path(__file__).parent.parent / "corpus"


@dataclass(frozen=True)
class Citation:
    """Where a passage's content comes from.

    Attributes:
        source: Key of the study in ``sources.yaml``.
        short: Short human-readable name of the study.
        reference: Full bibliographic reference of the study.
        section: Section of the study the passage draws on.
        participant: Pseudonym(s) of the participant(s) drawn on, if any.
    """

    source: str
    short: str
    reference: str
    section: str
    participant: str | None = None

    def label(self) -> str:
        """Return a one-line citation such as ``Study, section (participant)``."""
        text = f"{self.short}, {self.section}"
        if self.participant:
            text += f" (participant: {self.participant})"
        return text


@dataclass(frozen=True)
class Passage:
    """One curated idea from the studies, written in the project's own words."""

    id: str
    topic: str
    audience: str
    title: str
    text: str
    citation: Citation
    questions: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    also_cited: tuple[Citation, ...] = ()
    title_ja: str = ""
    text_ja: str = ""
    questions_ja: tuple[str, ...] = ()
    #: Who wrote a passage drafted on the organisers' page; a developer deletes it on review.
    draft_by: str = ""
    #: How people describe the situation this passage speaks to, when they write about it at
    #: length ("the kids shout my name at the supermarket"): embedded like the questions, so a
    #: long message's back-story meets the passage whose finding answers it.
    situations: tuple[str, ...] = ()
    situations_ja: tuple[str, ...] = ()
    #: The general passage this one restates for one audience (a JTE version of an ALT finding):
    #: Senpai never offers both as a choice, and picks by the user's role.
    version_of: str = ""

    def title_in(self, lang: str) -> str:
        """The title in ``en`` or ``ja`` (English where the Japanese is missing)."""
        return self.title_ja if lang == "ja" and self.title_ja else self.title

    def text_in(self, lang: str) -> str:
        """The text in ``en`` or ``ja`` (English where the Japanese is missing)."""
        return self.text_ja if lang == "ja" and self.text_ja else self.text

    def questions_in(self, lang: str) -> tuple[str, ...]:
        """The example questions in ``en`` or ``ja`` (English where there are none in Japanese)."""
        return self.questions_ja if lang == "ja" and self.questions_ja else self.questions

    @property
    def citations(self) -> tuple[Citation, ...]:
        """Every source the passage draws on: its main citation first, then ``also_cited``."""
        return (self.citation, *self.also_cited)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict of the passage."""
        data = asdict(self)
        data["questions"] = list(self.questions)
        data["related"] = list(self.related)
        data["also_cited"] = [asdict(c) for c in self.also_cited]
        data["questions_ja"] = list(self.questions_ja)
        data["situations"], data["situations_ja"] = list(self.situations), list(self.situations_ja)
        if not self.situations and not self.situations_ja:  # the hash of a passage without is unchanged
            del data["situations"], data["situations_ja"]
        if not self.version_of:
            del data["version_of"]
        if not self.also_cited:  # keeps the corpus hash of passages with one source unchanged
            del data["also_cited"]
        if not self.draft_by:
            del data["draft_by"]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Passage:
        """Rebuild a passage from :meth:`to_dict` output."""
        return cls(
            id=data["id"],
            topic=data["topic"],
            audience=data["audience"],
            title=data["title"],
            text=data["text"],
            citation=Citation(**data["citation"]),
            questions=tuple(data.get("questions", ())),
            related=tuple(data.get("related", ())),
            also_cited=tuple(Citation(**c) for c in data.get("also_cited", ())),
            title_ja=data.get("title_ja", ""),
            text_ja=data.get("text_ja", ""),
            questions_ja=tuple(data.get("questions_ja", ())),
            draft_by=data.get("draft_by", ""),
            situations=tuple(data.get("situations", ())),
            situations_ja=tuple(data.get("situations_ja", ())),
            version_of=data.get("version_of", ""),
        )


@dataclass(frozen=True)
class Corpus:
    """All passages, plus the topic titles and the not-covered topics, keyed for lookup."""

    passages: tuple[Passage, ...]
    topics: Mapping[str, str] = field(default_factory=dict)
    not_covered: tuple[NotCoveredTopic, ...] = ()

    def __len__(self) -> int:
        return len(self.passages)

    def get(self, passage_id: str) -> Passage:
        """Return the passage with this id.

        Raises:
            KeyError: If no passage has the id.
        """
        for passage in self.passages:
            if passage.id == passage_id:
                return passage
        raise KeyError(passage_id)

    def fingerprint(self) -> str:
        """Return a SHA-256 over the passages, topics and not-covered topics, stable across loads."""
        return corpus_hash(self.passages, self.topics, self.not_covered)


def source_labels(passages: Iterable[Passage]) -> list[str]:
    """The short label of every source the passages draw on, each once, in order."""
    return list(dict.fromkeys(c.label() for p in passages for c in p.citations))


def passage_views(passage: Passage, lang: str = "en") -> list[str]:
    """Return the texts embedded for one passage: title and text, then its questions and situations.

    Args:
        passage: The passage.
        lang: ``en`` for the English views, ``ja`` for the Japanese ones.
    """
    if lang == "ja":
        return [f"{passage.title_ja}。{passage.text_ja}", *passage.questions_ja, *passage.situations_ja]
    return [f"{passage.title}. {passage.text}", *passage.questions, *passage.situations]


def corpus_hash(
    passages: Iterable[Passage], topics: Mapping[str, str], not_covered: Iterable[NotCoveredTopic] = ()
) -> str:
    """Hash passages, topic titles and not-covered topics canonically (file order does not matter)."""
    payload = {
        "passages": sorted((p.to_dict() for p in passages), key=lambda d: d["id"]),
        "topics": dict(sorted(topics.items())),
        "not_covered": sorted((t.to_dict() for t in not_covered), key=lambda d: d["id"]),
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


def _parse_passage(
    raw: Any, file: Path, topic: str, position: int, sources: Mapping[str, tuple[str, str]]
) -> Passage:
    if not isinstance(raw, dict):
        raise CorpusError(file, f"passage #{position + 1} must be a mapping")
    pid = raw.get("id")
    if not isinstance(pid, str) or not ID_RE.match(pid):
        raise CorpusError(
            file,
            f"passage #{position + 1}: field 'id' must match {ID_RE.pattern} (got {pid!r})",
        )
    known = {"id", "audience", "title", "text", "questions", "citation", "also_cited", "related", "topic"}
    known |= {"draft_by", "situations", "situations_ja", "version_of"}
    known |= set(PASSAGE_FIELDS)
    extra = sorted(set(raw) - known)
    if extra:
        raise CorpusError(file, f"unknown field(s) {', '.join(extra)}", pid)
    if raw.get("topic", topic) != topic:
        raise CorpusError(file, f"field 'topic' is {raw['topic']!r} but the file is {topic!r}", pid)
    audience = raw.get("audience")
    if audience not in AUDIENCES:
        raise CorpusError(file, f"field 'audience' must be one of {AUDIENCES}", pid)
    title = require_str(raw, "title", file, pid)
    if len(title) > MAX_TITLE_CHARS:
        raise CorpusError(file, f"field 'title' is over {MAX_TITLE_CHARS} characters", pid)
    text = require_str(raw, "text", file, pid)
    words = len(text.split())
    if words < MIN_WORDS or words > MAX_WORDS or len(text) > MAX_CHARS:
        raise CorpusError(
            file,
            f"field 'text' has {words} words and {len(text)} characters; "
            f"allowed: {MIN_WORDS}-{MAX_WORDS} words, at most {MAX_CHARS} characters",
            pid,
        )
    citation = _parse_citation(raw.get("citation"), "citation", file, pid, sources)
    also = raw.get("also_cited") or []
    if not isinstance(also, list):
        raise CorpusError(file, "field 'also_cited' must be a list of citations", pid)
    also_cited = tuple(_parse_citation(c, f"also_cited[{n}]", file, pid, sources) for n, c in enumerate(also))
    if len({citation, *also_cited}) < len(also_cited) + 1:
        raise CorpusError(file, "field 'also_cited' repeats a citation", pid)
    ja = parse_passage_ja(raw, title, text, file, pid)
    situations, situations_ja = parse_situations(raw, file, pid)
    draft_by = raw.get("draft_by", "")
    if not isinstance(draft_by, str) or ("draft_by" in raw and not draft_by.strip()):
        raise CorpusError(file, "field 'draft_by' must name who wrote the draft", pid)
    return Passage(
        id=pid,
        topic=topic,
        audience=audience,
        title=title,
        text=text,
        citation=citation,
        questions=str_list(raw, "questions", file, pid),
        related=str_list(raw, "related", file, pid),
        also_cited=also_cited,
        title_ja=ja.title,
        text_ja=ja.text,
        questions_ja=ja.questions,
        draft_by=draft_by.strip(),
        situations=situations,
        situations_ja=situations_ja,
        version_of=require_str(raw, "version_of", file, pid) if "version_of" in raw else "",
    )


def _check_links(passages: Iterable[Passage], origin: Mapping[str, Path]) -> None:
    """Every ``related`` and ``version_of`` id names another passage; a version is for another audience."""
    by_id = {p.id: p for p in passages}
    for passage in by_id.values():
        for rid in (*passage.related, *([passage.version_of] if passage.version_of else [])):
            field = "version_of" if rid == passage.version_of else "related"
            if rid not in origin:
                raise CorpusError(origin[passage.id], f"{field} id '{rid}' does not exist", passage.id)
            if rid == passage.id:
                raise CorpusError(origin[passage.id], f"a passage cannot be {field} to itself", passage.id)
        general = by_id.get(passage.version_of)
        if general is not None and (general.audience == passage.audience or general.version_of):
            raise CorpusError(
                origin[passage.id],
                f"version_of '{general.id}' must be a general passage for another audience",
                passage.id,
            )


def _parse_citation(
    cite: Any, where: str, file: Path, pid: str, sources: Mapping[str, tuple[str, str]]
) -> Citation:
    """A citation mapping (``source``, ``section``, optional ``participant``), checked."""
    if not isinstance(cite, dict) or not cite:
        raise CorpusError(file, f"field '{where}' must be a non-empty mapping", pid)
    unknown = sorted(set(cite) - {"source", "section", "participant"})
    if unknown:
        raise CorpusError(file, f"{where} has unknown field(s) {', '.join(unknown)}", pid)
    source = require_str(cite, "source", file, pid, where=f"{where}.")
    if source not in sources:
        raise CorpusError(file, f"{where}.source '{source}' is not a key in sources.yaml", pid)
    section = require_str(cite, "section", file, pid, where=f"{where}.")
    participant = cite.get("participant")
    if participant is not None and (not isinstance(participant, str) or not participant.strip()):
        raise CorpusError(file, f"{where}.participant must be a non-empty string if given", pid)
    short, reference = sources[source]
    return Citation(source, short, reference, section, participant)


def load_corpus(
    directory: Path = DEFAULT_CORPUS_DIR, not_covered_file: Path | None = DEFAULT_NOT_COVERED_FILE
) -> Corpus:
    """Load and validate every topic file in ``directory``, and the not-covered file.

    Args:
        directory: Folder holding ``sources.yaml`` and one ``<topic>.yaml`` per topic.
        not_covered_file: The not-covered topics (see :func:`load_not_covered`),
            or ``None`` for none.

    Returns:
        The validated corpus.

    Raises:
        CorpusError: On invalid YAML, schema errors, duplicate ids, dangling
            ``related`` ids, unknown sources or over-long passages, or an
            invalid not-covered file (including an example that is also a
            passage's example question).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise CorpusError(directory, "corpus directory does not exist")
    sources = load_sources(directory / "sources.yaml")
    passages: list[Passage] = []
    topics: dict[str, str] = {}
    origin: dict[str, Path] = {}
    files = sorted(p for p in directory.glob("*.yaml") if p.name != "sources.yaml")
    if not files:
        raise CorpusError(directory, "no topic files (*.yaml) found")
    for path in files:
        data = load_yaml(path)
        if not isinstance(data, dict):
            raise CorpusError(path, "expected a mapping with 'topic', 'title' and 'passages'")
        topic = data.get("topic")
        if not isinstance(topic, str) or not TOPIC_RE.match(topic):
            raise CorpusError(path, f"field 'topic' must match {TOPIC_RE.pattern}")
        if topic in topics:
            raise CorpusError(path, f"topic '{topic}' is defined in more than one file")
        topics[topic] = require_str(data, "title", path, None)
        raw_passages = data.get("passages")
        if not isinstance(raw_passages, list) or not raw_passages:
            raise CorpusError(path, "field 'passages' must be a non-empty list")
        for position, raw in enumerate(raw_passages):
            passage = _parse_passage(raw, path, topic, position, sources)
            if passage.id in origin:
                raise CorpusError(path, f"duplicate id (also in {origin[passage.id].name})", passage.id)
            origin[passage.id] = path
            passages.append(passage)
    _check_links(passages, origin)
    not_covered = load_not_covered(not_covered_file) if not_covered_file is not None else ()
    answered = {fold(q): p.id for p in passages for q in p.questions}
    for topic_nc in not_covered:
        for example in topic_nc.examples:
            if fold(example) in answered:
                raise CorpusError(
                    not_covered_file or "",
                    f"example {example!r} is also an example question of passage "
                    f"'{answered[fold(example)]}': a question cannot be both answered and not covered",
                    topic_nc.id,
                    kind="topic",
                )
    return Corpus(passages=tuple(passages), topics=topics, not_covered=not_covered)

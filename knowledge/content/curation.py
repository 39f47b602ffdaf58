"""Organisers' changes to the corpus, applied to its YAML as a reviewer would write them.

A change is a plain mapping (it is stored as JSON by the gateway's curation
store): ``attach`` adds questions to a passage's example questions,
``not_covered`` adds them to a not-covered topic (an existing one, or a new one
given in ``new_topic``), ``draft`` adds a new passage written by an organiser
(marked with ``draft_by`` until a developer reviews it), and ``ignore`` only
takes questions off the organisers' list, so it leaves the corpus alone.

Changes are applied as line edits to the YAML text: a question is one new
line in the right list, a draft or a new topic one new block at the end of its
file. :func:`curated_corpus` applies them to a copy and loads that copy with
:func:`~knowledge.content.corpus.load_corpus`, so a change is validated exactly as the
YAML is; :func:`export` writes the same edits into the files, a clean diff.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from knowledge.content.corpus import Corpus, load_corpus
from knowledge.content.japanese import MAX_EXAMPLE_JA
from knowledge.content.schema import MAX_EXAMPLE_CHARS, CorpusError
from knowledge.text.language import detect

KINDS = ("attach", "not_covered", "draft", "ignore")
#: Questions one change may carry (a cluster shows at most five; a draft may bring a few more).
MAX_QUESTIONS = 20
ITEM = "      - "
PASSAGE_ORDER = (
    "id", "audience", "title", "text", "questions", "citation", "also_cited", "related",
    "title_ja", "text_ja", "questions_ja", "draft_by",
)  # fmt: skip
TOPIC_ORDER = ("id", "title", "who_to_ask", "examples", "title_ja", "who_to_ask_ja", "examples_ja")


class CurationError(ValueError):
    """A change that cannot be made; the message says why, in the words the YAML check uses."""


@dataclass(frozen=True)
class Question:
    """One question of a change, tidied, with the language whose list it goes to."""

    text: str
    lang: str


def questions_of(change: Mapping[str, Any]) -> list[Question]:
    """The change's questions, checked: present, not empty, not too long, each once.

    Raises:
        CurationError: On no question, an empty or over-long one, or too many.
    """
    raw = change.get("questions")
    if not isinstance(raw, list) or not raw:
        raise CurationError("give at least one question")
    if len(raw) > MAX_QUESTIONS:
        raise CurationError(f"a change carries at most {MAX_QUESTIONS} questions (got {len(raw)})")
    found: dict[str, Question] = {}
    for item in raw:
        text = " ".join(item.split()) if isinstance(item, str) else ""
        if not text:
            raise CurationError("a question is empty")
        lang = detect(text)
        limit = MAX_EXAMPLE_JA if lang == "ja" else MAX_EXAMPLE_CHARS
        if len(text) > limit:
            raise CurationError(
                f"a question has {len(text)} characters; an example question has at most {limit}"
            )
        found.setdefault(text.casefold(), Question(text, lang))
    return list(found.values())


def check_change(change: Mapping[str, Any]) -> None:
    """Check a change's shape before it is applied (what the corpus check can't see).

    Raises:
        CurationError: On an unknown kind, missing questions or a missing target.
    """
    kind = change.get("kind")
    if kind not in KINDS:
        raise CurationError(f"kind must be one of {', '.join(KINDS)} (got {kind!r})")
    questions_of(change)
    if kind == "attach" and not isinstance(change.get("passage"), str):
        raise CurationError("say which passage to attach the question to ('passage')")
    if kind == "not_covered" and not isinstance(change.get("topic"), str) and not change.get("new_topic"):
        raise CurationError("say which not-covered topic ('topic'), or describe a new one ('new_topic')")
    if kind == "draft":
        draft = change.get("passage")
        if not isinstance(draft, Mapping):
            raise CurationError("a draft needs the new passage ('passage': its fields)")
        if not draft.get("citation"):
            raise CurationError("a draft needs a citation: the study ('source') and its 'section'")
        if not draft.get("related"):
            raise CurationError("a draft needs 'related': the ids of the passages it sits beside")


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar


def _is_head(line: str, ident: str) -> bool:
    """Whether the line opens the list item whose id is ``ident`` (quoted or not)."""
    return line.rstrip() in (f"  - id: {ident}", f'  - id: "{ident}"')


def _block(lines: list[str], ident: str, file: Path, what: str) -> tuple[int, int]:
    """The lines ``[start, end)`` of the list item whose id is ``ident``."""
    for start, line in enumerate(lines):
        if _is_head(line, ident):
            end = start + 1
            while end < len(lines) and not lines[end].startswith("  - ") and not _top_level(lines[end]):
                end += 1
            return start, end
    raise CurationError(f"unknown {what} id '{ident}' (not in {file.name})")


def _top_level(line: str) -> bool:
    return bool(line.strip()) and not line.startswith((" ", "#"))


def _append_items(lines: list[str], block: tuple[int, int], key: str, values: Sequence[str]) -> None:
    """Add ``values`` at the end of the block's ``key`` list (one line each), making the list if absent."""
    start, end = block
    new = [f"{ITEM}{_quote(v)}" for v in values]
    for at in range(start, end):
        if lines[at].rstrip() == f"    {key}:":
            last = at
            while last + 1 < end and lines[last + 1].startswith(ITEM):
                last += 1
            lines[last + 1 : last + 1] = new
            return
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    lines[end:end] = [f"    {key}:", *new]


class _Dumper(yaml.SafeDumper):
    """YAML as the corpus files write it: lists indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _append_block(lines: list[str], item: Mapping[str, Any], key: str, file: Path) -> None:
    """Add a new item at the end of the file's ``key`` list, which must be its last top-level field."""
    last = max((n for n, line in enumerate(lines) if _top_level(line)), default=-1)
    if last < 0 or lines[last].rstrip() != f"{key}:":
        raise CurationError(f"{file.name} does not end with its '{key}' list; add the item by hand")
    dumped = yaml.dump([dict(item)], Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=78)
    while lines and not lines[-1].strip():
        lines.pop()
    lines += ["", *("  " + row if row else row for row in dumped.splitlines())]


def _ordered(item: Mapping[str, Any], order: Sequence[str]) -> dict[str, Any]:
    """The item's fields in the order the YAML files use (the store keeps them sorted)."""
    return {**{k: item[k] for k in order if k in item}, **{k: v for k, v in item.items() if k not in order}}


def _split(questions: Iterable[Question]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"en": [], "ja": []}
    for q in questions:
        out[q.lang].append(q.text)
    return out


class _Files:
    """The corpus's YAML files as lines, edited in memory."""

    def __init__(self, corpus_dir: Path, not_covered_file: Path) -> None:
        self.corpus_dir, self.not_covered_file = corpus_dir, not_covered_file
        self.lines: dict[Path, list[str]] = {}

    def of(self, path: Path) -> list[str]:
        if path not in self.lines:
            self.lines[path] = path.read_text(encoding="utf-8").splitlines()
        return self.lines[path]

    def topic_files(self) -> list[Path]:
        return sorted(p for p in self.corpus_dir.glob("*.yaml") if p.name != "sources.yaml")

    def passage_file(self, pid: str) -> Path:
        for path in self.topic_files():
            if any(_is_head(line, pid) for line in self.of(path)):
                return path
        raise CurationError(f"unknown passage id '{pid}'")

    def apply(self, change: Mapping[str, Any]) -> None:
        kind = change["kind"]
        split = _split(questions_of(change))
        if kind == "attach":
            pid = str(change["passage"])
            self._add_to(self.passage_file(pid), pid, "passage", ("questions", "questions_ja"), split)
        elif kind == "not_covered":
            self._not_covered(change, split)
        elif kind == "draft":
            self._draft(change, split)

    def _not_covered(self, change: Mapping[str, Any], split: dict[str, list[str]]) -> None:
        path, lines = self.not_covered_file, self.of(self.not_covered_file)
        new = change.get("new_topic")
        if new:
            if not isinstance(new, Mapping):
                raise CurationError("'new_topic' must be a mapping of the topic's fields")
            topic = dict(new)
            topic["examples"] = [*split["en"], *(topic.get("examples") or [])]
            topic["examples_ja"] = [*split["ja"], *(topic.get("examples_ja") or [])]
            _append_block(lines, _ordered(topic, TOPIC_ORDER), "topics", path)
            return
        self._add_to(path, str(change["topic"]), "not-covered topic", ("examples", "examples_ja"), split)

    def _add_to(
        self, path: Path, ident: str, what: str, keys: tuple[str, str], split: dict[str, list[str]]
    ) -> None:
        """Append the questions to the item's English and Japanese lists (``keys``); refuse an unknown id."""
        lines = self.of(path)
        _block(lines, ident, path, what)
        for lang, key in zip(("en", "ja"), keys, strict=True):
            if split[lang]:
                _append_items(lines, _block(lines, ident, path, what), key, split[lang])

    def _draft(self, change: Mapping[str, Any], split: dict[str, list[str]]) -> None:
        passage = dict(change["passage"])
        topic = passage.pop("topic", None)
        path = self.corpus_dir / f"{topic}.yaml"
        if not isinstance(topic, str) or path not in self.topic_files():
            raise CurationError(f"a draft's 'topic' must be one of the corpus's topics (got {topic!r})")
        passage["questions"] = [*split["en"], *(passage.get("questions") or [])]
        passage["questions_ja"] = [*split["ja"], *(passage.get("questions_ja") or [])]
        passage["draft_by"] = str(change.get("who") or passage.get("draft_by") or "an organiser")
        _append_block(self.of(path), _ordered(passage, PASSAGE_ORDER), "passages", path)

    def write(self, mapping: Mapping[Path, Path] | None = None) -> list[Path]:
        """Write the edited files (to ``mapping[path]`` if given); return the paths written."""
        written = []
        for path, lines in self.lines.items():
            target = mapping[path] if mapping is not None else path
            text = "\n".join(lines) + "\n"
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                target.write_text(text, encoding="utf-8")
                written.append(target)
        return written


def _edited(corpus_dir: Path, not_covered_file: Path, changes: Iterable[Mapping[str, Any]]) -> _Files:
    files = _Files(Path(corpus_dir), Path(not_covered_file))
    for change in changes:
        check_change(change)
        if change["kind"] != "ignore":
            files.apply(change)
    return files


def curated_corpus(
    corpus_dir: Path, not_covered_file: Path, changes: Iterable[Mapping[str, Any]] = ()
) -> Corpus:
    """The corpus with the changes applied, loaded and validated exactly as the YAML is.

    Raises:
        CurationError: If a change cannot be placed (an unknown passage or topic id...).
        CorpusError: If the changed corpus fails validation; the message names
            the real file, not the scratch copy.
    """
    corpus_dir, not_covered_file = Path(corpus_dir), Path(not_covered_file)
    files = _edited(corpus_dir, not_covered_file, changes)
    if not files.lines:
        return load_corpus(corpus_dir, not_covered_file)
    with tempfile.TemporaryDirectory(prefix="senpai-curation-") as scratch:
        copy = Path(scratch) / "corpus"
        shutil.copytree(corpus_dir, copy)
        scope = Path(scratch) / not_covered_file.name
        shutil.copy2(not_covered_file, scope)
        mapping = {p: (scope if p == not_covered_file else copy / p.name) for p in files.lines}
        files.write(mapping)
        try:
            return load_corpus(copy, scope)
        except CorpusError as exc:
            real = {str(copy): str(corpus_dir), str(scope): str(not_covered_file)}
            for fake, true in real.items():
                exc.file = exc.file.replace(fake, true)
                exc.args = (str(exc).replace(fake, true),)
            raise


def export(corpus_dir: Path, not_covered_file: Path, changes: Sequence[Mapping[str, Any]]) -> list[Path]:
    """Write the changes into the YAML files after checking them; return the files changed.

    Raises:
        CurationError, CorpusError: As :func:`curated_corpus`; nothing is written then.
    """
    curated_corpus(corpus_dir, not_covered_file, changes)
    return _edited(Path(corpus_dir), Path(not_covered_file), changes).write()


def key(question: str) -> str:
    """A question folded for comparison in either language: case, punctuation and spacing ignored.

    Anything but a letter or a digit, in any script, is a space: one pass of
    ``str`` methods (linear, and about twenty times faster than a regular
    expression's substitution; the orientation report folds every question
    of a cohort).
    """
    return " ".join("".join(c if c.isalnum() else " " for c in question.casefold()).split())


def already_asked(corpus: Corpus, change: Mapping[str, Any]) -> str | None:
    """Why a change's question was already in the corpus (an example of some passage or topic), if it was.

    Args:
        corpus: The corpus with the change applied (the copies the change adds
            to its own target are not counted), or without it.
        change: The change.
    """
    places: dict[str, list[str]] = {}
    for p in corpus.passages:
        for text in (*p.questions, *p.questions_ja):
            places.setdefault(key(text), []).append(f"passage '{p.id}'")
    for t in corpus.not_covered:
        for text in (*t.examples, *t.examples_ja):
            places.setdefault(key(text), []).append(f"not-covered topic '{t.id}'")
    asked = questions_of(change)
    own = Counter(key(q.text) for q in asked)
    target = _target(change)
    for q in asked:
        found = list(places.get(key(q.text), []))
        for _ in range(own[key(q.text)]):
            if target in found:
                found.remove(target)
        if found:
            return f"{q.text!r} is already an example question of {found[0]}"
    return None


def _target(change: Mapping[str, Any]) -> str:
    """Where the change puts its questions, named as :func:`already_asked` names places."""
    if change["kind"] == "attach":
        return f"passage '{change['passage']}'"
    if change["kind"] == "draft":
        return f"passage '{change['passage'].get('id')}'"
    return f"not-covered topic '{change.get('topic') or (change.get('new_topic') or {}).get('id')}'"

"""The corpus schema's limits, and the readers that check one field at a time.

Every reader raises :class:`CorpusError` naming the file, the passage (or
topic) id and the field, so an organiser editing YAML sees exactly what to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml

from knowledge.text.patterns import compile_re2

AUDIENCES = ("alt", "jte", "all")
MIN_WORDS = 20
MAX_WORDS = 130
MAX_CHARS = 1000
MAX_TITLE_CHARS = 80
ID_RE = compile_re2(r"^[a-z0-9][a-z0-9-]{1,79}$")
TOPIC_RE = compile_re2(r"^[a-z][a-z0-9_]{1,39}$")


#: The longest a passage's situation may be, in English and in Japanese (characters).
MAX_SITUATION_CHARS = 300
MAX_SITUATION_CHARS_JA = 150
#: Limits of the not-covered file.
MIN_EXAMPLES = 3
MAX_EXAMPLE_CHARS = 200
MAX_WHO_TO_ASK_CHARS = 400


class CorpusError(ValueError):
    """A corpus file breaks the schema; the message names the file, id and field."""

    def __init__(
        self, file: str | Path, message: str, passage_id: str | None = None, *, kind: str = "passage"
    ) -> None:
        self.file = str(file)
        self.passage_id = passage_id
        where = f"{file}: {kind} '{passage_id}'" if passage_id else str(file)
        super().__init__(f"{where}: {message}")


def require_str(
    data: Mapping[str, Any], key: str, file: Path, pid: str | None, *, where: str = "", kind: str = "passage"
) -> str:
    """A required, non-empty string field, with its white space folded."""
    value = data.get(key)
    name = f"{where}{key}"
    if value is None:
        raise CorpusError(file, f"missing field '{name}'", pid, kind=kind)
    if not isinstance(value, str) or not value.strip():
        raise CorpusError(file, f"field '{name}' must be a non-empty string", pid, kind=kind)
    return " ".join(value.split())


def str_list(
    data: Mapping[str, Any], key: str, file: Path, pid: str, *, kind: str = "passage"
) -> tuple[str, ...]:
    """An optional list of non-empty strings, with their white space folded."""
    value = data.get(key, [])
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise CorpusError(file, f"field '{key}' must be a list of non-empty strings", pid, kind=kind)
    return tuple(" ".join(v.split()) for v in value)


def example_list(
    data: Mapping[str, Any],
    key: str,
    file: Path,
    tid: str,
    *,
    max_chars: int,
    what: str,
    clean: Callable[[str], str] = lambda text: text,
) -> tuple[str, ...]:
    """A not-covered topic's example questions: at least :data:`MIN_EXAMPLES`, none over ``max_chars``.

    Args:
        data: The topic's mapping.
        key: The field (``examples`` or ``examples_ja``).
        file: The file, for the error.
        tid: The topic id, for the error.
        max_chars: The longest an example may be.
        what: How the examples are named in the error ("example questions").
        clean: Applied to each example first (the Japanese ones lose YAML's folding spaces).
    """
    examples = tuple(clean(e) for e in str_list(data, key, file, tid, kind="topic"))
    if len(examples) < MIN_EXAMPLES:
        raise CorpusError(
            file, f"field '{key}' has {len(examples)}; give at least {MIN_EXAMPLES} {what}", tid, kind="topic"
        )
    for example in examples:
        if len(example) > max_chars:
            raise CorpusError(
                file, f"example {example[:40]!r}... is over {max_chars} characters", tid, kind="topic"
            )
    return examples


def load_yaml(path: Path) -> Any:
    """A YAML file's content (safe loader)."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CorpusError(path, f"invalid YAML: {exc}") from exc


def load_sources(path: Path) -> dict[str, tuple[str, str]]:
    """``sources.yaml``: each study's key, with its short label and full reference."""
    if not path.is_file():
        raise CorpusError(path, "missing: the corpus needs a sources.yaml naming the studies")
    data = load_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise CorpusError(path, "expected a mapping with a 'sources' list")
    sources: dict[str, tuple[str, str]] = {}
    for entry in data["sources"]:
        if not isinstance(entry, dict):
            raise CorpusError(path, "each source must be a mapping")
        key = require_str(entry, "key", path, None)
        if key in sources:
            raise CorpusError(path, f"duplicate source key '{key}'")
        sources[key] = (
            require_str(entry, "short", path, None, where=f"{key}."),
            require_str(entry, "reference", path, None, where=f"{key}."),
        )
    return sources

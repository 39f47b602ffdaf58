"""How every Senpai process logs: request ids, one JSON line shape, and a quiet default.

- **Request ids.** The gateway gives every request an id: the one in the
  :data:`REQUEST_ID_HEADER` header if a proxy set a sensible one, else a new
  one. It sends the id to Rasa in that header; Rasa's channel puts it in the
  user message's metadata (:data:`METADATA_KEY`), where the action server
  reads it. Each process keeps the id of the turn it is working on in
  :data:`request_id` (a context variable, so concurrent turns never mix), and
  every log line of that turn carries it.
- **Two formats.** ``SENPAI_LOG_FORMAT=text`` (the default) prints lines for
  a person; ``json`` prints one JSON object per line with the fields of
  :data:`FIELDS`: time, level, process, logger, message, request id, the
  sender's pseudonym (never the raw id), the reply kind and the duration.
- **A quiet default.** At ``SENPAI_LOG_LEVEL=info`` a process shows its own
  start-up and warnings; third-party libraries show only warnings, and the
  per-turn lines of :data:`ACCESS_LOGGER` appear only in JSON logs. At
  ``debug`` everything shows.

Standard library only: Rasa's environment (:mod:`connectors`) uses it too.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import time
import uuid
import warnings
from collections.abc import Iterable
from typing import Final, Literal, TextIO

Format = Literal["text", "json"]
Level = Literal["debug", "info", "warning"]

#: The header that carries a request's id from the proxy to the gateway, and from the gateway to Rasa.
REQUEST_ID_HEADER: Final = "X-Request-ID"
#: The header that carries the sender's pseudonym from the gateway to Rasa.
PSEUDONYM_HEADER: Final = "X-Senpai-Pseudonym"
#: Where the request id sits in a user message's metadata (Rasa's tracker, the action server).
METADATA_KEY: Final = "request_id"
#: Where the sender's pseudonym sits in a user message's metadata.
SENDER_KEY: Final = "sender_pseudonym"
#: The logger of the one line each process writes per turn.
ACCESS_LOGGER: Final = "senpai.access"
#: The keys of a JSON log line, in order; ``None`` values are left out.
FIELDS: Final = ("time", "level", "process", "logger", "message", "request_id", "sender", "kind", "duration")
#: Longest request id accepted from a proxy; a longer or odd one is replaced by a new id.
MAX_REQUEST_ID: Final = 64
_ID_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:=")

#: The request id of the turn this context works on.
request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("senpai_request_id", default=None)
#: The pseudonym of that turn's sender.
sender: contextvars.ContextVar[str | None] = contextvars.ContextVar("senpai_sender", default=None)

#: Libraries whose INFO and DEBUG lines are chatter at the default level.
CHATTY: Final = (
    "bm25s",
    "faiss",
    "faiss.loader",
    "rasa_sdk",
    "rasa_sdk.executor",
    "rasa_sdk.endpoint",
    "sanic",
    "sanic.root",
    "sanic.server",
    "sanic.access",
    "sanic.error",
    "aiohttp.access",
    "httpx",
    "urllib3",
    "sentence_transformers",
    "onnxruntime",
    "asyncio",
)


def accepted_id(given: str | None) -> str:
    """The request id to use: ``given`` if it is a sensible one (short, plain characters), else a new one."""
    if given and len(given) <= MAX_REQUEST_ID and all(c in _ID_CHARS for c in given):
        return given
    return uuid.uuid4().hex


class ContextFilter(logging.Filter):
    """Puts the turn's request id and sender pseudonym on every record (unless the call gave its own)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add ``request_id`` and ``sender``; keep the record."""
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        if getattr(record, "sender", None) is None:
            record.sender = sender.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line with the keys of :data:`FIELDS` (and an exception's traceback)."""

    def __init__(self, process: str) -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        values = {
            "time": f"{when}.{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "process": self.process,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "sender": getattr(record, "sender", None),
            "kind": getattr(record, "kind", None),
            "duration": getattr(record, "duration", None),
        }
        line = {k: v for k, v in values.items() if v is not None}
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def json_line(process: str, message: str, level: str = "info", at: float | None = None) -> str:
    """One JSON log line of ``process`` that did not come through :mod:`logging` (the supervisor's own)."""
    record = logging.LogRecord(process, logging.getLevelName(level.upper()), "", 0, message, None, None)
    if at is not None:
        record.created, record.msecs = at, (at % 1) * 1000
    return JsonFormatter(process).format(record)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message``, with ``[request id]`` at the end during a turn."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """The record as a line for a person."""
        line = super().format(record)
        rid = getattr(record, "request_id", None)
        return f"{line} [{rid}]" if rid else line


def formatter(process: str, fmt: Format) -> logging.Formatter:
    """The formatter of ``fmt`` for ``process``."""
    return JsonFormatter(process) if fmt == "json" else TextFormatter()


def set_levels(level: Level, fmt: Format, own: Iterable[str] = ("senpai",)) -> None:
    """Set the levels of the root logger, Senpai's loggers, the access log and the chatty libraries."""
    debug = level == "debug"
    logging.getLogger().setLevel(logging.DEBUG if debug else logging.WARNING)
    for name in own:
        logging.getLogger(name).setLevel(logging.getLevelName(level.upper()))
    access = debug or (fmt == "json" and level == "info")
    logging.getLogger(ACCESS_LOGGER).setLevel(logging.INFO if access else logging.WARNING)
    for name in CHATTY:
        logging.getLogger(name).setLevel(logging.DEBUG if debug else logging.WARNING)


def configure(
    process: str, level: Level = "info", fmt: Format = "text", stream: TextIO | None = None
) -> None:
    """Log to ``stream`` (standard error) in ``fmt``, at ``level``, for one process.

    Replaces the root logger's handlers, so calling it again (or after a
    library set up its own) leaves exactly one.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter(process, fmt))
    handler.addFilter(ContextFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    set_levels(level, fmt)


def adopt_handlers(process: str, level: Level, fmt: Format) -> None:
    """Give the root logger's existing handlers (a framework's) Senpai's format, filter and levels.

    For Rasa, which installs its own handlers: each keeps its stream, takes
    :func:`formatter`'s format and the request-id filter, and lets the
    loggers' levels decide what is shown.
    """
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(logging.StreamHandler(sys.stdout))
    for handler in root.handlers:
        handler.setFormatter(formatter(process, fmt))
        handler.setLevel(logging.NOTSET)
        if not any(isinstance(f, ContextFilter) for f in handler.filters):
            handler.addFilter(ContextFilter())
    set_levels(level, fmt)


def hide_deprecations(*messages: str) -> None:
    """Stop showing libraries' deprecation warnings, and warnings whose text starts with one of ``messages``.

    Replaces :func:`warnings.showwarning`, because libraries add their own
    filters as they are imported (Sanic asks to see every deprecation once),
    which would put them back in front of a filter set here.
    """
    show = warnings.showwarning

    def quieter(message: Warning | str, category: type[Warning], *args: object, **kwargs: object) -> None:
        if issubclass(category, DeprecationWarning) or (messages and str(message).startswith(messages)):
            return
        show(message, category, *args, **kwargs)  # type: ignore[arg-type]

    warnings.showwarning = quieter

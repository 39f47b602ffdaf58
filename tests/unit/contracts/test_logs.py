"""Log lines every process writes: request ids, the JSON shape, the quiet default."""

from __future__ import annotations

import io
import json
import logging
import warnings
from collections.abc import Iterator

import pytest

from contracts import logs


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in (*logs.CHATTY, "senpai", logs.ACCESS_LOGGER)}
    show = warnings.showwarning
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, value in levels.items():
        logging.getLogger(name).setLevel(value)
    warnings.showwarning = show


def test_a_sensible_request_id_is_kept_and_anything_else_replaced() -> None:
    for kept in ("abc-123", "Root=1-5759e988;".rstrip(";"), "a.b:c_d", "x" * logs.MAX_REQUEST_ID):
        assert logs.accepted_id(kept) == kept
    for odd in (None, "", "has space", "semi;colon", "x" * (logs.MAX_REQUEST_ID + 1), "ü", "a\nb"):
        fresh = logs.accepted_id(odd)
        assert fresh != odd and len(fresh) == 32 and int(fresh, 16) >= 0


def lines(level: logs.Level, fmt: logs.Format) -> tuple[io.StringIO, logging.Logger]:
    out = io.StringIO()
    logs.configure("gateway", level, fmt, out)
    return out, logging.getLogger("senpai.gateway")


def test_a_json_line_has_the_turn_s_context_and_never_a_none() -> None:
    out, _ = lines("info", "json")
    token, named = logs.request_id.set("rid-1"), logs.sender.set("web-1234abcd")
    try:
        logging.getLogger(logs.ACCESS_LOGGER).info("chat reply", extra={"kind": "answer", "duration": 0.25})
    finally:
        logs.request_id.reset(token)
        logs.sender.reset(named)
    logging.getLogger("senpai.gateway").warning("outside a turn")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["request_id"] == "rid-1" and first["sender"] == "web-1234abcd"
    assert (first["kind"], first["duration"], first["process"], first["level"]) == (
        "answer",
        0.25,
        "gateway",
        "info",
    )
    assert list(first) == [k for k in logs.FIELDS if k in first]
    assert first["time"].endswith("Z")
    assert "request_id" not in second and "sender" not in second and second["level"] == "warning"


def test_the_default_shows_our_lines_and_warnings_but_no_library_chatter_and_no_turn_lines() -> None:
    out, ours = lines("info", "text")
    ours.info("loaded 166 passages")
    logging.getLogger("bm25s").debug("Building index from IDs objects")
    logging.getLogger("rasa_sdk.executor").info("Registered function for 'action_answer'.")
    logging.getLogger("sanic.server").info("Starting worker")
    logging.getLogger(logs.ACCESS_LOGGER).info("chat reply answer")
    logging.getLogger("faiss.loader").warning("a warning that matters")
    text = out.getvalue()
    assert "loaded 166 passages" in text and "a warning that matters" in text
    for chatter in ("Building index", "Registered function", "Starting worker", "chat reply"):
        assert chatter not in text


def test_debug_shows_everything_and_json_shows_the_turn_lines() -> None:
    out, _ = lines("debug", "text")
    logging.getLogger("bm25s").debug("Building index from IDs objects")
    assert "Building index" in out.getvalue()
    out, _ = lines("info", "json")
    logging.getLogger(logs.ACCESS_LOGGER).info("chat reply answer")
    logging.getLogger("bm25s").debug("Building index from IDs objects")
    assert "chat reply" in out.getvalue() and "Building index" not in out.getvalue()


def test_configuring_twice_leaves_one_handler() -> None:
    lines("info", "text")
    lines("info", "json")
    assert len(logging.getLogger().handlers) == 1


def test_deprecations_are_hidden_but_other_warnings_still_show() -> None:
    shown: list[str] = []
    warnings.showwarning = lambda message, *args, **kwargs: shown.append(str(message))  # type: ignore[assignment]
    logs.hide_deprecations("Your versions of rasa")
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("pkg_resources is deprecated", DeprecationWarning, stacklevel=1)
        warnings.warn("Your versions of rasa and rasa_sdk might not be compatible", UserWarning, stacklevel=1)
        warnings.warn("this one matters", UserWarning, stacklevel=1)
        warnings.showwarning("still a deprecation", PendingDeprecationWarning, "f.py", 1)
    assert shown == ["this one matters", "still a deprecation"]  # a pending deprecation is not one yet

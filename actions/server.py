"""Entry point of the action server: ``senpai actions`` or ``python -m actions``.

Start-up loads the encoder and the index once, refuses to start (with a hint
on how to rebuild) if the index is missing, corrupt or built with another
model, then serves Rasa SDK's webhook on the configured local address.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import sys
from typing import Any

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import HTTPResponse, Request, Sanic
from sanic.exceptions import BadRequest, NotFound
from sanic.response import json

from actions import registry
from actions.action_metrics import metrics_route
from actions.reload import IndexWatcher, announce
from actions.runtime import KnowledgeService, get_service, install
from actions.shared_builds import BuildSync
from contracts import logs
from knowledge import CachedEncoder, EncoderError, IndexLoadError, current_dir, load_index
from knowledge.encoders.factory import open_configured, second_model
from knowledge.encoders.onnx import OnnxEncoder, ensure_export
from knowledge.search.context import Studies
from knowledge.search.decide import configured_policy
from knowledge.search.index import SECOND_MIN_CHARS
from settings import ACTION_TOKEN_HEADER, Settings, SettingsError

logger = logging.getLogger("senpai.actions")

#: The paths that need the action token when one is configured.
PROTECTED_PATHS = frozenset({"/webhook", "/prefetch"})


def load_service(settings: Settings) -> KnowledgeService:
    """Load the encoder and the published index named by the settings.

    Raises:
        IndexLoadError: If the index is missing, corrupt or mismatched.
        EncoderError: If the model cannot be loaded.
    """
    sync = shared_sync(settings)
    if sync is not None:
        sync()  # a host started with an empty data directory serves the store's current build
    if sync is not None and not (current_dir(settings.index_dir) / "meta.json").is_file():
        raise IndexLoadError(
            f"No knowledge index at {settings.index_dir}, and none in the shared store: "
            "run `senpai build-index` on any one host"
        )
    if settings.encoder_backend == "onnx":  # a new host makes its ONNX export from the packaged weights
        ensure_export(settings.embedding_model, settings.onnx_dir, settings.torch_threads)
    model = open_configured(settings)
    if isinstance(model, OnnxEncoder):  # the torch backend has no int8 copy
        how = "its int8 copy" if model.long_int8 else "the float model"
        logger.info("long messages on %s (SENPAI_LONG_QUERY_INT8=%s)", how, settings.long_query_int8)
    encoder = CachedEncoder(model, settings.query_cache)  # kept across index reloads
    index = load_index(current_dir(settings.index_dir), encoder, lexical_weight=settings.lexical_weight)
    index.with_encoder(model).search("warm-up", 1)  # the first search is slow; pay it now, uncached
    if (
        index.japanese is not None
    ):  # the Japanese encoder gets its own cache, so the gateway's prefetch helps it too
        japanese = index.japanese
        japanese.search("準備", 1)
        cached = japanese.with_encoder(CachedEncoder(japanese.encoder, settings.query_cache))
        if japanese.second is not None:  # its own cache too: the prefetch embeds for it as well
            second = japanese.second.with_encoder(
                CachedEncoder(japanese.second.encoder, settings.query_cache)
            )
            second.embed("準備")  # its weights load on the first text: pay that now, not a user
            cached = cached.with_second(second)
            logger.info(
                "Japanese scope hears a second opinion (%s) on messages of %d characters or more",
                japanese.second.encoder.name,
                SECOND_MIN_CHARS,
            )
        elif second_model(settings) is not None:
            logger.warning(
                "this build's Japanese index has no second opinion on scope (SENPAI_SECOND_OPINION=1): "
                "rebuild it with `senpai build-index`"
            )
        index = index.with_japanese(cached)

    policy = configured_policy(settings)
    studies = Studies.from_sources(settings.corpus_dir / "sources.yaml")
    return KnowledgeService(
        index, policy, settings.oos_threshold, studies=studies, turn_budget_s=settings.turn_budget_s
    )


def shared_sync(settings: Settings) -> BuildSync | None:
    """The shared store's sync in the production profile (``None`` in the embedded one: files only)."""
    return (
        BuildSync(settings.database.as_url(), settings.index_dir) if settings.database is not None else None
    )


def action_executor() -> ActionExecutor:
    """Rasa SDK's executor with each action of :mod:`actions.registry` registered once (no scanning)."""
    executor = ActionExecutor()
    for action in registry.actions():
        executor.register_action(action)
    return executor


def create_action_app(
    watcher: IndexWatcher | None = None, token: str | None = None, metrics_token: str | None = None
) -> Sanic[Any, Any]:
    """Return Rasa SDK's Sanic app with Senpai's actions registered (no CORS).

    Besides Rasa SDK's routes it serves ``POST /prefetch`` (``{"text": ...}``),
    which starts embedding a message before Rasa asks for its answer and
    replies 202 at once (see :meth:`KnowledgeService.warm`).

    Args:
        watcher: If given, runs in the background to pick up rebuilt indexes.
        token: If given, ``/webhook`` and ``/prefetch`` answer 401 unless the
            request carries it in the :data:`ACTION_TOKEN_HEADER` header (Rasa
            and the gateway send it), so only they can use the server.
        metrics_token: If given, ``GET /metrics`` serves the installed
            service's metrics to a request with ``Authorization: Bearer
            <metrics_token>``; otherwise there is no ``/metrics`` (404).
    """
    app: Sanic[Any, Any] = create_app(action_executor(), cors_origins=[])
    app.add_route(prefetch, "/prefetch", methods=["POST"])
    app.error_handler.add(NotFound, not_found)  # rasa-sdk answers every exception, a wrong path too, with 500
    if metrics_token is not None:
        app.add_route(metrics_route(get_service().metrics, metrics_token), "/metrics", methods=["GET"])
    if token is not None:
        expected = token.encode()

        async def require_token(request: Request) -> HTTPResponse | None:
            if request.path.rstrip("/") not in PROTECTED_PATHS:
                return None
            given = request.headers.get(ACTION_TOKEN_HEADER, "").encode()
            if hmac.compare_digest(given, expected):
                return None
            logger.warning("refused an action call without a valid %s header", ACTION_TOKEN_HEADER)
            return json({"error": f"missing or wrong {ACTION_TOKEN_HEADER} header"}, status=401)

        app.register_middleware(require_token, "request")
    if watcher is not None:
        watching: list[asyncio.Task[None]] = []

        async def start_watching(app: Sanic[Any, Any]) -> None:
            watching.append(asyncio.create_task(watcher.run(), name="index-watcher"))

        async def stop_watching(app: Sanic[Any, Any]) -> None:
            for task in watching:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

        app.register_listener(start_watching, "after_server_start")
        app.register_listener(stop_watching, "before_server_stop")
    return app


async def not_found(request: Request, exception: Exception) -> HTTPResponse:
    """A 404 for a path the action server does not serve."""
    return json({"error": f"no such path: {request.path}"}, status=404)


async def prefetch(request: Request) -> HTTPResponse:
    """Start embedding ``{"text": ..., "sender": ...}`` in the background; 202 whether or not it was queued.

    ``sender`` (optional) is the conversation's id, so a follow-up is also embedded read with the
    last question.
    """
    try:
        body = request.json
    except (BadRequest, RecursionError, ValueError):  # not JSON, or JSON the parser can't take
        body = None
    text = body.get("text") if isinstance(body, dict) else None
    sender = body.get("sender") if isinstance(body, dict) else None
    if not isinstance(text, str) or not isinstance(sender, str | None):
        return json({"error": 'expected a JSON object {"text": "...", "sender": "..."}'}, status=400)
    return json({"queued": get_service().warm(text, sender)}, status=202)


def main() -> int:
    """Run the action server until interrupted.

    Returns:
        A process exit code: 2 when configuration or the index is unusable.
    """
    try:
        settings = Settings.from_env()
        logs.configure("actions", settings.log_level, settings.log_format)
        if settings.log_level != "debug":  # Senpai pins rasa-sdk 3.21 with Rasa 3.6 on purpose (docs/)
            logs.hide_deprecations("Your versions of rasa and rasa_sdk might not be compatible")
        service = load_service(settings)
    except (SettingsError, IndexLoadError, EncoderError) as exc:
        print(f"senpai actions: cannot start: {exc}", file=sys.stderr)
        return 2
    install(service)
    announce(service, current_dir(settings.index_dir))
    logger.info(
        "loaded %d passages (model %s); serving on %s:%d",
        len(service.index),
        settings.embedding_model,
        settings.action_host,
        settings.action_port,
    )
    if settings.action_token is None:
        logger.warning("SENPAI_ACTION_TOKEN is not set: any local process may call the actions")
    watcher = IndexWatcher(service, settings.index_dir, sync=shared_sync(settings))
    app = create_action_app(watcher, settings.action_token, settings.action_metrics_token)
    app.run(
        host=settings.action_host,
        port=settings.action_port,
        single_process=True,
        access_log=False,
        motd=False,
    )
    return 0

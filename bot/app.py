"""The gateway application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from bot import keys
from bot.feedback import Feedback, FeedbackStore, PostgresFeedbackStore
from bot.gateway_metrics import GatewayMetrics, metrics_handler
from bot.middlewares import cors, json_errors, request_context, security_headers
from bot.prefetch import Prefetcher
from bot.rasa import RasaClient
from bot.ratelimit import RateLimiter
from bot.routes import setup_routes
from bot.sender_keys import SenderKeys, load_secret
from bot.slack_events import EventLedger, MemoryLedger, RedisLedger
from bot.views import SLACK_MAX_BODY_BYTES
from contracts import logs
from organisers.curation.store import STATES
from organisers.insights.queries import names_key
from settings import Settings


def create_app(settings: Settings) -> web.Application:
    """Build the gateway: routes, middlewares and one shared client session.

    Args:
        settings: The process settings.

    Returns:
        An application ready for ``web.run_app`` or a test client.
    """
    app = web.Application(
        middlewares=[
            request_context,
            json_errors,
            cors(frozenset(settings.allowed_origins)),
            security_headers,
        ],
        # Slack's payloads may be larger than the chat API's; each view enforces its own limit.
        client_max_size=max(settings.max_body_bytes, SLACK_MAX_BODY_BYTES),
    )
    app[keys.SETTINGS] = settings
    secret = load_secret(settings.sender_secret, settings.data_dir)
    app[keys.SENDERS] = SenderKeys(secret)
    app[keys.NAMES] = names_key(secret)
    app[keys.METRICS] = GatewayMetrics()
    app[keys.SENDER_LIMIT] = RateLimiter(settings.rate_sender_per_min, burst=10)
    app[keys.IP_LIMIT] = RateLimiter(settings.rate_ip_per_min, burst=40)
    app.cleanup_ctx.append(_rasa_client)
    app.cleanup_ctx.append(_feedback_store)
    app.cleanup_ctx.append(_slack_ledger)
    setup_routes(app)
    if settings.metrics_token is not None:  # otherwise /metrics is simply not there (404)
        app.router.add_get(
            "/metrics",
            metrics_handler(lambda r: r.app[keys.METRICS], settings.metrics_token, _scrape_time),
            name="metrics",
        )
    if settings.admin_token is not None:  # otherwise /admin/ is simply not there (404)
        from bot.admin.site import create_admin_app

        app[keys.ADMIN] = create_admin_app(settings)
        app.add_subapp("/admin/", app[keys.ADMIN])
    return app


async def _scrape_time(request: web.Request) -> None:
    """Refresh what a scrape reads at its time: which parts answer, and the curation store."""
    app = request.app
    app[keys.METRICS].components(await app[keys.RASA].health())
    admin = app.get(keys.ADMIN)
    if admin is None:
        return
    from bot.admin.pages import CURATOR

    curator = admin.get(CURATOR)
    if curator is None:
        return
    counts = await asyncio.to_thread(curator.store.counts)
    last = curator.last_build
    app[keys.METRICS].curation(dict.fromkeys(STATES, 0) | counts, last.ok, last.seconds, last.at)


async def _rasa_client(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    timeout = aiohttp.ClientTimeout(total=settings.rasa_timeout_s, connect=2.0)
    # Idle connections are dropped before Rasa's server (Sanic, 5 s) would drop them, so a
    # request never goes out on a connection the other side is closing.
    connector = aiohttp.TCPConnector(limit=100, keepalive_timeout=4)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        app[keys.RASA] = RasaClient(
            session,
            settings.rasa_urls,
            settings.action_url,
            settings.health_timeout_s,
            settings.rasa_token,
            sticky=settings.profile != "production",  # no shared lock store: pin each sender to one replica
            observe=app[keys.METRICS].rasa,
        )
        prefetcher = Prefetcher(
            session, settings.action_url, settings.action_token, enabled=settings.prefetch
        )
        app[keys.PREFETCH] = prefetcher
        yield
        await prefetcher.close()


async def _feedback_store(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    store: Feedback = (
        PostgresFeedbackStore(settings.database.as_url())
        if settings.database is not None
        else FeedbackStore(settings.feedback_db)
    )
    app[keys.FEEDBACK] = store
    yield
    await store.aclose()


async def _slack_ledger(app: web.Application) -> AsyncIterator[None]:
    settings = app[keys.SETTINGS]
    ledger: EventLedger = RedisLedger(settings.redis.as_url()) if settings.redis else MemoryLedger()
    app[keys.SLACK_LEDGER] = ledger
    yield
    await ledger.close()


def main() -> None:
    """Run the gateway on the configured host and port."""
    settings = Settings.from_env()
    logs.configure("gateway", settings.log_level, settings.log_format)
    if settings.log_level != "debug":
        logs.hide_deprecations()
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None, access_log=None)

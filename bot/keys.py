"""Typed keys for what the gateway keeps on its application."""

from __future__ import annotations

from aiohttp import web

from bot.feedback import Feedback
from bot.gateway_metrics import GatewayMetrics
from bot.prefetch import Prefetcher
from bot.rasa import RasaClient
from bot.ratelimit import RateLimiter
from bot.sender_keys import SenderKeys
from bot.slack_events import EventLedger
from settings import Settings

SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)
SENDERS: web.AppKey[SenderKeys] = web.AppKey("senders", SenderKeys)
RASA: web.AppKey[RasaClient] = web.AppKey("rasa", RasaClient)
PREFETCH: web.AppKey[Prefetcher] = web.AppKey("prefetch", Prefetcher)
FEEDBACK: web.AppKey[Feedback] = web.AppKey("feedback", Feedback)
SENDER_LIMIT: web.AppKey[RateLimiter] = web.AppKey("sender_limit", RateLimiter)
IP_LIMIT: web.AppKey[RateLimiter] = web.AppKey("ip_limit", RateLimiter)
SLACK_LEDGER: web.AppKey[EventLedger] = web.AppKey("slack_ledger", EventLedger)
METRICS: web.AppKey[GatewayMetrics] = web.AppKey("metrics", GatewayMetrics)
#: The key of the senders' pseudonyms in log lines (the insights pages' own).
NAMES: web.AppKey[bytes] = web.AppKey("names", bytes)
#: The admin sub-application, when ``SENPAI_ADMIN_TOKEN`` is set (its curator feeds the metrics).
ADMIN: web.AppKey[web.Application] = web.AppKey("admin", web.Application)

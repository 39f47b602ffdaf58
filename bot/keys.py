"""Typed keys for what the gateway keeps on its application."""

from __future__ import annotations

from aiohttp import web

from bot.rasa import RasaClient
from bot.settings import Settings

SETTINGS: web.AppKey[Settings] = web.AppKey("settings", Settings)
RASA: web.AppKey[RasaClient] = web.AppKey("rasa", RasaClient)

"""The gateway's URL map."""

from __future__ import annotations

from aiohttp import web

from bot import views


def setup_routes(app: web.Application) -> None:
    """Register every route on the application."""
    app.router.add_get("/", views.index, name="index")
    app.router.add_get("/ja/", views.index_ja, name="index_ja")
    app.router.add_get("/healthz", views.healthz, name="healthz")
    app.router.add_get("/livez", views.livez, name="livez")
    app.router.add_post("/api/chat", views.chat, name="chat")
    app.router.add_post("/api/feedback", views.feedback, name="feedback")
    app.router.add_get("/api/history", views.conversation, name="history")
    app.router.add_post("/webhooks/slack/webhook", views.slack_webhook, name="slack")
    app.router.add_static("/static/", views.STATIC, name="static")

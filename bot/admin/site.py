"""The admin sub-application: its state, and the routes of the insights pages and of fixing answers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import jinja2
from aiohttp import web

from bot.admin import changes, insight_pages, report_pages
from bot.admin.auth import Gatekeeper
from bot.admin.pages import ADMIN_SETTINGS, CURATOR, GATE, NAME_KEY, PAGES, PASSAGES, STORE
from bot.sender_keys import load_secret
from organisers.curation.curator import Curator
from organisers.curation.store import CurationStore
from organisers.insights.queries import Store, names_key
from organisers.report.refinements import Refinements
from organisers.report.render import TEMPLATES
from settings import Settings


def create_admin_app(settings: Settings) -> web.Application:
    """The admin sub-application, mounted at ``/admin/`` when ``SENPAI_ADMIN_TOKEN`` is set."""
    assert settings.admin_token is not None
    app = web.Application()
    app[ADMIN_SETTINGS] = settings
    app[GATE] = Gatekeeper(settings.admin_token, settings.admin_read_token)
    app[STORE] = Store.of(settings)
    app[PAGES] = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [jinja2.FileSystemLoader(Path(__file__).parent / "templates"), jinja2.FileSystemLoader(TEMPLATES)]
        ),
        autoescape=True,
    )
    app[PAGES].globals["fix_query"] = lambda questions: urlencode([("q", q) for q in questions])
    app[NAME_KEY] = names_key(load_secret(settings.sender_secret, settings.data_dir))
    app[PASSAGES] = {}
    app.cleanup_ctx.append(_curator)
    insight_pages.add_routes(app)
    changes.add_routes(app)
    report_pages.add_routes(app)
    return app


async def _curator(app: web.Application) -> AsyncIterator[None]:
    store = await asyncio.to_thread(CurationStore.of, app[ADMIN_SETTINGS])
    app[CURATOR] = Curator(app[ADMIN_SETTINGS], store)
    app[report_pages.REFINEMENTS] = await asyncio.to_thread(Refinements.of, app[ADMIN_SETTINGS])
    yield

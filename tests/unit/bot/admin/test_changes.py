"""Fixing answers on /admin/: the editing token only, CSRF, clear refusals that change nothing."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from bot.app import create_app
from knowledge import current_dir
from organisers.curation.curator import Curator
from organisers.curation.store import CurationStore
from settings import Settings
from tests.unit.bot.admin.test_pages import READ, TOKEN, Make, origin
from tests.unit.bot.test_schemas import BAD_BODIES, UNPARSABLE
from tests.unit.fakes import SENDER_SECRET, Client, FakeRasa
from tests.unit.knowledge.content.test_curation import DRAFT
from tests.unit.organisers.curation.test_curator import QUESTION, curation_settings


@pytest.fixture
def settings(fake_rasa: FakeRasa, corpus_dir: Path, not_covered_file: Path, tmp_path: Path) -> Settings:
    made = curation_settings(
        corpus_dir,
        not_covered_file,
        tmp_path / "data",
        rasa_urls=(fake_rasa.url,),
        action_url=fake_rasa.url,
        rasa_token="tok",
        sender_secret=SENDER_SECRET,
        admin_token=TOKEN,
        admin_read_token=READ,
    )
    Curator(made, CurationStore.of(made)).rebuild()  # the index the stack serves
    return made


@pytest.fixture
async def admin(aiohttp_client: Make, settings: Settings) -> Client:
    return await aiohttp_client(create_app(settings))


async def signed_in(client: Client, token: str = TOKEN, name: str = "Aiko") -> str:
    response = await client.post(
        "/admin/sign-in", data={"token": token, "name": name}, headers=origin(client), allow_redirects=False
    )
    assert response.status == 303
    session = await (await client.get("/admin/api/session")).json()
    return str(session["csrf"])


async def post_change(client: Client, csrf: str, change: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = await client.post(
        "/admin/api/changes", json=change, headers={**origin(client), "X-CSRF-Token": csrf}
    )
    return response.status, await response.json()


async def test_attach_and_undo_through_the_api(admin: Client, settings: Settings) -> None:
    csrf = await signed_in(admin)
    status, body = await post_change(
        admin, csrf, {"kind": "attach", "passage": "programme-size", "questions": [QUESTION]}
    )
    assert status == 200, body
    assert body["change"]["who"] == "Aiko (edit token)"
    served = current_dir(settings.index_dir)
    assert any(QUESTION in f.read_text() for f in served.glob("*.jsonl")), "the published index has it"
    listed = await (await admin.get("/admin/api/changes")).json()
    assert [c["state"] for c in listed["changes"]] == ["live"]
    response = await admin.post(
        f"/admin/api/changes/{body['change']['id']}/undo", headers={**origin(admin), "X-CSRF-Token": csrf}
    )
    assert response.status == 200
    listed = await (await admin.get("/admin/api/changes")).json()
    assert [(c["state"], c["ended_by"]) for c in listed["changes"]] == [("undone", "Aiko (edit token)")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "attach", "passage": "no-such-passage", "questions": ["a question"]}, "unknown passage id"),
        ({"kind": "attach", "passage": "programme-aims", "questions": [""]}, "a question is empty"),
        ({"kind": "attach", "passage": "programme-aims", "questions": ["x" * 5000]}, "5000 characters"),
        ({"kind": "draft", "questions": ["q"], "passage": {**DRAFT, "citation": None}}, "needs a citation"),
        ([1, 2, 3], "JSON object"),
    ],
)
async def test_bad_input_is_refused_with_a_clear_message_and_nothing_changes(
    admin: Client, settings: Settings, change: Any, message: str
) -> None:
    serving = current_dir(settings.index_dir)
    csrf = await signed_in(admin)
    status, body = await post_change(admin, csrf, change)
    assert status == 400
    assert message in body["message"]
    assert (await (await admin.get("/admin/api/changes")).json())["changes"] == []
    assert current_dir(settings.index_dir) == serving


async def test_stale_csrf_cross_site_and_the_read_only_token_are_refused(
    admin: Client, settings: Settings
) -> None:
    change = {"kind": "attach", "passage": "programme-size", "questions": [QUESTION]}
    assert (await post_change(admin, "not-a-session", change))[0] == 401
    stale = await signed_in(admin)
    await admin.post("/admin/sign-out", data={"csrf": stale}, headers=origin(admin))
    await signed_in(admin)  # a new session: the old page's token is stale now
    response = await admin.post(
        "/admin/api/changes", json=change, headers={**origin(admin), "X-CSRF-Token": stale}
    )
    assert response.status == 403
    csrf = await signed_in(admin)
    response = await admin.post(
        "/admin/api/changes", json=change, headers={"Origin": "https://evil.example", "X-CSRF-Token": csrf}
    )
    assert response.status == 403
    read_csrf = await signed_in(admin, READ)
    status = (await post_change(admin, read_csrf, change))[0]
    assert status == 403
    page = await (await admin.get("/admin/fix", params={"q": QUESTION})).text()
    assert "read-only token" in page and "disabled" in page
    assert CurationStore.of(settings).changes() == []


async def attach_by_form(admin: Client, csrf: str, question: str, **fields: str) -> Any:
    data = {"csrf": csrf, "q": question, "action": "attach", **fields}
    return await admin.post("/admin/fix", data=data, headers=origin(admin), allow_redirects=False)


async def test_the_fix_form_shows_passages_then_attaches(admin: Client, settings: Settings) -> None:
    csrf = await signed_in(admin)
    page = await (await admin.get("/admin/fix", params={"q": "how many teachers join each year"})).text()
    assert "How big the programme is" in page and "Several thousand participants" in page  # its text, to read
    assert 'value="weather"' in page  # the not-covered topics
    response = await attach_by_form(admin, csrf, "how many teachers join each year", passage="programme-size")
    assert response.status == 303, await response.text()
    history = await (await admin.get(response.headers["Location"])).text()
    assert re.search(r"Change \d+ is live", history)
    assert "how many teachers join each year" in history and "Aiko (edit token)" in history
    conflict = await attach_by_form(admin, csrf, "will it rain tomorrow at school", passage="programme-aims")
    assert conflict.status == 409
    text = await conflict.text()
    assert "weather" in text and "Make the change anyway" in text
    pending = html.unescape(re.search(r'name="change" value="([^"]*)"', text).group(1))  # type: ignore[union-attr]
    confirmed = await admin.post(
        "/admin/fix",
        data={"csrf": csrf, "change": pending, "confirm": "1"},
        headers=origin(admin),
        allow_redirects=False,
    )
    assert confirmed.status == 303, await confirmed.text()
    refused = await attach_by_form(admin, csrf, "x", other_passage="nope")
    assert refused.status == 400 and "unknown passage id" in await refused.text()
    assert len(CurationStore.of(settings).changes()) == 2


async def test_no_curation_without_a_token(aiohttp_client: Make, settings: Settings) -> None:
    settings = settings.with_overrides(admin_token=None, admin_read_token=None)
    client = await aiohttp_client(create_app(settings))
    assert (await client.get("/admin/api/changes")).status == 404


@pytest.mark.parametrize("name", [*UNPARSABLE[:3], "invalid-utf8"])
async def test_the_change_api_answers_400_to_a_body_it_cannot_take(
    admin: Client,
    name: str,
) -> None:
    csrf = await signed_in(admin)
    resp = await admin.post(
        "/admin/api/changes",
        data=BAD_BODIES[name],
        headers={**origin(admin), "X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )
    body: dict[str, Any] = await resp.json()
    assert resp.status == 400, body
    assert "JSON" in body["message"]

"""WCAG 2.2 AA in a real browser: axe-core on every page and state, and the widget by keyboard alone.

axe-core 4.14.1 comes from the npm registry, pinned, with its licence
(``tests/integration/vendor/``). Every check runs its WCAG 2.0, 2.1 and 2.2
A and AA rules; any violation fails the test, naming the rule and the elements.
Each state is checked in the light and the dark colour scheme.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.integration.conftest import CHROMIUM, Stack, start_stack
from tests.integration.test_widget import CLARIFY_CANDIDATES, ask, open_widget

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]

AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
TOKEN = "organiser-token-for-accessibility"
SCHEMES = ("light", "dark")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("a11y"), {"SENPAI_ADMIN_TOKEN": TOKEN})
    try:
        running.chat("asked", "When did the JET Programme start?")
        running.chat("missed", "what is the best ramen in Sendai")
        yield running
    finally:
        running.stop()


def new_page(
    browser: Any, stack: Stack, path: str = "/", *, scheme: str = "light", locale: str = "en-GB"
) -> Any:
    context = browser.new_context(
        viewport={"width": 1100, "height": 820}, locale=locale, color_scheme=scheme, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(stack.url + path)
    return page


def violations(page: Any) -> list[str]:
    """axe-core's WCAG A/AA violations on the page as it is now: the rule, its impact and the elements."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async rules => (await axe.run(document, {runOnly: {type: 'tag', values: rules}})).violations",
        RULES,
    )
    return [
        f"{v['id']} ({v['impact']}): " + ", ".join(json.dumps(n["target"]) for n in v["nodes"][:5])
        for v in found
    ]


def screenshot(page: Any, name: str) -> None:
    """Save a screenshot into ``SENPAI_SCREENSHOT_DIR`` (how docs/widget-dark.png is made), if it is set."""
    folder = os.environ.get("SENPAI_SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=str(Path(folder) / name))


def assert_accessible(page: Any, where: str) -> None:
    found = violations(page)
    assert not found, f"{where}: " + "; ".join(found)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_widget_in_every_state(browser: Any, stack: Stack, scheme: str) -> None:
    page = new_page(browser, stack, scheme=scheme)
    assert_accessible(page, f"demo page, widget closed ({scheme})")
    open_widget(page)
    panel = page.locator(".senpai-panel").evaluate("p => getComputedStyle(p).backgroundColor")
    assert (
        panel == {"light": "rgb(255, 255, 255)", "dark": "rgb(22, 27, 34)"}[scheme]
    )  # the scheme is in force
    assert_accessible(page, f"widget open ({scheme})")
    answer = ask(page, "When did the JET Programme start?")
    answer.locator(".senpai-source summary").first.click()
    assert_accessible(page, f"after an answer, its source open ({scheme})")
    screenshot(page, f"widget-{scheme}.png")
    fallback = ask(page, "what is the best ramen in Sendai")
    assert fallback.get_attribute("data-kind") == "fallback" and fallback.locator("button").count() > 0
    assert_accessible(page, f"after a fallback with buttons ({scheme})")
    for question in CLARIFY_CANDIDATES:
        if ask(page, question).get_attribute("data-kind") == "clarify":
            break
    assert_accessible(page, f"after a clarify ({scheme})")
    page.context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_japanese_page_and_widget(browser: Any, stack: Stack, scheme: str) -> None:
    page = new_page(browser, stack, "/ja/", scheme=scheme, locale="ja-JP")
    assert_accessible(page, f"Japanese demo page ({scheme})")
    page.locator(".senpai-launch").click()
    page.locator("[data-senpai][data-history=loaded]").wait_for(state="attached")
    page.locator("#senpai-input").fill("JETプログラムはいつ始まりましたか？")
    page.locator("#senpai-input").press("Enter")
    page.locator(".senpai-bot[data-kind=answer]").last.wait_for()
    assert_accessible(page, f"Japanese widget mid-conversation ({scheme})")
    screenshot(page, f"widget-ja-{scheme}.png")
    page.context.close()


def sign_in(page: Any, stack: Stack) -> None:
    page.goto(stack.url + "/admin/")
    page.locator("input[name=token]").fill(TOKEN)
    page.locator("input[name=name]").fill("Accessibility")
    page.locator("button[type=submit]").click()
    page.wait_for_url("**/admin/")


@pytest.mark.parametrize("scheme", SCHEMES)
def test_every_admin_page_signed_out_and_in(browser: Any, stack: Stack, scheme: str) -> None:
    page = new_page(browser, stack, "/admin/", scheme=scheme)
    assert_accessible(page, f"/admin/ signed out ({scheme})")
    sign_in(page, stack)
    pages = [
        "/admin/",
        "/admin/missed",
        "/admin/unhelpful",
        "/admin/transcripts",
        "/admin/changes",
        "/admin/report",
    ]
    pages.append("/admin/fix?" + urlencode({"q": "what is the best ramen in Sendai"}))
    for path in pages:
        page.goto(stack.url + path)
        page.wait_for_load_state("networkidle")
        for toggle in page.locator("summary").all()[:3]:
            toggle.click()
        assert_accessible(page, f"{path} signed in ({scheme})")
    page.context.close()


def focused(page: Any) -> str:
    return str(
        page.evaluate("() => document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : ''")
    )


def tab_to(page: Any, selector: str, limit: int = 40) -> None:
    """Press Tab until ``selector`` has the focus; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}; the focus is on {focused(page)}")


@pytest.mark.parametrize(
    ("path", "locale", "question", "launcher"),
    [
        ("/", "en-GB", "When did the JET Programme start?", "Ask Senpai"),
        ("/ja/", "ja-JP", "JETプログラムはいつ始まりましたか？", None),
    ],
)
def test_keyboard_only_in_each_language(
    browser: Any, stack: Stack, path: str, locale: str, question: str, launcher: str | None
) -> None:
    page = new_page(browser, stack, path, locale=locale)
    tab_to(page, ".senpai-launch")
    name = page.evaluate(
        "() => document.activeElement.getAttribute('aria-label') || document.activeElement.textContent"
    )
    assert name.strip() and (launcher is None or launcher in name)
    page.keyboard.press("Enter")
    page.locator("[data-senpai][data-history=loaded]").wait_for(state="attached")
    page.locator(".senpai-chip").first.wait_for()
    tab_to(page, "#senpai-input")
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    page.locator(".senpai-bot[data-kind=answer]").last.wait_for()
    assert page.evaluate("() => document.activeElement.id === 'senpai-input'"), focused(page)

    tab_to(page, ".senpai-bot[data-kind=answer] .senpai-source summary")  # expand a source
    page.keyboard.press("Enter")
    assert page.locator(".senpai-bot[data-kind=answer] .senpai-source").first.evaluate("d => d.open")
    tab_to(page, ".senpai-rate button")  # rate the answer
    page.keyboard.press("Enter")
    page.locator(".senpai-rate button[aria-pressed=true]").first.wait_for()

    bots = page.locator(".senpai-bot").count()
    tab_to(page, ".senpai-chip")  # follow a suggestion
    page.keyboard.press("Enter")
    page.wait_for_function("n => document.querySelectorAll('.senpai-bot').length > n", arg=bots)

    tab_to(page, ".senpai-close")
    page.keyboard.press("Enter")
    page.get_by_role("dialog").wait_for(state="hidden")
    assert page.evaluate("() => document.activeElement.classList.contains('senpai-launch')"), focused(page)
    page.context.close()


def test_the_log_announces_each_new_reply_once(browser: Any, stack: Stack) -> None:
    """Earlier messages are never re-rendered, so a screen reader reads only what is new."""
    page = new_page(browser, stack)
    open_widget(page)
    log = page.locator("[role=log]")
    assert log.get_attribute("aria-live") == "polite"
    ask(page, "When did the JET Programme start?")
    page.evaluate("() => document.querySelectorAll('.senpai-log > *').forEach(n => { n.__seen = true; })")
    ask(page, "What is the Dabbler identity?")
    fresh = page.evaluate(
        "() => [...document.querySelectorAll('.senpai-log > *')].filter(n => !n.__seen).length"
    )
    kept = page.evaluate(
        "() => [...document.querySelectorAll('.senpai-log > *')].filter(n => n.__seen).length"
    )
    assert kept >= 2 and 1 <= fresh <= 3  # the question, the reply (and nothing older) are new
    page.context.close()

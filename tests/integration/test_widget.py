"""The web widget in a real browser (Playwright driving Debian's Chromium) on the real stack."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import CHROMIUM, Stack

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed (`make test` installs it)"
    ),
]

CLARIFY_CANDIDATES = [
    "What jobs do the former ALTs have now",
    "What does the identity study advise JTEs to do?",
    "what percentage of junior high English lessons do JET ALTs actually teach",
    "what was the original reason for giving ALTs assistant status",
    "did the interviewed ALTs think their orientations were any good",
    "quick overveiw of the ALT idenity theory",
    "what are the main identities ALTs have in Hiratsuka's research",
]


@pytest.fixture
def page(browser: Any, stack: Stack) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 820}, locale="en-GB")
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.set_default_timeout(30_000)
    page.goto(stack.url + "/")
    yield page
    context.close()


def open_widget(page: Any) -> None:
    page.get_by_role("button", name="Ask Senpai").click()
    page.get_by_role("dialog", name="Senpai, orientation assistant").wait_for()
    # Rendered once the history (or, for a new sender, the welcome) has loaded.
    page.locator("[data-senpai][data-history=loaded]").wait_for(state="attached")


def ask(page: Any, text: str) -> Any:
    """Type a question, send it, and return the locator of the new bot reply."""
    return ask_in(page, "Your question", text)


def test_question_shows_answer_and_expandable_citation(page: Any, stack: Stack, tmp_path: Path) -> None:
    open_widget(page)
    page.locator(".senpai-chip").first.wait_for()  # rendered once the (empty) history has loaded
    assert page.locator(".senpai-chip").count() >= 3  # suggested first questions
    reply = ask(page, "When did the JET Programme start?")
    assert reply.get_attribute("data-kind") == "answer"
    assert "1987" in reply.inner_text()
    summary = reply.locator(".senpai-source summary").first
    assert summary.inner_text().startswith("Source: Hiratsuka (2025)")
    details = reply.locator(".senpai-source").first
    assert not details.evaluate("d => d.open")
    summary.click()
    assert details.evaluate("d => d.open")
    assert "doi.org" in details.inner_text()
    path = Path(os.environ.get("SENPAI_SCREENSHOT", str(tmp_path / "widget.png")))
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000


def test_clicking_a_clarify_button_answers(page: Any, stack: Stack) -> None:
    question = next(
        (q for q in CLARIFY_CANDIDATES if stack.chat(f"probe-{abs(hash(q))}", q)["kind"] == "clarify"), None
    )
    assert question, (
        "none of the candidate questions gets a clarify reply any more; update CLARIFY_CANDIDATES"
    )
    open_widget(page)
    reply = ask(page, question)
    assert reply.get_attribute("data-kind") == "clarify"
    choices = reply.locator(".senpai-chip")
    assert choices.count() == 2
    before = page.locator(".senpai-bot").count()
    choices.first.click()
    page.wait_for_function("n => document.querySelectorAll('.senpai-bot').length > n", arg=before)
    answer = page.locator(".senpai-bot").nth(before)
    assert answer.get_attribute("data-kind") == "answer"
    assert answer.locator(".senpai-source").count() >= 1


def test_a_question_sent_before_the_history_arrives_stays_below_it(page: Any, stack: Stack) -> None:
    open_widget(page)
    ask(page, "What is the Dabbler identity?")  # a conversation with a history to come back to
    page.reload()
    held: list[tuple[Any, Any]] = []  # the history as the gateway sent it, delivered late
    page.route("**/api/history*", lambda route: held.append((route, route.fetch())))
    page.get_by_role("button", name="Ask Senpai").click()
    reply = ask(page, "When did the JET Programme start?")
    assert reply.get_attribute("data-kind") == "answer"
    assert held and page.get_attribute("[data-senpai]", "data-history") is None
    assert page.locator(".senpai-log").get_attribute("aria-busy") == "true"
    route, response = held[0]
    route.fulfill(response=response)
    page.locator("[data-senpai][data-history=loaded]").wait_for(state="attached")
    users = page.locator(".senpai-user").evaluate_all("ns => ns.map(n => n.innerText)")
    assert users == ["What is the Dabbler identity?", "When did the JET Programme start?"]  # history first
    kinds = page.locator(".senpai-bot").evaluate_all("ns => ns.map(n => n.dataset.kind)")
    assert kinds == ["answer", "answer"]
    assert "1987" in page.locator(".senpai-msg").last.inner_text()
    assert page.locator(".senpai-log").get_attribute("aria-busy") == "false"


def test_feedback_is_stored(page: Any, stack: Stack) -> None:
    open_widget(page)
    reply = ask(page, "What is the Dabbler identity?")
    assert reply.get_attribute("data-kind") == "answer", reply.inner_text()
    reply.get_by_role("button", name="Not helpful").click()
    reply.get_by_text("Thanks for the feedback.").wait_for()
    assert reply.get_by_role("button", name="Not helpful").get_attribute("aria-pressed") == "true"
    conversation = stack.keys().conversation(page.evaluate("localStorage.getItem('senpai.sender')"))
    with sqlite3.connect(stack.data_dir / "feedback.sqlite3") as db:
        rows = db.execute(
            "SELECT rating, message_id FROM feedback WHERE sender = ?", (conversation,)
        ).fetchall()
    assert len(rows) == 1 and rows[0][0] == -1 and rows[0][1]


def test_thumbs_are_icons_that_render_without_an_emoji_font(page: Any, stack: Stack) -> None:
    open_widget(page)
    reply = ask(page, "What is the Dabbler identity?")
    for name in ("Helpful", "Not helpful"):
        button = reply.get_by_role("button", name=name, exact=True)
        assert button.inner_text().strip() == ""  # no emoji (or any text) to fall back to a box
        icon = button.locator("svg")
        box = icon.bounding_box()
        assert box is not None and box["width"] >= 12 and box["height"] >= 12
        assert icon.get_attribute("aria-hidden") == "true"
    up, down = (reply.locator(f"button[data-rating='{r}'] svg") for r in ("1", "-1"))
    assert up.evaluate("s => getComputedStyle(s).transform") == "none"
    assert down.evaluate("s => getComputedStyle(s).transform") != "none"  # turned half round


def test_the_role_switch_shows_the_role_heard_in_the_chat(page: Any, stack: Stack) -> None:
    open_widget(page)
    switch = page.get_by_label("I am")
    assert switch.input_value() == ""
    ask(page, "I'm a JTE")
    assert switch.input_value() == "jte"
    ask(page, "Actually I'm an ALT, how do ALTs see themselves?")
    assert switch.input_value() == "alt"  # a role stated inside a question counts too
    page.evaluate("localStorage.removeItem('senpai.role')")  # only the conversation remembers it now
    page.reload()
    open_widget(page)
    assert switch.input_value() == "alt"  # from the history


def test_reload_restores_the_conversation(page: Any, stack: Stack) -> None:
    open_widget(page)
    ask(page, "What does the Japan Enthusiast identity mean?")
    sender = page.evaluate("localStorage.getItem('senpai.sender')")
    page.reload()
    assert page.evaluate("localStorage.getItem('senpai.sender')") == sender
    open_widget(page)
    page.locator(".senpai-user").first.wait_for()
    assert page.locator(".senpai-user").first.inner_text() == "What does the Japan Enthusiast identity mean?"
    restored = page.locator(".senpai-bot").last
    assert restored.get_attribute("data-kind") == "answer"
    assert restored.locator(".senpai-source").count() >= 1


def test_an_id_senpai_did_not_issue_starts_a_new_conversation(page: Any, stack: Stack) -> None:
    """What an older widget kept (an id it made up itself), or one copied from someone else."""
    victim = stack.chat("widget-victim", "my JTE barely talks to me")["sender"]
    for kept in ("w-0123456789abcdef01234567", victim[:-1], "UOWNER42"):
        page.evaluate(f"localStorage.setItem('senpai.sender', {json.dumps(kept)})")
        page.reload()
        open_widget(page)
        assert page.locator(".senpai-user").count() == 0  # nothing of anyone's conversation
        assert page.locator(".senpai-bot").first.get_attribute("data-kind") == "smalltalk"  # the welcome
        reply = ask(page, "When did the JET Programme start?")
        assert reply.get_attribute("data-kind") == "answer"
        issued = page.evaluate("localStorage.getItem('senpai.sender')")
        assert issued not in (kept, victim) and stack.keys().conversation(issued).startswith("web:")
    assert "my JTE barely talks to me" not in page.locator(".senpai-log").inner_text()


def test_html_is_shown_as_text_and_never_runs(page: Any, stack: Stack) -> None:
    open_widget(page)
    payload = "<img src=x onerror=alert(1)>"
    reply = ask(page, payload)
    assert page.locator(".senpai-user").last.inner_text() == payload
    assert page.locator(".senpai-root img").count() == 0
    assert reply.get_attribute("data-kind") in ("fallback", "smalltalk", "answer", "clarify")
    page.wait_for_timeout(300)
    assert page.dialogs == []


def test_role_switch_phone_screen_and_keyboard(browser: Any, stack: Stack) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 667}, has_touch=True, is_mobile=True, reduced_motion="reduce"
    )
    page = context.new_page()
    page.goto(stack.url + "/")
    for _ in range(10):  # the launcher is reachable by keyboard
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.className") == "senpai-launch":
            break
    assert page.evaluate("document.activeElement.textContent") == "Ask Senpai"
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Senpai, orientation assistant")
    dialog.wait_for()
    box = dialog.bounding_box()
    assert box is not None and box["width"] >= 370  # full screen on a phone
    page.get_by_label("I am").select_option("jte")
    # The greeting may still be arriving when the role is chosen: wait for the acknowledgement itself.
    page.wait_for_function(
        """() => { const bot = [...document.querySelectorAll('.senpai-bot')].pop();
                   return bot !== undefined && bot.innerText.includes('Japanese teachers of English'); }"""
    )
    assert page.locator(".senpai-user").last.inner_text() == "I'm a JTE"
    animation = page.evaluate(
        """() => { const t = document.createElement('div'); t.className = 'senpai-typing';
                   const s = document.createElement('span'); t.appendChild(s);
                   document.querySelector('.senpai-log').appendChild(t);
                   const name = getComputedStyle(s).animationName; t.remove(); return name; }"""
    )
    assert animation == "none"  # prefers-reduced-motion: no blinking dots
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    assert page.locator("p[lang=ja]").inner_text().startswith("JTEの先生方へ")  # Japanese renders
    context.close()


def test_unavailable_service_shows_a_clear_message(page: Any, stack: Stack) -> None:
    page.route("**/api/chat", lambda route: route.fulfill(status=503, body=json.dumps({"error": "down"})))
    open_widget(page)
    page.get_by_label("Your question").fill("hello?")
    page.get_by_label("Your question").press("Enter")
    page.get_by_text("Senpai is unavailable right now").wait_for()


def ask_in(page: Any, label: str, text: str) -> Any:
    """Like :func:`ask`, with the input found by its label in the page's language."""
    replies = page.locator(".senpai-bot")
    before = replies.count()
    page.get_by_label(label, exact=True).fill(text)
    page.get_by_label(label, exact=True).press("Enter")
    done = (
        "n => document.querySelectorAll('.senpai-bot').length > n"
        " && !document.querySelector('.senpai-typing')"
    )
    page.wait_for_function(done, arg=before)
    return replies.nth(before)


@contextmanager
def japanese_page(browser: Any, stack: Stack) -> Iterator[Any]:
    """The Japanese orientation page (``/ja/``, ``locale=ja-JP``) with the widget open."""
    context = browser.new_context(viewport={"width": 1100, "height": 820}, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(stack.url + "/ja/")
        page.get_by_role("button", name="Senpaiに質問").click()
        page.get_by_role("dialog", name="Senpai（オリエンテーション・アシスタント）").wait_for()
        page.locator("[data-senpai][data-history=loaded]").wait_for(state="attached")
        yield page
    finally:
        context.close()


def test_the_japanese_page_speaks_japanese(browser: Any, stack: Stack, tmp_path: Path) -> None:
    with japanese_page(browser, stack) as page:
        assert page.get_by_label("質問", exact=True).get_attribute("placeholder").startswith("ALTの役割")
        assert page.get_by_role("button", name="送信").is_visible()
        assert page.get_by_label("立場", exact=True).locator("option").all_inner_texts() == [
            "立場を選ぶ",
            "ALTです",
            "JTEです",
        ]
        assert "こんにちは、Senpaiです" in page.locator(".senpai-bot").first.inner_text()
        reply = ask_in(page, "質問", "私はJTEです")
        assert page.get_by_label("立場", exact=True).input_value() == "jte"
        reply = ask_in(page, "質問", "ALTは私たちに何を望んでいますか？")
        assert reply.get_attribute("data-kind") == "answer"
        assert "JTE" in reply.inner_text()
        assert reply.locator(".senpai-source summary").first.inner_text().startswith("出典: Hiratsuka (2025)")
        assert reply.get_by_text("役に立ちましたか？").is_visible()
        assert reply.get_by_role("button", name="役に立った", exact=True).is_visible()
        path = Path(os.environ.get("SENPAI_SCREENSHOT_JA", str(tmp_path / "widget-ja.png")))
        path.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(path))
        assert path.stat().st_size > 10_000
        page.route("**/api/chat", lambda route: route.fulfill(status=503, body=json.dumps({"error": "down"})))
        page.get_by_label("質問", exact=True).fill("もう一つ質問です")
        page.get_by_label("質問", exact=True).press("Enter")
        page.get_by_text("Senpaiは現在ご利用いただけません").wait_for()  # errors in Japanese too


def test_the_widget_follows_a_conversation_into_japanese(page: Any, stack: Stack) -> None:
    open_widget(page)
    assert page.get_by_role("button", name="Send").is_visible()
    reply = ask(page, "JETプログラムはいつ始まりましたか？")
    assert "1987年" in reply.inner_text()
    assert page.get_by_role("button", name="送信").is_visible()  # the widget's own words followed
    assert page.get_by_label("質問", exact=True).is_visible()


JTE_AWKWARD = "中学校で英語を教えています。ALTとの授業がいつもぎこちないのですが、どうしたらいいでしょうか。"
ALT_NOVELTY = (
    "Sometimes I feel like I'm only here as a novelty foreigner for the kids to gawk at, is that just me?"
)


def test_a_jte_describing_lessons_with_the_alt_gets_an_answer_in_japanese(browser: Any, stack: Stack) -> None:
    """Issue 28: this message used to get "I don't know", suggesting the question it had just asked."""
    with japanese_page(browser, stack) as page:
        reply = ask_in(page, "質問", JTE_AWKWARD)
        assert reply.get_attribute("data-kind") == "answer", reply.inner_text()
        assert reply.locator(".senpai-source summary").first.inner_text().startswith("出典: Hiratsuka")
        text = reply.inner_text()
        assert "わかりません" not in text and "JTE" in text
        # "teaching English at a junior high" is not "I'm an ALT": the role stays unset or JTE.
        assert page.get_by_label("立場", exact=True).input_value() in ("", "jte")


def test_an_alt_who_feels_like_a_novelty_is_answered_and_can_ask_why(page: Any, stack: Stack) -> None:
    """Issue 28: this got the small-talk fallback, and "why?" then had nothing to follow."""
    open_widget(page)
    reply = ask(page, ALT_NOVELTY)
    assert reply.get_attribute("data-kind") == "answer", reply.inner_text()
    assert "Foreigner" in reply.inner_text()
    sources = reply.locator(".senpai-source summary").all_inner_texts()
    assert sources and all(s.startswith("Source: Hiratsuka") for s in sources)
    follow = ask(page, "why?")
    assert follow.get_attribute("data-kind") == "answer", follow.inner_text()
    assert "haven't answered" not in follow.inner_text()
    assert follow.locator(".senpai-source").count() >= 1

"""The web UI in a real browser: Debian's chromium driven by Playwright (skipped with a message when
chromium is absent). Log in with a one-time link, search with a filter and see highlighted snippets,
ask and open a cited document, and approve a pending reminder. Screenshots go to the test's tmp folder."""
from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from tests.serve_helpers import DATA, NOW, indexed_home, running_server

CHROMIUM = Path(os.environ.get("KITH_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.skipif(not DATA.exists(), reason="samples/data has not been generated"),
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"chromium not installed at {CHROMIUM} "
                       "(apt-get install -y chromium, or set KITH_CHROMIUM)"),
]


@pytest.fixture(scope="module")
def browser():
    """One chromium for the module (Playwright's sync API allows one running instance per thread)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def browser_page(browser, tmp_path_factory):
    from serve.app import build_state

    home = indexed_home(tmp_path_factory.mktemp("serve-ui") / "home")
    state = build_state(str(home))
    with running_server(state) as url:
        context = browser.new_context()
        requests: list[str] = []
        context.on("request", lambda request: requests.append(request.url))
        page = context.new_page()
        yield page, url, state, requests
        context.close()
    state.close()


def login(page, url, state):
    link = httpx.post(url + "/v1/login-code", headers={"authorization": f"Bearer {state.token}"}).json()["url"]
    page.goto(link)


def test_ui_search_ask_and_approve_a_reminder(browser_page, tmp_path):
    page, url, state, requests = browser_page
    page.goto(url + "/")
    assert "missing or wrong bearer token" in page.content()  # not logged in yet
    login(page, url, state)
    assert page.url == url + "/"

    page.fill("input[name=q]", "dentist")
    page.select_option("select[name=kind]", "event")
    page.click("button[type=submit]")
    page.wait_for_selector("ol.hits li")
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
    kinds = page.locator("li.hit .kind").all_inner_texts()
    assert kinds and set(kinds) == {"event"}
    marks = page.locator("li.hit mark").all_inner_texts()
    assert any("dentist" in m.lower() for m in marks)

    page.click("nav >> text=Ask")
    page.fill("input[name=question]", "when is my next dentist appointment?")
    page.click("button[type=submit]")
    page.wait_for_selector("section.answer")
    page.screenshot(path=str(tmp_path / "ask.png"), full_page=True)
    assert "dentist" in page.inner_text("p.answer-text").lower()
    page.locator("ol.citations a").first.click()
    page.wait_for_selector("article.document")
    assert "dentist" in page.inner_text("article.document").lower()
    page.screenshot(path=str(tmp_path / "document.png"), full_page=True)

    page.click("nav >> text=Ask")
    page.fill("input[name=question]", "remind me to call Bob tomorrow at 9")
    page.click("button[type=submit]")
    page.wait_for_selector("div.pending")
    assert "Add reminder 'call Bob'" in page.inner_text("div.pending")
    assert not (state.home_path / "reminders.ics").exists()
    page.click("nav >> text=Pending")
    assert page.locator("div.pending").count() == 1
    page.screenshot(path=str(tmp_path / "pending.png"), full_page=True)
    page.click("button.approve")
    page.wait_for_selector("p.notice")
    page.screenshot(path=str(tmp_path / "approved.png"), full_page=True)
    assert "Approved" in page.inner_text("p.notice")
    assert "BEGIN:VTODO" in (state.home_path / "reminders.ics").read_text()
    page.click("nav >> text=Pending")
    assert "Nothing is waiting" in page.inner_text("main")

    page.click("nav >> text=Status")
    assert "Failures" in page.inner_text("main") and "not running" in page.inner_text("main")
    page.goto(url + "/digest?since=30d&now=" + NOW.replace("+00:00", "Z"))
    page.screenshot(path=str(tmp_path / "digest.png"), full_page=True)
    assert page.locator("ol.hits li").count() > 0

    assert all(r.startswith(url) for r in requests), [r for r in requests if not r.startswith(url)]
    print("screenshots:", sorted(str(p) for p in tmp_path.glob("*.png")))


def test_ui_consent_shows_the_redacted_payload_before_anything_leaves(browser, tmp_path_factory, tmp_path):
    """Ask with the external tier in the browser: the page shows exactly what would be sent (names
    redacted) and nothing leaves; "Don't send" answers on the device; "Send once" sends exactly that."""
    import json

    from serve.app import build_state
    from tests.serve_helpers import recording_server

    with recording_server() as (external_url, received):
        config = f'[runtime.tiers.external]\nenabled = true\nbase_url = "{external_url}"\nmodel = "gpt-test"\n'
        home = indexed_home(tmp_path_factory.mktemp("serve-consent") / "home", config)
        state = build_state(str(home))
        with running_server(state) as url:
            context = browser.new_context()
            page = context.new_page()
            login(page, url, state)

            def ask_external() -> str:
                page.click("nav >> text=Ask")
                page.fill("input[name=question]", "what did Alice say about the boat trip?")
                page.select_option("select[name=tier]", "external")
                page.click("form.search button[type=submit]")
                page.wait_for_selector("div.consent")
                return page.inner_text("pre.payload")

            shown = ask_external()
            page.screenshot(path=str(tmp_path / "consent.png"), full_page=True)
            assert "<PERSON_" in shown and "Alice" not in shown and received == []
            page.click("button.decline")
            page.wait_for_selector("section.answer")
            assert "quality may be lower" in page.inner_text("p.answer-text") and received == []
            assert page.locator("div.consent").count() == 0

            shown = ask_external()
            page.click("button.send-once")
            page.wait_for_selector("section.answer")
            page.screenshot(path=str(tmp_path / "sent.png"), full_page=True)
            assert len(received) == 1 and json.loads(received[0]["body"]) == json.loads(shown)
            assert "external tier" in page.inner_text("section.answer")
            assert "Alice" in page.inner_text("p.answer-text")  # placeholders restored in the reply
            context.close()
        state.close()

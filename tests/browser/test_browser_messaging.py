"""Email senders, the outbox and the development mailbox in a real browser (issue 21), on the demo
business as `make dev` serves it: the owner fixes a sender, sends a test that lands in the
Development mailbox, and redelivers a failed message. Screenshots at 1280 and 390 px go to
tests/artifacts/messaging-*.png (and /tmp/shots/outbox21/ when that folder exists) to be looked at."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, DESKTOP, browser, new_context, sign_in  # noqa: F401
from tests.browser_support import LiveServer, live_server, require_chromium

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/shots/outbox21")  # noqa: S108 - where the helper's brief asks for them


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("messaging"), business=True) as running:
        yield running


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = ARTIFACTS / f"messaging-{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    if SHOTS.is_dir():
        shutil.copy(path, SHOTS / path.name)


def test_the_owner_fixes_a_sender_tests_it_and_redelivers(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server, DESKTOP)
    page = context.new_page()
    try:
        sign_in(page, "owner@porchlight.test", "owner-demo-pass")
        page.goto("/maintenance/outbox")
        row = page.locator("tr", has_text="lee.morgan@example.com")
        expect(row).to_contain_text("SMTP not fully configured for office General")
        shot(page, "outbox")
        page.goto("/maintenance/email")
        expect(page.locator("tr", has_text="General")).to_contain_text("needs From email")
        shot(page, "senders")
        page.locator("tr", has_text="General").get_by_role("link", name="Edit").click()
        page.get_by_label("From email").fill("office@localhost")  # the browser lets it through; the server does not
        page.get_by_label("From name").fill("Porchlight General")
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".field-error")).to_contain_text("Enter an email address")
        page.get_by_label("From email").fill("general@porchlight-demo.test")
        page.get_by_label("App password").fill("demo-app-password")
        page.get_by_role("button", name="Save").click()
        expect(page.locator("body")).to_contain_text("Sender saved.")
        expect(page.locator("body")).to_contain_text("already set — leave blank to keep")
        assert page.get_by_label("App password").input_value() == ""  # never sent back
        page.get_by_label("Send to").fill("owner@porchlight.test")
        page.get_by_role("button", name="Send Test").click()
        expect(page.locator("[role=status]")).to_contain_text("250 captured in the development mailbox")
        shot(page, "sender-form")
        page.goto("/maintenance/outbox")
        page.locator("tr", has_text="lee.morgan@example.com").get_by_role("button", name="Redeliver").click()
        expect(page.locator("body")).to_contain_text("Queued again")
        expect(page.locator("h1")).to_contain_text("Email message")
        page.reload()  # delivered right after that response
        expect(page.locator(".lede")).to_contain_text("delivered")
        shot(page, "message")
        page.goto("/maintenance/dev-mailbox")
        expect(page.locator("body")).to_contain_text("Porchlight test from Porchlight General")
        expect(page.locator("body")).to_contain_text("Following up on your request")
        shot(page, "dev-mailbox")
    finally:
        context.close()


def test_the_pages_fit_a_phone(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server, PHONE)  # type: ignore[arg-type]
    page = context.new_page()
    try:
        sign_in(page, "owner@porchlight.test", "owner-demo-pass")
        for name, href in (
            ("outbox", "/maintenance/outbox?status=delivered"),
            ("senders", "/maintenance/email"),
            ("dev-mailbox", "/maintenance/dev-mailbox"),
        ):
            page.goto(href)
            wide = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
            assert not wide, f"{href} scrolls sideways at 390 px"
            shot(page, name)
        page.goto("/maintenance/email")
        page.locator("a", has_text=re.compile("^Garage$")).first.click()
        shot(page, "sender-form")
    finally:
        context.close()

"""Finance settings and the weekly payment summaries in a real browser on the demo business (FIN-8,
FIN-10): the owner opens 💰 Finance settings, picks the Finance SMS line, edits the Finance email
sender on its own form, presses Send now and reads a contractor's summary in the development mailbox.
Screenshots at 1280 and 390 px go to /tmp/shots/finance20/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, sign_in  # noqa: F401
from tests.browser_support import LiveServer, live_server, require_chromium

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/finance20")  # noqa: S108 - where the helper's report points a person
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("finance20"), business=True) as running:
        yield running


def shot(page: Page, name: str, full: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"finance-settings-{name}.png"
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path), full_page=full)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
        ".slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
    )
    assert width <= page.viewport_size["width"] + 1, f"the page scrolls sideways ({width} px): {wide}"


def test_owner_sets_line_and_sender_then_sends_now(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server)
    page = context.new_page()
    try:
        sign_in(page, "owner@porchlight.test", "owner-demo-pass")
        page.goto("/maintenance")
        page.get_by_role("link", name="Finance settings").click()
        expect(page.locator("h1")).to_have_text("💰 Finance settings")
        usable = page.locator("select[name=sms_line_id] option:not([disabled])")
        value = usable.nth(usable.count() - 1).get_attribute("value")
        number = usable.nth(usable.count() - 1).inner_text().split(" ")[0]
        assert value
        page.locator("select[name=sms_line_id]").select_option(value)
        page.get_by_role("button", name="Save", exact=True).first.click()
        expect(page.locator("body")).to_contain_text("Finance settings saved.")
        expect(page.locator("select[name=sms_line_id]")).to_have_value(value)
        page.get_by_role("link", name="✉ Edit the Finance sender").click()
        page.get_by_label("From name").fill("Porchlight Payouts")
        page.get_by_role("button", name="Save", exact=True).first.click()
        expect(page.locator("body")).to_contain_text("Sender saved.")
        page.goto("/maintenance/finance")
        expect(page.locator("body")).to_contain_text("Porchlight Payouts")
        shot(page, "1280")
        page.get_by_label("To", exact=True).fill("owner@porchlight.test")
        page.get_by_role("button", name="📨 Send now").click()
        expect(page.locator("body")).to_contain_text("on the way to owner@porchlight.test (previews)")
        for _ in range(20):
            page.goto("/maintenance/dev-mailbox")
            if page.locator(".mail-item", has_text="Weekly payment summary").count():
                break
            page.wait_for_timeout(500)
        mail = page.locator(".mail-item", has_text="Weekly payment summary").filter(has_text="→ dispatch@").first
        expect(mail).to_be_visible()  # a contractor's summary (the demo's contractors have report emails)
        expect(mail).to_contain_text("[Preview →")
        frame = mail.frame_locator(".mail-html")
        expect(frame.locator("h1")).to_contain_text("Weekly payment summary")
        expect(frame.locator("body")).to_contain_text("Payout")
        expect(frame.locator("body")).to_contain_text("Questions? Text Finance at")
        digits = number[2:]
        expect(frame.locator("body")).to_contain_text(f"({digits[:3]}) {digits[3:6]}-{digits[6:]}")
        mail.scroll_into_view_if_needed()
        shot(page, "mail-1280", full=False)
        page.set_viewport_size(PHONE)
        shot(page, "mail-390", full=False)
        page.goto("/maintenance/finance")
        _no_sideways_scroll(page)
        shot(page, "390")
    finally:
        context.close()

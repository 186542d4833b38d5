"""Finance, the reminders and the import page in a real browser (issue 20, second half), on the demo
business: a job moved to Done shows on /finance and its Closing is edited inline; the EOD reminders
copy their text and a PNG of the map. Screenshots at 1280 and 390 px go to tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.test_browser import ARTIFACTS, new_context, sign_in
from tests.browser.test_browser import browser as browser
from tests.browser_support import LiveServer, live_server, require_chromium

pytestmark = pytest.mark.browser

WIDE: ViewportSize = {"width": 1280, "height": 800}
NARROW: ViewportSize = {"width": 390, "height": 844}
OWNER = ("owner@porchlight.test", "owner-demo-pass")
TOMORROW = "2026-11-25"  # BROWSER_NOW is 2026-11-24 13:00 in New York; the demo's jobs are tomorrow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("live"), business=True) as running:
        yield running


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"the page scrolls sideways ({width} px)"


API = """async ([method, url, body]) => {
  const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"];
  const r = await fetch(url, {method, headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf},
                              body: body ? JSON.stringify(body) : undefined});
  return [r.status, await r.json()];
}"""


def test_a_done_job_in_finance_edited_inline(browser: Browser, server: LiveServer) -> None:
    context = new_context(browser, server, WIDE)
    try:
        page = context.new_page()
        sign_in(page, *OWNER)
        page.goto("/jobs?range=all&q=Grace")
        found = page.evaluate(API, ["GET", "/api/jobs?q=Grace%20Kim", None])
        job = found[1]["items"][0]["display_id"]
        status, _ = page.evaluate(
            API, ["POST", f"/api/jobs/{job}/status", {"status": "done", "closing_cents": 50000, "parts_cents": 0}]
        )
        assert status == 200
        page.goto("/finance")
        row = page.locator(f"tr[data-fin='{job}']")
        expect(row).to_be_visible()
        closing = row.get_by_label(f"Closing for {job}")
        expect(closing).to_have_value("500.00")
        before = row.locator("[data-payout]").inner_text()
        closing.fill("1,250.00")
        closing.press("Tab")
        expect(closing).to_have_class("saved")
        expect(row.locator("[data-payout]")).not_to_have_text(before)
        page.reload()
        expect(page.locator(f"tr[data-fin='{job}']").get_by_label(f"Closing for {job}")).to_have_value("1250.00")
    finally:
        context.close()


def test_eod_reminders_copy_text_and_image(browser: Browser, server: LiveServer) -> None:
    context = new_context(browser, server, WIDE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base_url)
    try:
        page = context.new_page()
        sign_in(page, *OWNER)
        page.goto(f"/jobs/reminders?date={TOMORROW}&kind=eod")
        row = page.locator("[data-reminder]").first
        expect(row.locator("svg text").first).to_have_text("1")  # the numbered pins are drawn
        row.get_by_role("button", name="📋 Copy Text").click()
        expect(row.get_by_role("button", name="Copied ✓")).to_be_visible()
        text = page.evaluate("navigator.clipboard.readText()")
        assert text.startswith("Reminder for Tomorrow.\n\n1. JOB-")
        expect(row.locator("[data-copy]")).to_have_text("📋 Copy Text")  # the flash is over
        row.locator("[data-copy-image]").click()
        expect(row.locator("[data-copy-image]")).to_have_text("Copied ✓")
        types = page.evaluate("navigator.clipboard.read().then(items => items.flatMap(i => i.types))")
        assert "image/png" in types
    finally:
        context.close()


@pytest.mark.parametrize(("size", "viewport"), [("1280", WIDE), ("390", NARROW)])
def test_pages_at_both_widths(browser: Browser, server: LiveServer, size: str, viewport: ViewportSize) -> None:
    context = new_context(browser, server, viewport)
    try:
        page = context.new_page()
        sign_in(page, *OWNER)
        page.goto("/finance")
        expect(page.get_by_role("heading", name="Finance")).to_be_visible()
        _no_sideways_scroll(page)
        _shot(page, f"jobs-finance-{size}")
        page.goto(f"/jobs/reminders?date={TOMORROW}&kind=eod")
        expect(page.locator("[data-reminder] svg").first).to_be_visible()
        _no_sideways_scroll(page)
        _shot(page, f"jobs-reminders-eod-{size}")
        page.goto(f"/jobs/reminders?date={TOMORROW}&kind=morning")
        expect(page.locator("[data-reminder] svg").first).to_be_visible()
        _shot(page, f"jobs-reminders-morning-{size}")
        page.goto("/jobs/import")
        expect(page.get_by_role("heading", name="📥 Import jobs from Workiz")).to_be_visible()
        _no_sideways_scroll(page)
        _shot(page, f"jobs-import-{size}")
    finally:
        context.close()


def test_the_import_page_reads_maps_and_imports(browser: Browser, server: LiveServer, tmp_path) -> None:
    context = new_context(browser, server, WIDE)
    try:
        page = context.new_page()
        sign_in(page, *OWNER)
        page.goto("/jobs/import")
        sheet = tmp_path / "workiz.csv"
        sheet.write_text(
            "Job #,Client,Scheduled,Phone,Status,Tech,Address,City,State,Zip,Source,Type\n"
            "BW-1,Ana Lopez,11/30/2026 9:00 AM,(718) 555-0101,Scheduled,Somebody New,5 Court St,Brooklyn,NY,11201,"
            "GDQ Leads,Garage Door Repair\n"
            "BW-2,Ben Cho,not a date,(718) 555-0102,Done,,6 Court St,Brooklyn,NY,11201,GDQ Leads,Garage Door Repair\n"
        )
        page.locator("input[type=file]").set_input_files(str(sheet))
        page.get_by_role("button", name="Read the file").click()
        expect(page.get_by_text("2 rows for")).to_be_visible()
        expect(page.get_by_text("Somebody New →")).to_be_visible()  # the unmatched Tech, once
        _shot(page, "jobs-import-mapping-1280")
        page.get_by_role("button", name="Import Jobs").click()
        expect(page.get_by_text("Done: 1 job created, 1 skipped.")).to_be_visible()
        expect(page.get_by_text("Row 3: unreadable date 'not a date'", exact=True)).to_be_visible()
        _shot(page, "jobs-import-done-1280")
    finally:
        context.close()

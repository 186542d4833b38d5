"""In a real browser: the lead record in the queue's slide-in panel (open from a row, work it, close it
with Escape and with Back, the live queue leaving it alone; a phone-width look), and lead sources
reordered by dragging."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, PHONE, browser, new_context, server, sign_in  # noqa: F401 (fixtures)
from tests.browser.test_browser_leads import post_lead, source_token
from tests.browser_support import LiveServer

pytestmark = pytest.mark.browser


def open_row_by_its_office_cell(page: Page, display: str) -> None:
    page.locator(f'tr[data-lead="{display}"] td').first.click()  # not a link: the row itself


def test_a_lead_opens_in_the_panel_and_is_worked_there(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server)
    page = context.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    display = post_lead(server, {"name": "Panel Penny", "phone": "3057942213", "office": "Garage"})
    page.goto("/leads")
    row = page.locator(f'tr[data-lead="{display}"]')
    panel = page.locator("#lead-panel")
    expect(panel).to_be_hidden()

    open_row_by_its_office_cell(page, display)
    expect(panel).to_be_visible()
    expect(page).to_have_url(re.compile(f"/leads/{display}$"))
    title = panel.locator("#lead-panel-title")
    expect(title).to_contain_text("Panel Penny")
    expect(title).to_be_focused()
    expect(page.get_by_role("dialog", name=re.compile("Panel Penny"))).to_be_visible()
    expect(row).to_have_class(re.compile(r"\bis-open\b"))
    expect(page.locator("h1")).to_have_text(re.compile("^Leads"))  # still the queue underneath

    # claim and log a call inside the panel: it re-renders in place, the URL and the queue stay
    panel.get_by_role("button", name=re.compile("claim")).click()
    expect(panel.locator(".flash")).to_contain_text("Claimed")
    expect(panel.locator(".facts")).to_contain_text("+13057942213")
    expect(row).to_contain_text("+13057942213", timeout=15_000)  # the queue row catches up (no reload)
    panel.get_by_role("button", name=re.compile("Tried to call")).click()
    expect(panel.locator(".flash")).to_contain_text("Call logged")
    expect(panel.locator(".timeline")).to_contain_text("Call attempt #1 — next try")
    expect(page).to_have_url(re.compile(f"/leads/{display}$"))
    page.screenshot(path=str(ARTIFACTS / "lead-panel-agent-desktop.png"))

    # a new lead arriving refreshes the table, never the open panel
    panel.get_by_label("Add a note").fill("Typing while the queue moves")
    newcomer = post_lead(server, {"name": "Newcomer Ned", "phone": "3057942299", "office": "Garage"})
    expect(page.locator(f'tr[data-lead="{newcomer}"]')).to_be_visible(timeout=15_000)
    expect(panel.get_by_label("Add a note")).to_have_value("Typing while the queue moves")
    expect(row).to_have_class(re.compile(r"\bis-open\b"))  # the swapped-in table still marks it

    # Escape closes it: back to the queue's URL, focus back on the row
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/leads$"))
    expect(row.locator("td.name-cell a")).to_be_focused()
    expect(row).not_to_have_class(re.compile(r"\bis-open\b"))

    # the Open button, then the browser's Back and Forward
    row.get_by_role("link", name="Open").click()
    expect(panel).to_be_visible()
    expect(page).to_have_url(re.compile(f"/leads/{display}$"))
    page.go_back()
    expect(panel).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/leads$"))
    expect(row.get_by_role("link", name="Open")).to_be_focused()
    page.go_forward()
    expect(panel).to_be_visible()
    expect(panel.locator("#lead-panel-title")).to_contain_text("Panel Penny")

    # another row while one is open: the panel follows, and one Back still returns to the queue
    page.locator(f'tr[data-lead="{newcomer}"]').get_by_role("link", name="Newcomer Ned").click()
    expect(panel.locator("#lead-panel-title")).to_contain_text("Newcomer Ned")
    expect(page).to_have_url(re.compile(f"/leads/{newcomer}$"))
    page.get_by_role("button", name=re.compile("Close the lead")).click()
    expect(panel).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/leads$"))

    # the full page is still the full page
    page.goto(f"/leads/{display}")
    expect(page.locator("h1")).to_contain_text("Panel Penny")
    expect(page.locator("#lead-panel")).to_have_count(0)
    context.close()


def test_the_panel_covers_a_phone_screen(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server, PHONE)
    page = context.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    page.goto("/leads")
    first = page.locator("tr[data-lead]").first
    first.get_by_role("link", name="Open").click()
    panel = page.locator("#lead-panel")
    expect(panel.locator("#lead-panel-title")).to_be_visible()
    panel.evaluate("el => Promise.all(el.getAnimations().map(a => a.finished))")  # the slide-in has finished
    box = panel.bounding_box()
    assert box and round(box["x"]) == 0 and round(box["width"]) == PHONE["width"], box
    page.screenshot(path=str(ARTIFACTS / "lead-panel-agent-phone.png"))
    page.get_by_role("button", name=re.compile("Close the lead")).click()
    expect(panel).to_be_hidden()
    context.close()


def test_without_javascript_the_rows_link_to_the_page(browser, server: LiveServer) -> None:  # noqa: F811
    context = browser.new_context(base_url=server.base_url, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    page.goto("/leads")
    page.locator("tr[data-lead]").first.locator("td.name-cell a").click()
    expect(page).to_have_url(re.compile(r"/leads/L-\d+$"))
    expect(page.locator("h1")).to_be_visible()
    context.close()


def test_the_owner_drags_a_source_into_a_new_order(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server)
    page = context.new_page()
    sign_in(page, "owner@porchlight.test", "owner-demo-pass")
    page.goto("/maintenance/sources")
    cards = page.locator("#source-list .source-row")

    def order() -> list[str]:
        return [c.get_attribute("data-source") or "" for c in cards.all()]

    start = order()
    moving = start[2]
    handle = page.locator(f'.source-row[data-source="{moving}"] .drag-handle')
    expect(handle).to_be_visible()
    handle.drag_to(page.locator(f'.source-row[data-source="{start[0]}"]'), target_position={"x": 200, "y": 8})
    expect(page.locator("#source-order-status")).to_have_text("Order saved.")
    wanted = [moving, start[0], start[1], *start[3:]]
    assert order() == wanted
    expect(page.locator(f'.source-row[data-source="{moving}"] button[value="up"]')).to_be_disabled()
    page.screenshot(path=str(ARTIFACTS / "sources-dragged-owner-desktop.png"))

    page.reload()
    assert order() == wanted
    # the arrows still work (the keyboard way) and agree with the dragged order
    with page.expect_navigation():
        page.locator(f'.source-row[data-source="{moving}"] button[value="down"]').click()
    assert order() == [start[0], moving, start[1], *start[3:]]
    context.close()


def test_a_leads_fee_shows_as_a_pill_beside_its_source_in_the_row_and_the_panel(
    browser,  # noqa: F811
    server: LiveServer,  # noqa: F811
) -> None:
    context = new_context(browser, server)
    page = context.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    response = httpx.post(
        server.url(f"/webhook/s/{source_token(server, 'angi')}"),
        json={"name": "Fee Fiona", "phone": "3057942213", "office": "Garage", "fee": "42.50"},
        timeout=10,
    )
    display = response.json()["lead_id"]
    page.goto("/leads")
    row = page.locator(f'tr[data-lead="{display}"]')
    fee = row.locator(".pill-fee")
    expect(fee).to_have_text("💵 $42.50")
    source = row.locator(".source-pill")
    assert fee.bounding_box()["y"] == pytest.approx(source.bounding_box()["y"], abs=4)  # beside it, not below
    row.screenshot(path=str(ARTIFACTS / "lead-fee-queue-row.png"))
    open_row_by_its_office_cell(page, display)
    panel = page.locator("#lead-panel")
    expect(panel.locator(".lede .pill-fee")).to_have_text("💵 $42.50")
    panel.locator("header").screenshot(path=str(ARTIFACTS / "lead-fee-panel.png"))
    context.close()

"""The leads queue in a real browser: a webhook lead appears without a reload, an agent works it and
converts it into a customer, a second lead from the same phone is linked to that customer, an admin
returns it to leads, archives and restores it."""

from __future__ import annotations

import re
import sqlite3

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, server, sign_in  # noqa: F401 (fixtures)
from tests.browser_support import LiveServer

pytestmark = pytest.mark.browser


def source_token(live: LiveServer, key: str) -> str:
    conn = sqlite3.connect(str(live.db_path))
    try:
        return conn.execute("SELECT webhook_token FROM lead_sources WHERE key = ?", (key,)).fetchone()[0]
    finally:
        conn.close()


def post_lead(live: LiveServer, body: dict) -> str:
    response = httpx.post(live.url(f"/webhook/s/{source_token(live, 'yelp')}"), json=body, timeout=10)
    response.raise_for_status()
    return response.json()["lead_id"]


def test_a_webhook_lead_appears_live_and_is_worked_to_an_outcome(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server)
    page: Page = context.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    page.goto("/leads")
    display = post_lead(server, {"name": "Live Lou", "phone": "3057942213", "office": "Garage"})
    row = page.locator(f'tr[data-lead="{display}"]')
    expect(row).to_be_visible(timeout=15_000)  # the page polls; no reload
    expect(page).to_have_title(re.compile(r"^\(1\) Leads"))
    assert "•" in row.locator("td").nth(3).inner_text()  # fresh: number hidden until claimed

    row.get_by_role("link", name="Live Lou").click()
    page.get_by_role("button", name=re.compile("claim")).click()
    expect(page.locator(".flash")).to_contain_text("Claimed")
    expect(page.locator(".facts")).to_contain_text("+13057942213")
    expect(page.locator(".warn-hours")).to_have_count(0)  # the server's clock says 1 PM in New York
    page.get_by_role("button", name=re.compile("Tried to call")).click()
    expect(page.locator(".timeline")).to_contain_text("Call attempt #1 — next try")
    expect(page.locator(".facts")).not_to_contain_text("Next contact\n—")
    expect(page.get_by_label("Status").locator("option[value=converted]")).to_have_count(0)  # Convert does that

    # Convert: the panel opens in place (htmx) with what it found, then lands on the new customer
    page.get_by_role("link", name="Convert…").click()
    panel = page.locator("#convert-panel")
    expect(panel).to_contain_text("No existing customer has this lead's phone number or email")
    panel.get_by_role("button", name="Create new customer").click()
    expect(page).to_have_url(re.compile(r"/clients/C-\d+$"))
    customer = page.url.rsplit("/", 1)[1]
    expect(page.locator(".flash")).to_contain_text(f"{display} converted into a new customer {customer}")
    expect(page.locator("h1")).to_contain_text("Live Lou")
    expect(page.locator(".facts").first).to_contain_text("+13057942213")
    expect(page.locator(".linked-leads")).to_contain_text(display)
    page.screenshot(path=str(ARTIFACTS / "client-agent-desktop.png"), full_page=True)
    page.goto(f"/leads/{display}")
    expect(page.locator(".converted-banner")).to_contain_text(f"Converted into customer {customer}")
    expect(page.locator(".new-job")).to_contain_text("Live Lou")  # Garage books jobs in Porchlight
    page.screenshot(path=str(ARTIFACTS / "lead-converted-agent-desktop.png"), full_page=True)

    # the same caller again: the Convert panel offers the customer they already are
    again = post_lead(server, {"name": "Lou (again)", "phone": "305-794-2213", "office": "Garage"})
    page.goto(f"/leads/{again}")
    page.get_by_role("link", name="Convert…").click()
    expect(panel).to_contain_text("Same phone")
    page.screenshot(path=str(ARTIFACTS / "convert-candidates-agent-desktop.png"), full_page=True)
    panel.get_by_role("button", name=f"Link to {customer}").click()
    expect(page).to_have_url(re.compile(f"/clients/{customer}$"))
    expect(page.locator(".linked-leads li")).to_have_count(2)
    context.close()

    admin = new_context(browser, server)
    page = admin.new_page()
    sign_in(page, "admin@porchlight.test", "admin-demo-pass")
    page.goto("/leads?archived=1")
    row = page.locator(f'tr[data-lead="{display}"]')
    page.screenshot(path=str(ARTIFACTS / "leads-archived-admin-desktop.png"), full_page=True)
    row.get_by_role("link", name=customer).click()  # converted rows link to their customer
    expect(page).to_have_url(re.compile(f"/clients/{customer}$"))
    page.goto(f"/leads/{again}")
    page.get_by_role("button", name="Return to leads").click()
    expect(page.locator(".flash")).to_contain_text("Back in the leads queue")
    expect(page.locator(".lede")).to_contain_text("Not yet scheduled")
    display = again
    page.get_by_role("button", name="Archive").click()
    page.locator("dialog.confirm-dialog").get_by_role("button", name="Confirm").click()  # seed 002: Confirm
    expect(page.locator(".archived-banner")).to_contain_text("archived")
    page.goto("/leads")
    expect(page.locator(f'tr[data-lead="{display}"]')).to_have_count(0)
    page.goto(f"/leads/{display}")
    page.get_by_role("button", name="Restore to the queue").click()
    page.goto("/leads")
    expect(page.locator(f'tr[data-lead="{display}"]')).to_be_visible()
    admin.close()

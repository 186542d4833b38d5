"""The leads queue in a real browser: a webhook lead appears without a reload, an agent works it,
an admin archives and restores it."""

from __future__ import annotations

import re
import sqlite3

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser_support import LiveServer
from tests.test_browser import browser, new_context, server, sign_in  # noqa: F401 (fixtures)

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
    page.get_by_role("button", name=re.compile("Tried to call")).click()
    expect(page.locator(".timeline")).to_contain_text("Call attempt #1 by Ava Agent")
    expect(page.locator(".facts")).not_to_contain_text("Next contact\n—")
    page.get_by_label("Status").select_option("converted")
    page.get_by_role("button", name="Save status").click()
    expect(page.locator(".lede")).to_contain_text("Converted")
    context.close()

    admin = new_context(browser, server)
    page = admin.new_page()
    sign_in(page, "admin@porchlight.test", "admin-demo-pass")
    page.goto(f"/leads/{display}")
    page.get_by_role("button", name="Archive").click()
    expect(page.locator(".notice")).to_contain_text("archived")
    page.goto("/leads")
    expect(page.locator(f'tr[data-lead="{display}"]')).to_have_count(0)
    page.goto(f"/leads/{display}")
    page.get_by_role("button", name="Restore to the queue").click()
    page.goto("/leads")
    expect(page.locator(f'tr[data-lead="{display}"]')).to_be_visible()
    admin.close()

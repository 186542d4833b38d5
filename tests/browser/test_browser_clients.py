"""The clients list and the open-records tray in a real browser: an agent finds a client by search,
pins it, pins a lead too, switches between them from the tray, and unpins."""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, PHONE, browser, new_context, server, sign_in  # noqa: F401 (fixtures)
from tests.browser.test_browser_leads import post_lead
from tests.browser_support import LiveServer

pytestmark = pytest.mark.browser

PEOPLE = (
    ("Harriet Henderson", "", "3055550142", "harriet.h@example.com", "14 Palm Way", "33145", ("vip",)),
    (
        "Acme Doors LLC",
        "Acme Doors LLC",
        "7865550199",
        "office@acmedoors.test",
        "900 Bay Blvd",
        "33131",
        ("commercial",),
    ),
    ("Luis Rivera", "", "9545550123", "luis.rivera@example.com", "71 Oak Ave", "33301", ("warranty", "spanish")),
    ("Nguyen Family", "", "4075550111", "nguyen@example.com", "5 Cedar Ln", "32801", ()),
    ("Sofia Martinez", "", "8135550177", "sofia.m@example.com", "", "", ("gate code",)),
    ("Bayview HOA", "Bayview HOA", "3055550188", "board@bayview.test", "1 Bay Blvd", "33139", ("commercial", "vip")),
)


def add_customers(live: LiveServer) -> None:
    """A few customers in Garage, straight into the server's database (as conversions would leave them)."""
    conn = sqlite3.connect(str(live.db_path))
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        garage = conn.execute("SELECT id FROM offices WHERE name = 'Garage'").fetchone()[0]
        start = conn.execute("SELECT COALESCE(MAX(id), 1000) FROM customers").fetchone()[0] + 1
        stamp = "2026-11-20T10:00:00.000Z"
        for n, (name, company, last10, email, address, zip_code, tags) in enumerate(PEOPLE):
            cid = start + n
            conn.execute(
                "INSERT INTO customers (id, display_id, office_id, name, kind, company, status, source, phone,"
                " phone_last10, email, address, zip, quickbooks_customer_id, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 'yelp', ?, ?, ?, ?, ?, ?, ?, ?)",
                (cid, f"C-{cid}", garage, name, "company" if company else "private", company,
                 "dormant" if n == 3 else "active", f"+1{last10}", last10, email, address, zip_code,
                 str(5000 + n) if n % 2 == 0 else None, stamp, stamp),
            )  # fmt: skip
            conn.execute(
                "INSERT INTO customer_contacts (customer_id, name, phone, phone_last10, email, is_primary, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
                (cid, name, f"+1{last10}", last10, email, stamp, stamp),
            )
            for tag in tags:
                conn.execute(
                    "INSERT INTO customer_tags (customer_id, tag, created_at) VALUES (?, ?, ?)", (cid, tag, stamp)
                )
        conn.commit()
    finally:
        conn.close()


def test_find_a_client_pin_it_and_switch_from_the_tray(browser, server: LiveServer) -> None:  # noqa: F811
    add_customers(server)
    context = new_context(browser, server)
    page: Page = context.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    page.goto("/clients")
    expect(page.locator("h1")).to_have_text("Clients")
    expect(page.locator(".pager")).to_contain_text(re.compile(r"1–\d+ of \d+ clients"))
    page.screenshot(path=str(ARTIFACTS / "clients-agent-desktop.png"), full_page=True)

    # find by a phone fragment, typed the way people type it
    page.get_by_label("Search").fill("(305) 555-0142")
    page.get_by_role("button", name="Apply").click()
    rows = page.locator("tr[data-client]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Harriet Henderson")
    page.get_by_label("Search").fill("commercial")  # a tag
    page.get_by_role("button", name="Apply").click()
    expect(rows).to_have_count(2)
    page.get_by_label("Search").fill("henders")
    page.get_by_role("button", name="Apply").click()
    rows.first.get_by_role("link", name="Harriet Henderson").click()
    expect(page).to_have_url(re.compile(r"/clients/C-\d+$"))
    client_url = page.url
    page.get_by_role("button", name="Pin to tray").click()
    expect(page.locator(".flash")).to_contain_text("is in your tray")
    tray = page.get_by_role("navigation", name="Open records")
    expect(tray).to_contain_text("Harriet Henderson")
    expect(page.get_by_role("button", name="Unpin", exact=True)).to_be_visible()

    # pin a lead as well, then switch back to the client from the tray in one click
    lead = post_lead(server, {"name": "Pat Pinned", "phone": "3057942299", "office": "Garage"})
    page.goto(f"/leads/{lead}")
    lead_url = page.url
    page.get_by_role("button", name="Pin to tray").click()
    expect(tray.locator(".tray-item")).to_have_count(2)
    page.goto("/clients?status=dormant")
    expect(page.locator("tr[data-client]")).to_have_count(1)
    page.screenshot(
        path=str(ARTIFACTS / "clients-tray-desktop.png"), clip={"x": 0, "y": 0, "width": 1280, "height": 330}
    )
    tray.get_by_role("link", name=re.compile("Harriet Henderson")).click()
    expect(page).to_have_url(client_url)
    expect(tray.locator(".tray-item.here")).to_contain_text("Harriet Henderson")
    tray.get_by_role("link", name=re.compile("Lead")).click()
    expect(page).to_have_url(lead_url)

    # the tray is the user's: it is still there after signing out and in again
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    page.goto("/clients")
    expect(tray.locator(".tray-item")).to_have_count(2)
    tray.get_by_role("button", name=re.compile("Unpin .*Harriet Henderson")).click()
    expect(page).to_have_url(re.compile(r"/clients$"))
    expect(tray.locator(".tray-item")).to_have_count(1)
    context.close()

    phone = new_context(browser, server, viewport=PHONE)
    small = phone.new_page()
    sign_in(small, "agent@porchlight.test", "agent-demo-pass")
    small.goto("/clients")
    expect(small.locator("tr[data-client]").first).to_be_visible()
    small.screenshot(path=str(ARTIFACTS / "clients-agent-phone.png"), full_page=True)
    phone.close()

"""Billing and the QuickBooks matches queue in a real browser, after a real import through the CLI:
the owner reads /billing, changes an estimate's status (written to the fake Intuit), works the
matches queue, and sees the QuickBooks panel on a linked customer. Screenshots of each page, desktop
and phone."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, sign_in  # noqa: F401 (fixtures)
from tests.browser.test_browser_quickbooks import quickbooks_server
from tests.browser_support import _run_cli, require_chromium, server_clock
from tests.fakes.quickbooks import FakeQuickBooks

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
# The deepest elements sticking out past the right edge, to name what overflows.
WIDE = """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1
  && ![...e.children].some(c => c.getBoundingClientRect().right > innerWidth + 1))
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeQuickBooks]:
    require_chromium()
    server = FakeQuickBooks(now=server_clock().now).seed_fixtures().start()
    try:
        yield server
    finally:
        server.stop()


def add_customers(db_path: Path) -> None:
    """Two of ours before the import: Ada shares QuickBooks' e-mail (auto-linked), Carmen only a name."""
    conn = sqlite3.connect(str(db_path))
    try:
        office = conn.execute("SELECT id FROM offices ORDER BY id LIMIT 1").fetchone()[0]
        start = conn.execute("SELECT coalesce(max(id), 1000) FROM customers").fetchone()[0] + 1
        now = "2026-11-20T12:00:00.000Z"
        for n, (name, email) in enumerate((("Ada L.", "ada@example.com"), ("Carmen Ortiz Ramos", "")), start):
            conn.execute(
                "INSERT INTO customers (id, display_id, office_id, name, email, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (n, f"C-{n}", office, name, email, now, now),
            )
            conn.execute(
                "INSERT INTO customer_contacts (customer_id, name, email, is_primary, created_at, updated_at)"
                " VALUES (?, ?, ?, 1, ?, ?)",
                (n, name, email, now, now),
            )
        conn.commit()
    finally:
        conn.close()


def test_the_owner_reads_billing_and_works_the_matches(browser, fake, tmp_path_factory) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    workdir = tmp_path_factory.mktemp("billing-live")
    with quickbooks_server(workdir, fake) as (server, env):
        add_customers(server.db_path)
        context = new_context(browser, server)
        page: Page = context.new_page()
        sign_in(page, "owner@porchlight.test", "owner-demo-pass")
        page.goto("/maintenance/quickbooks")
        page.get_by_role("link", name="Connect QuickBooks").click()
        expect(page.locator(".flash")).to_contain_text("Connected to Porchlight Test Plumbing")
        page.get_by_role("button", name="Start import").click()
        ticks = []
        for _ in range(3):
            ticks.append(json.loads(_run_cli(["cron", "run", "quickbooks-import"], env, workdir)))
            if ticks[-1].get("completed"):
                break
        assert ticks[-1].get("completed") and sum(t.get("linked", 0) for t in ticks) == 1, ticks

        page.get_by_role("navigation").get_by_role("link", name="Billing").click()
        expect(page.get_by_role("heading", name="Billing", exact=True)).to_be_visible()
        expect(page.locator(".billing-tiles")).to_contain_text("$1,296.00")
        expect(page.locator("#estimates")).to_contain_text("#1004")
        expect(page.get_by_role("link", name=re.compile("Open in QuickBooks")).first).to_have_attribute(
            "href", re.compile(r"^https://app\.sandbox\.qbo\.intuit\.com/app/estimate\?txnId=")
        )
        page.screenshot(path=str(ARTIFACTS / "billing-owner-desktop.png"), full_page=True)

        # Accept estimate 1002 (QuickBooks id 101): written to the fake at once.
        page.get_by_label("Status of estimate 1002").select_option("Accepted")
        page.locator('tr[data-estimate="101"]').get_by_role("button", name="Save").click()
        expect(page.locator(".flash")).to_contain_text("QuickBooks saved the estimate as Accepted")
        assert fake.objects["Estimate"]["101"]["TxnStatus"] == "Accepted"
        expect(page.get_by_label("Status of estimate 1002")).to_have_value("Accepted")

        page.goto("/clients")
        page.get_by_role("link", name="QuickBooks matches").click()
        expect(page.get_by_role("heading", name="QuickBooks matches")).to_be_visible()
        carmen = page.locator("#qb-3")
        expect(carmen).to_contain_text("Carmen Ortiz Ramos")
        expect(carmen).to_contain_text("similar name")
        page.screenshot(path=str(ARTIFACTS / "quickbooks-matches-owner-desktop.png"), full_page=True)
        carmen.locator(".candidates").get_by_role("button", name="Link").click()
        expect(page.locator(".flash")).to_contain_text("Linked to C-")
        expect(page.locator("#qb-3")).to_have_count(0)

        page.goto("/clients/quickbooks-matches?state=linked")
        ada = page.locator("#qb-1")
        expect(ada).to_contain_text("Ada L.")
        ada.get_by_role("link", name=re.compile("Ada L")).click()
        expect(page.locator("#quickbooks")).to_contain_text("Ada Lovelace")
        expect(page.locator("#quickbooks")).to_contain_text("#1001")
        page.locator("#quickbooks").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "customer-quickbooks-panel-owner-desktop.png"), full_page=True)

        phone = new_context(browser, server, viewport=PHONE)
        small = phone.new_page()
        sign_in(small, "finance@porchlight.test", "finance-admin-demo-pass")
        small.goto("/billing")
        expect(small.locator("#estimates")).to_be_visible()
        small.screenshot(path=str(ARTIFACTS / "billing-finance-phone.png"), full_page=True)
        width = small.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"billing overflows a phone: {width}px {small.evaluate(WIDE)}"
        small.goto("/clients/quickbooks-matches?state=all")
        small.screenshot(path=str(ARTIFACTS / "quickbooks-matches-finance-phone.png"), full_page=True)
        width = small.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, f"matches overflow a phone: {width}px {small.evaluate(WIDE)}"
        phone.close()
        context.close()

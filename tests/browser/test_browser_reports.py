"""Reports in a real browser: the page renders for the owner and an agent, its charts are SVG with a
data table behind each, the filters narrow it, and print hides the chrome. Screenshots at desktop and
phone widths go to tests/artifacts/ for a person to look at."""

from __future__ import annotations

import random
import sqlite3
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, DESKTOP, PHONE, browser, new_context, server, sign_in  # noqa: F401
from tests.browser_support import LiveServer

pytestmark = pytest.mark.browser

SOURCES = ("facebook", "google", "yelp", "angi", "website", "bookback")
STATUSES = ("fresh", "needs_follow_up", "not_yet_scheduled", "converted", "converted", "irrelevant")


def seed_month(live: LiveServer) -> None:
    """Three weeks of leads and what people did with them, straight into the live file (the rollup
    triggers count them as they would any write)."""
    rng = random.Random(7)
    now = live.now()
    conn = sqlite3.connect(str(live.db_path))
    try:
        offices = [r[0] for r in conn.execute("SELECT id FROM offices ORDER BY id")]
        staff = [r[0] for r in conn.execute("SELECT id FROM users WHERE role IN ('agent', 'admin', 'owner')")]
        for n in range(120):
            created = now - timedelta(minutes=rng.randrange(0, 21 * 24 * 60))
            status = rng.choice(STATUSES)
            answered = created + timedelta(minutes=rng.randrange(2, 240)) if status != "fresh" else None
            stamp = created.strftime("%Y-%m-%dT%H:%M:%S.000Z")
            lead_id = 90_000 + n
            conn.execute(
                "INSERT INTO leads (id, display_id, office_id, source_key, status, name, received_at, created_at,"
                " updated_at, call_count, first_response_at, next_contact_at, archived_at, customer_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                (
                    lead_id,
                    f"L-{lead_id}",
                    rng.choice(offices),
                    rng.choice(SOURCES),
                    status,
                    f"Browser Lead {n}",
                    stamp,
                    stamp,
                    stamp,
                    rng.randrange(0, 4) if status != "fresh" else 0,
                    answered.strftime("%Y-%m-%dT%H:%M:%S.000Z") if answered else None,
                    stamp if status in ("needs_follow_up", "not_yet_scheduled") else None,
                    stamp if status == "converted" else None,
                ),
            )
            if answered and answered < now:
                office = conn.execute("SELECT office_id FROM leads WHERE id = ?", (lead_id,)).fetchone()[0]
                action = "lead.converted" if status == "converted" else "lead.call_attempt"
                conn.execute(
                    "INSERT INTO audit_log (created_at, actor_user_id, actor_label, office_id, action, summary, meta)"
                    " VALUES (?, ?, 'Staff', ?, ?, 'seeded', json_object('lead', ?))",
                    (answered.strftime("%Y-%m-%dT%H:%M:%S.000Z"), rng.choice(staff), office, action, f"L-{lead_id}"),
                )
        conn.execute(
            "INSERT INTO customers (display_id, office_id, name, source, created_at, updated_at)"
            " VALUES ('C-9001', ?, 'Sam Sourceless', '', ?, ?)",
            (offices[0], now.strftime("%Y-%m-%dT%H:%M:%S.000Z"), now.strftime("%Y-%m-%dT%H:%M:%S.000Z")),
        )
        conn.commit()
    finally:
        conn.close()


def shot(page: Page, name: str, size: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"reports-{name}-{size}.png"), full_page=True)


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)], ids=["desktop", "phone"])
def test_the_report_renders_for_owner_and_agent(browser, server: LiveServer, size, viewport) -> None:  # noqa: F811
    if size == "desktop":
        seed_month(server)
    owner = new_context(browser, server, viewport)
    try:
        page = owner.new_page()
        sign_in(page, "owner@porchlight.test", "owner-demo-pass")
        page.goto("/reports?period=month")
        expect(page.locator("h1")).to_have_text("Reports")
        expect(page.locator("#report-leads .report-tiles .tile")).to_have_count(12)
        expect(page.locator('svg.chart:not([id^="jobs_by_"] svg)')).to_have_count(8)  # Jobs: its own test
        expect(page.locator("#quickbooks")).to_contain_text("QuickBooks is not connected")
        expect(page.locator('#quickbooks a[href="/maintenance/quickbooks"]')).to_be_visible()
        expect(page.locator("#missing_source")).to_contain_text("Sam Sourceless")
        page.screenshot(path=str(ARTIFACTS / f"reports-owner-{size}-top.png"))
        source_table = page.locator("#source_mix details.chart-data")
        source_table.locator("summary").click()
        expect(source_table.locator("tbody tr").first).to_be_visible()
        expect(page.locator('#source_mix a[href^="/reports/export/source_mix.csv"]')).to_be_visible()
        shot(page, "owner", size)
        for chart in ("source_mix", "status_by_day"):
            page.locator(f"#{chart}").screenshot(path=str(ARTIFACTS / f"reports-{chart}-{size}.png"))
        # One office only, the whole year: the lede and the office filter follow.
        page.goto("/reports?period=year&offices=1")
        expect(page.locator(".lede")).to_contain_text("Year to date")
        expect(page.locator("#leads_by_office tbody tr")).to_have_count(1)
        if size == "desktop":
            page.emulate_media(media="print")
            expect(page.locator(".topbar")).to_be_hidden()
            expect(page.locator("#report-filters")).to_be_hidden()
            shot(page, "owner-print", size)
            page.emulate_media(media="screen")
    finally:
        owner.close()

    agent = new_context(browser, server, viewport)
    try:
        page = agent.new_page()
        sign_in(page, "agent@porchlight.test", "agent-demo-pass")
        page.goto("/reports")
        expect(page.locator("h1")).to_have_text("Reports")
        expect(page.locator("#quickbooks")).to_contain_text("company-wide")
        expect(page.locator("#leads_by_office tbody tr")).to_have_count(1)  # Garage only
        expect(page.locator("#leads_by_office")).not_to_contain_text("Sliding")
        shot(page, "agent", size)
    finally:
        agent.close()

"""Seed 001's workflow in a real browser: switch the queue views (plain links), add a photo to a lead
and walk its review request to "received"; screenshots at desktop and phone widths."""

from __future__ import annotations

import re
import sqlite3
import struct
import zlib
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, PHONE, browser, new_context, server, sign_in  # noqa: F401 (fixtures)
from tests.browser.test_browser_leads import post_lead
from tests.browser_support import LiveServer

pytestmark = pytest.mark.browser


def picture(width: int = 48, height: int = 32) -> bytes:
    """A small real PNG (a warm gradient), so the thumbnail visibly renders."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    rows = b"".join(
        b"\x00" + b"".join(bytes((200, 90 + 4 * x % 120, 40 + 5 * y)) for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def set_callback(live: LiveServer, display: str, status: str, at: datetime | None) -> None:
    conn = sqlite3.connect(str(live.db_path))
    try:
        conn.execute(
            "UPDATE leads SET status = ?, next_contact_at = ?, version = version + 1 WHERE display_id = ?",
            (status, iso(at) if at else None, display),
        )
        conn.commit()
    finally:
        conn.close()


def test_views_photos_and_a_review_request(browser, server: LiveServer, tmp_path: Path) -> None:  # noqa: F811
    now = server.now()
    new_york = ZoneInfo("America/New_York")  # the agent's office, Garage: the queue's "today"
    midnight = datetime.combine(now.astimezone(new_york).date() + timedelta(days=1), time(0), tzinfo=new_york)
    fresh = post_lead(server, {"name": "Nora Now", "phone": "3057942201", "zip": "30309", "office": "Garage"})
    tonight = post_lead(server, {"name": "Tess Today", "phone": "3057942202", "zip": "90012", "office": "Garage"})
    later = post_lead(server, {"name": "Liam Later", "phone": "3057942203", "zip": "59801", "office": "Garage"})
    set_callback(server, tonight, "needs_follow_up", now + (midnight - now) / 2)
    set_callback(server, later, "consultation_call", now + timedelta(days=3))

    for size, viewport in (("desktop", None), ("phone", PHONE)):
        context = new_context(browser, server, viewport) if viewport else new_context(browser, server)
        page: Page = context.new_page()
        sign_in(page, "agent@porchlight.test", "agent-demo-pass")
        page.goto("/leads")
        tabs = page.get_by_role("navigation", name="Queue views")
        expect(tabs.get_by_role("link", name="All")).to_have_attribute("aria-current", "page")
        tabs.get_by_role("link", name="Today").click()
        expect(page).to_have_url(re.compile(r"view=today"))
        expect(tabs.get_by_role("link", name="Today")).to_have_attribute("aria-current", "page")
        expect(page.locator(f'tr[data-lead="{tonight}"]')).to_be_visible()
        expect(page.locator(f'tr[data-lead="{fresh}"]')).to_have_count(0)
        tabs.get_by_role("link", name="Later").click()
        expect(page.locator(f'tr[data-lead="{later}"]')).to_be_visible()
        expect(page.locator(f'tr[data-lead="{tonight}"]')).to_have_count(0)
        tabs.get_by_role("link", name="Now").click()
        row = page.locator(f'tr[data-lead="{fresh}"]')
        expect(row).to_be_visible()
        if size == "desktop":
            expect(row.locator(".metro-cell")).to_have_text("Atlanta, GA")
            # the view survives the filter form, and the filters survive a tab switch
            page.get_by_label("Search").fill("Nora")
            page.get_by_role("button", name="Apply").click()
            expect(page).to_have_url(re.compile(r"view=now"))
            tabs.get_by_role("link", name="Today").click()
            expect(page).to_have_url(re.compile(r"q=Nora"))
            expect(page.locator("tr[data-lead]")).to_have_count(0)
            page.goto("/leads?view=now")
        page.screenshot(path=str(ARTIFACTS / f"leads-views-agent-{size}.png"), full_page=True)
        context.close()

    context = new_context(browser, server)
    page = context.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    page.goto(f"/leads/{fresh}")
    expect(page.locator(".metro")).to_have_text("Atlanta, GA")
    photo = tmp_path / "porch step.png"
    photo.write_bytes(picture())
    page.locator("#photos").get_by_label("Photo").set_input_files(str(photo))
    page.get_by_role("button", name="Add photo").click()
    expect(page.locator(".flash")).to_contain_text("Photo added")
    thumb = page.locator(".photo-grid img")
    expect(thumb).to_have_count(1)
    expect(thumb).to_have_attribute("alt", "porch step.png")
    page.wait_for_function("() => document.querySelector('.photo-grid img').naturalWidth === 48")  # really served
    expect(page.locator(".timeline")).to_contain_text("Photo “porch step.png” added")

    # a bad file is refused with a reason and nothing is added
    fake = tmp_path / "not a photo.png"
    fake.write_bytes(b"<html>nope</html>")
    page.locator("#photos").get_by_label("Photo").set_input_files(str(fake))
    page.get_by_role("button", name="Add photo").click()
    expect(page.locator(".flash")).to_contain_text("Only photos are accepted")
    expect(page.locator(".photo-grid img")).to_have_count(1)

    # review request: set the next action, then requested → received
    page.locator(".edit-block > summary").click()
    page.get_by_label("Next action").select_option("review_request")
    page.get_by_role("button", name="Save details").click()
    review = page.locator("#review")
    expect(review).to_contain_text("Not yet")
    review.get_by_role("button", name="Mark review requested").click()
    expect(review.locator("li.done")).to_contain_text("Ava Agent")
    page.screenshot(path=str(ARTIFACTS / "lead-photos-review-requested-agent-desktop.png"), full_page=True)
    review.get_by_role("button", name="Review received").click()
    expect(review.locator("li.done")).to_have_count(2)
    expect(page.locator(".timeline")).to_contain_text("Review received — Ava Agent")
    page.screenshot(path=str(ARTIFACTS / "lead-photos-review-agent-desktop.png"), full_page=True)
    context.close()

    phone = new_context(browser, server, PHONE)
    page = phone.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    page.goto(f"/leads/{fresh}")
    expect(page.locator(".photo-grid img")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "lead-photos-review-agent-phone.png"), full_page=True)
    phone.close()

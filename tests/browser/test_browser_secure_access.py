"""Secure access, files and the export page in a real browser: an agent saves a WiFi password on a
client, reveals it (one audit row), uploads a photo; the owner downloads the full export with its
progress line, and asks for the secure-access audit."""

from __future__ import annotations

import re
import sqlite3

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, server, sign_in  # noqa: F401 (fixtures)
from tests.browser_support import LiveServer

pytestmark = pytest.mark.browser
SECRET = "Porch-Light-5G-xyz!"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def make_client(live: LiveServer, email: str, name: str) -> str:
    conn = sqlite3.connect(str(live.db_path))
    try:
        office = conn.execute(
            "SELECT uo.office_id FROM user_offices uo JOIN users u ON u.id = uo.user_id WHERE u.email = ?", (email,)
        ).fetchone()[0]
        cid = conn.execute("SELECT COALESCE(MAX(id), 1000) + 1 FROM customers").fetchone()[0]
        conn.execute(
            "INSERT INTO customers (id, display_id, office_id, name, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, '2026-11-22T15:00:00.000Z', '2026-11-22T15:00:00.000Z')",
            (cid, f"C-{cid}", office, name),
        )
        conn.commit()
        return f"C-{cid}"
    finally:
        conn.close()


def audit_count(live: LiveServer, action: str) -> int:
    conn = sqlite3.connect(str(live.db_path))
    try:
        return conn.execute("SELECT COUNT(*) FROM audit_log WHERE action = ?", (action,)).fetchone()[0]
    finally:
        conn.close()


def test_an_agent_saves_and_reveals_a_wifi_password(browser, server: LiveServer) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    customer = make_client(server, "agent@porchlight.test", "Rosa Router")
    context = new_context(browser, server)
    page: Page = context.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    page.goto(f"/clients/{customer}")
    panel = page.locator("#secure-access")
    expect(panel).to_contain_text("No saved WiFi")  # the panel loaded itself in place

    panel.get_by_text("Add secure-access item").click()
    panel.get_by_label("Label").fill("Home WiFi")
    panel.get_by_label("Username").fill("RosaNet-5G")
    panel.get_by_label("Secret").fill(SECRET)
    panel.get_by_role("button", name="Save item").click()
    expect(panel.locator(".sa-item")).to_have_count(1)
    expect(panel).to_contain_text("RosaNet-5G")
    expect(panel).not_to_contain_text(SECRET)
    expect(panel.locator(".sa-secret")).to_contain_text("••••")

    files = page.locator("#files")
    files.locator('input[type="file"]').set_input_files(
        {"name": "router-label.png", "mimeType": "image/png", "buffer": PNG}
    )
    files.get_by_role("button", name="Upload", exact=True).click()
    expect(files.locator(".file-row")).to_contain_text("router-label.png")
    page.locator("#secure-access").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "client-secure-access-masked.png"), full_page=True)

    before = audit_count(server, "secure_access.reveal")
    panel.get_by_role("button", name="Reveal").click()
    expect(panel.locator(".sa-plain")).to_have_text(SECRET)
    assert audit_count(server, "secure_access.reveal") == before + 1
    panel.locator(".sa-item").get_by_text("Edit").click()
    expect(panel.get_by_label("Label").first).to_have_value("Home WiFi")
    page.screenshot(path=str(ARTIFACTS / "client-secure-access-revealed.png"), full_page=True)
    panel.get_by_role("button", name="Hide").click()
    expect(panel).not_to_contain_text(SECRET)
    context.close()


def test_the_owner_exports_with_a_progress_line(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server)
    page: Page = context.new_page()
    sign_in(page, "owner@porchlight.test", "owner-demo-pass")
    page.goto("/maintenance")
    page.get_by_role("link", name=re.compile("Export")).click()
    expect(page).to_have_url(re.compile(r"/maintenance/export$"))
    page.wait_for_load_state()  # exports.js (deferred) must bind before the click, or the link downloads plainly
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("workbook")).click()
    assert re.fullmatch(r"porchlight-export-\d{8}-\d{4}\.xlsx", download.value.suggested_filename)
    expect(page.locator("[data-export-status]").first).to_contain_text("Done: porchlight-export-")

    # asking for secrets without the confirmation word is refused by the page, nothing exported
    form = page.locator("form[data-export]")
    form.get_by_label("Include the secrets in clear").check()
    form.get_by_role("button", name=re.compile("Download audit")).click()
    expect(page.locator(".error")).to_contain_text("type REVEAL")
    page.screenshot(path=str(ARTIFACTS / "maintenance-export.png"), full_page=True)
    with page.expect_download() as audit:
        page.locator("form[data-export]").get_by_role("button", name=re.compile("Download audit")).click()
    assert audit.value.suggested_filename.startswith("porchlight-secure-access-audit-")
    context.close()

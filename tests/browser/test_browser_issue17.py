"""Issue 17 in a real browser: New client → New lead from it; a filtered export downloaded and read
back with openpyxl; and the small things measured where they show (the 403 numeral, the booking
builder at 390 px, wide report tables on a phone, the leads table at 1280 px). Screenshots go to
tests/artifacts/issue17-*.png."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, server, sign_in  # noqa: F401 (fixtures)
from tests.browser.test_browser_leads import post_lead
from tests.browser_support import LiveServer

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
DESKTOP_1280 = {"width": 1280, "height": 800}


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scroll)."""
    return page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")


def test_new_client_then_new_lead_from_it_then_a_filtered_export(browser, server: LiveServer, tmp_path) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    context = new_context(browser, server)
    page: Page = context.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    page.goto("/clients")
    page.locator("#new-client > summary").click()
    form = page.locator("#new-client-form")
    form.get_by_label("Name", exact=True).fill("Quinn Quarry")
    form.get_by_label("Phone").fill("(305) 555-0161")
    form.get_by_label("Email").fill("quinn@example.test")
    form.get_by_label("Address line 1").fill("41 Coral Way")
    form.get_by_label("City").fill("Miami")
    form.get_by_label("ZIP").fill("33145")
    page.screenshot(path=str(ARTIFACTS / "issue17-new-client-form.png"), full_page=True)
    form.get_by_role("button", name="Add client").click()
    expect(page).to_have_url(re.compile(r"/clients/C-\d+$"))
    expect(page.locator("h1")).to_contain_text("Quinn Quarry")
    expect(page.locator(".timeline")).to_contain_text("Customer created — Ava Agent")  # the author once
    client_id = page.url.rsplit("/", 1)[1]

    # the same phone again: the match is shown before anything is saved, and can be opened
    page.goto("/clients/new")
    page.get_by_label("Name", exact=True).fill("Quinn Q.")
    page.get_by_label("Phone").fill("305-555-0161")
    page.get_by_label("Address line 1").fill("41 Coral Way")
    page.get_by_label("ZIP").fill("33145")
    page.get_by_role("button", name="Add client").click()
    match = page.locator(f'[data-match="{client_id}"]')
    expect(match).to_contain_text("same phone")
    page.screenshot(path=str(ARTIFACTS / "issue17-new-client-duplicate.png"), full_page=True)
    match.get_by_role("link", name=f"Open {client_id}").click()
    expect(page).to_have_url(re.compile(f"/clients/{client_id}$"))

    # New lead from the record: the form is filled from the client
    page.get_by_role("link", name="New lead").click()
    expect(page).to_have_url(re.compile(rf"/leads/new\?customer={client_id}$"))
    expect(page.get_by_label("Name")).to_have_value("Quinn Quarry")
    expect(page.get_by_label("Phone")).to_have_value("+13055550161")
    expect(page.get_by_label("ZIP")).to_have_value("33145")
    expect(page.get_by_label("Address")).to_have_value("41 Coral Way, Miami, 33145")
    page.get_by_label("What they need").fill("Opener beeping")
    page.get_by_role("button", name="Create lead").click()
    expect(page).to_have_url(re.compile(r"/leads/L-\d+$"))
    expect(page.locator(".flash")).to_contain_text("Lead created")

    # search finds it by what they need; the export of that view, as Excel, read back
    post_lead(server, {"name": "Other Olga", "phone": "3057942288", "office": "Garage"})
    page.goto("/leads?q=opener")
    expect(page.locator("tr[data-lead]")).to_have_count(1)
    with page.expect_download() as download:
        page.locator('a[data-export="xlsx"]').click()
    assert re.fullmatch(r"porchlight-leads-\d{8}-\d{4}\.xlsx", download.value.suggested_filename)
    saved = tmp_path / "leads.xlsx"
    download.value.save_as(saved)
    sheet = load_workbook(saved, read_only=True).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows[0]
    assert [dict(zip(header, r, strict=True))["Name"] for r in rows[1:]] == ["Quinn Quarry"]
    assert dict(zip(header, rows[1], strict=True))["What they need"] == "Opener beeping"

    page.goto(f"/clients?q={client_id}")
    with page.expect_download() as download:
        page.locator('a[data-export="csv"]').click()
    body = download.value.path().read_text(encoding="utf-8-sig")
    assert body.splitlines()[0].startswith("Client,Name,Kind,Company,Office,Status,Primary contact,Phone,Email")
    assert f"{client_id},Quinn Quarry" in body and "Other Olga" not in body
    context.close()


def test_small_things_measured(browser, server: LiveServer) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    phone = new_context(browser, server, PHONE_390)
    page: Page = phone.new_page()
    sign_in(page, "owner@porchlight.test", "owner-demo-pass")
    page.goto("/maintenance/booking/new")
    assert overflow(page) == 0, "the booking builder is wider than a 390 px phone"
    page.screenshot(path=str(ARTIFACTS / "issue17-booking-builder-390.png"), full_page=True)
    for n in range(6):  # a few leads so the report tables have rows
        post_lead(server, {"name": f"Report Row {n}", "phone": f"30579422{n:02d}", "office": "Garage"})
    page.goto("/reports")
    wide = page.locator(".table-wrap.has-more:visible").first
    expect(wide).to_be_visible()
    hint = wide.locator("xpath=preceding-sibling::p[1]")
    expect(hint).to_have_text("Scroll sideways for more columns →")
    assert overflow(page) == 0
    page.screenshot(path=str(ARTIFACTS / "issue17-reports-390.png"), full_page=True)
    phone.close()

    desk = new_context(browser, server, DESKTOP_1280)
    page = desk.new_page()
    sign_in(page, "owner@porchlight.test", "owner-demo-pass")
    # the widest row the demo has: a long name, a metro, a fee pill, a callback time
    post_lead(
        server,
        {
            "name": "Maximiliana Wolfeschlegel",
            "phone": "3057942277",
            "office": "Garage",
            "zip": "90210",
            "fee": "32.75",
        },
    )
    page.goto("/leads")
    expect(page.locator("tr[data-lead]").first).to_be_visible()
    fits = page.evaluate(
        "() => { const w = document.querySelector('.leads-table').parentElement;"
        " return w.scrollWidth - w.clientWidth; }"
    )
    assert fits <= 0, f"the leads table is {fits} px wider than its card at 1280 px"
    desk.close()

    agent = new_context(browser, server, DESKTOP_1280)
    page = agent.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    response = page.goto("/maintenance")
    assert response is not None and response.status == 403
    numeral = page.locator(".status-code").bounding_box()
    title = page.locator(".empty-state h1").bounding_box()
    assert numeral and title
    centre = lambda box: box["x"] + box["width"] / 2  # noqa: E731
    assert abs(centre(numeral) - centre(title)) < 3, (numeral, title)
    page.screenshot(path=str(ARTIFACTS / "issue17-403.png"))

    # the new API token's Copy button puts the token on the clipboard
    agent.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/account")
    page.get_by_label("Name").fill("Zapier")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").inner_text().strip()
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == token
    agent.close()

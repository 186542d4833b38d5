"""In a real browser, on the whole demo business: a lead converted in a Jobs office opens New Job
pre-filled; the address finds its service areas, the contractor list follows area + type; the job is
created, K-confirmed, moved to Deposit and Done; the board and the job page at 1280 and 390 px."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, sign_in  # noqa: F401 (fixtures)
from tests.browser.test_browser_leads import post_lead
from tests.browser_support import LiveServer, live_server, require_chromium

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("JOBS_SHOTS", str(ARTIFACTS)))
NARROW = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("jobs"), business=True) as running:
        yield running


def _shot(page: Page, name: str, full: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def test_a_converted_lead_becomes_a_job_worked_to_done(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server)
    page = context.new_page()
    page.on("dialog", lambda d: d.accept())
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    display = post_lead(server, {"name": "Jobwalk Jane", "phone": "7185550177", "office": "Garage", "zip": "11201"})
    page.goto(f"/leads/{display}")
    page.get_by_role("button", name=re.compile("claim", re.I)).first.click()
    page.goto(f"/leads/{display}/convert")
    page.get_by_role("button", name="Create new customer").click()
    expect(page).to_have_url(re.compile(r"/jobs/new\?lead="))  # JT-1
    modal = page.locator("#new-job")
    expect(modal).to_be_visible()
    expect(modal.locator("input[name=first_name]")).to_have_value("Jobwalk")
    expect(modal.locator("input[name=postal_code]")).to_have_value("11201")
    modal.locator("input[name=address]").fill("135 Court St")
    modal.locator("input[name=city]").fill("Brooklyn")
    modal.locator("input[name=state]").fill("NY")
    modal.locator("input[name=address]").dispatch_event("change")
    cards = modal.locator(".area-card")
    expect(cards.first).to_contain_text("Brooklyn")  # JOB-11: nearest first, with its distance
    expect(cards).to_have_count(5)
    modal.locator("select[name=job_type_id]").select_option(label="Garage Door Repair")
    modal.locator("select[name=partner_id]").select_option(label="GDQ Leads")
    contractors = modal.locator("select[name=contractor_id]")
    expect(contractors).to_be_enabled()
    expect(contractors.locator("option", has_text="Five Boroughs Garage Doors")).to_have_count(1)
    modal.locator("input[name=date_start]").fill("2026-11-25")
    modal.locator("select[name=time_start]").select_option("10:00")
    modal.locator("input[name=date_start]").dispatch_event("change")
    expect(modal.locator("select[name=time_end]")).to_have_value("12:00")  # JOB-14
    _shot(page, "new-job-modal-1280")
    modal.get_by_role("button", name="Create Job").click()
    expect(page).to_have_url(re.compile(r"/jobs/JOB-\d+$"))
    expect(page.locator("h1")).to_contain_text("Jobwalk")
    page.wait_for_load_state()
    expect(page.locator(".pill-find")).to_contain_text("FIND CONTRACTOR")

    # Find Contractor, then K
    find = page.locator("form[data-api$='/contractor'] select")
    value = find.locator("option", has_text="Five Boroughs Garage Doors").get_attribute("value")
    find.select_option(value)  # the label may carry ★ (priority zone)
    page.locator("form[data-api$='/contractor']").get_by_role("button", name="Assign").click()
    expect(page.locator("#find-contractor")).to_contain_text("Five Boroughs Garage Doors")
    expect(page.locator(".k-question")).to_contain_text("Did Five Boroughs Garage Doors accept the job at 135 Court St")
    page.wait_for_load_state()  # each action reloads the page: its deferred scripts bind the next form
    page.get_by_role("button", name="Mark as Accepted").click()
    expect(page.locator(".timeline")).to_contain_text("✅ K-confirmed — Five Boroughs Garage Doors accepted the job.")
    page.wait_for_load_state()  # the reloaded page's deferred scripts bind the status picker (slow under load)

    # Deposit, refused without its fields, then with them; then Done
    page.locator("[data-status-pick=deposit]").click()
    page.get_by_role("button", name="Save status").click()
    expect(page.locator("[data-form-error]")).to_contain_text("note")
    page.locator("textarea[name=note]").fill("Deposit taken, spring ordered")
    page.locator("input[name=deposit_cents]").fill("150")
    page.locator("input[name=expected_completion_date]").fill("2026-11-28")
    page.get_by_role("button", name="Save status").click()
    expect(page.locator(".timeline")).to_contain_text("Status: Submitted → Deposit · deposit $150.00")
    page.wait_for_load_state()
    _shot(page, "job-deposit-1280")
    page.locator("[data-status-pick=done]").click()
    page.locator("input[name=closing_cents]").fill("485")
    page.locator("input[name=parts_cents]").fill("95")
    page.get_by_role("button", name="Save status").click()
    expect(page.locator(".lede .job-status")).to_have_text("Done")
    _shot(page, "job-done-1280")

    job_url = page.url
    page.goto("/jobs")
    expect(page.locator("[data-attention-count]")).to_contain_text("Needs Attention")
    expect(page.locator("details.date-group.is-today .date-divider")).to_contain_text("Today")
    _shot(page, "board-1280")
    page.goto("/jobs?attention=true")
    _shot(page, "board-attention-1280")

    phone = new_context(browser, server, NARROW).new_page()
    sign_in(phone, "agent@porchlight.test", "agent-demo-pass")
    phone.goto("/jobs")
    _shot(phone, "board-390", full=False)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways scroll
    phone.locator("[data-open-new-job]").click()
    _shot(phone, "new-job-modal-390", full=False)
    phone.goto(job_url)
    _shot(phone, "job-page-390", full=False)

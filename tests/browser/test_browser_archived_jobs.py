"""The Archived Jobs modal in a real browser (ARC-3, ARC-4), on the demo business: an admin opens
📦 Archived on the board, searches, restores a job (the row goes, the board refreshes and shows it);
a finance admin does the same from Finance at 390 px; an agent has no button. Screenshots at 1280
and 390 px."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, sign_in  # noqa: F401 (fixtures)
from tests.browser_support import LiveServer, live_server, require_chromium

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("ARCHIVED_SHOTS", str(ARTIFACTS)))
NARROW = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("archived"), business=True) as running:
        yield running


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_archived_jobs_modal_restores_on_the_board_and_on_finance(browser, server: LiveServer) -> None:  # noqa: F811
    page = new_context(browser, server).new_page()
    sign_in(page, "admin@porchlight.test", "admin-demo-pass")
    page.goto("/jobs")
    submitted = int(page.locator(".count-chip[title=Submitted]").inner_text().split()[-1])
    page.get_by_role("link", name="📦 Archived").click()
    modal = page.locator("#archived-jobs")
    expect(modal).to_be_visible()
    rows = modal.locator("tr[data-archived-job]")
    expect(rows).to_have_count(2)  # the demo's two, newest archived first
    expect(rows.first).to_contain_text("Haddad")
    expect(rows.first).to_contain_text("77 Prospect Park W")
    _shot(page, "archived-modal-1280")
    modal.get_by_label("Search archived jobs").fill("Haddad")
    expect(rows).to_have_count(1)
    display = rows.first.get_attribute("data-archived-job")
    assert display
    expect(page.locator(f".job-board tr[data-job='{display}']")).to_have_count(0)
    rows.first.get_by_role("button", name=f"Restore {display}").click()
    expect(modal.locator("#archived-status")).to_contain_text(f"{display} restored")
    expect(rows).to_have_count(0)
    expect(page.locator(f".job-board tr[data-job='{display}']")).to_have_count(1)  # the board refreshed
    expect(page.locator(".count-chip[title=Submitted]")).to_have_text(f"S {submitted + 1}")  # and its counters
    _shot(page, "archived-restored-1280")
    modal.get_by_role("button", name="Close").click()
    expect(modal).to_be_hidden()
    page.goto(f"/jobs/{display}")
    expect(page.locator(".timeline")).to_contain_text(f"↩ Job {display} restored")

    phone = new_context(browser, server, NARROW).new_page()
    sign_in(phone, "finance@porchlight.test", "finance-admin-demo-pass")
    phone.goto("/finance")
    phone.get_by_role("link", name="📦 Archived").click()
    modal = phone.locator("#archived-jobs")
    rows = modal.locator("tr[data-archived-job]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Whitfield")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(phone, "archived-modal-finance-390")
    rows.first.get_by_role("button", name=re.compile("^Restore JOB-")).click()
    expect(modal.locator("#archived-status")).to_contain_text("restored")
    expect(modal.locator(".empty-row")).to_contain_text("No archived jobs")
    _shot(phone, "archived-modal-empty-390")
    modal.get_by_role("button", name="Close").click()
    phone.wait_for_load_state("load")  # Finance reloads after a restore
    expect(phone.locator("h1")).to_have_text("Finance")

    agent = new_context(browser, server).new_page()
    sign_in(agent, "agent@porchlight.test", "agent-demo-pass")
    agent.goto("/jobs")
    expect(agent.locator("h1")).to_have_text("Jobs")
    expect(agent.locator("[data-open-archived]")).to_have_count(0)

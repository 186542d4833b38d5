"""A live server started at an instant of our choosing (PORCHLIGHT_CLOCK): the night-time notice
shows because the test asked for night, not because of when the suite happens to run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, sign_in  # noqa: F401 (fixtures)
from tests.browser.test_browser_leads import post_lead
from tests.browser_support import LiveServer, live_server, require_chromium

pytestmark = pytest.mark.browser

NIGHT = "2026-11-25T02:30:00Z"  # Tuesday 9:30 PM in New York


@pytest.fixture(scope="module")
def night_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("night"), at=NIGHT) as running:
        yield running


def test_a_lead_at_night_says_it_is_outside_calling_hours(browser, night_server: LiveServer) -> None:  # noqa: F811
    display = post_lead(night_server, {"name": "Nina Night", "phone": "4045550123", "zip": "30309", "office": "Garage"})
    context = new_context(browser, night_server)
    page: Page = context.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    page.goto(f"/leads/{display}")
    notice = page.locator(".warn-hours")
    expect(notice).to_contain_text("Outside calling hours: it is 9:30 PM Tue EST for this lead")
    expect(notice).to_contain_text("GA")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "lead-night-agent-desktop.png"), full_page=True)
    context.close()

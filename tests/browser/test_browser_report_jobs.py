"""The reports' Jobs tab (issue 20) on the demo business, in a real browser at 1280 and 390 px: the
demo jobs are counted (the demo seeding path builds the rollups). Screenshots go to
tests/artifacts/report-jobs-*.png for a person to look at."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, sign_in  # noqa: F401
from tests.browser_support import LiveServer, live_server, require_chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("demo-jobs"), business=True) as running:
        yield running


@pytest.mark.parametrize("width", [1280, 390])
def test_the_jobs_tab_shows_the_demo_jobs(browser, server: LiveServer, width: int) -> None:  # noqa: F811
    context = new_context(browser, server)
    page = context.new_page()
    try:
        page.set_viewport_size({"width": width, "height": 900})
        sign_in(page, "owner@porchlight.test", "owner-demo-pass")
        page.goto("/reports?period=year")
        jobs = page.locator("#jobs")
        expect(jobs).to_contain_text("Total jobs")
        expect(jobs).to_contain_text("K-accepted")
        total = jobs.locator(".tile-num").first.inner_text()
        assert int(total.replace(",", "")) > 0
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("#jobs").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"report-jobs-{width}.png"))
        page.locator("#jobs_by_office").screenshot(path=str(ARTIFACTS / f"report-jobs-offices-{width}.png"))
    finally:
        context.close()

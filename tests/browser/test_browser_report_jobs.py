"""The reports' Jobs tab (issue 20) on the demo business, in a real browser at 1280 and 390 px: the
demo jobs are counted (the demo seeding path builds the rollups), with every tile, bar chart, the
daily chart and the top contractors. Screenshots go to
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
        page.goto("/reports?period=month")
        jobs = page.locator("#jobs")
        expect(jobs).to_contain_text("Total jobs")
        expect(jobs).to_contain_text("K-accepted")
        total = jobs.locator(".tile-num").first.inner_text()
        assert int(total.replace(",", "")) > 0
        # the seed's eight tiles, four breakdown bars, the daily stacked chart and the top contractors
        expect(jobs.locator(".tile")).to_have_count(8)
        expect(jobs).to_contain_text("Deposits")
        expect(jobs).to_contain_text("Parts cost")
        for chart in ("jobs_by_status", "jobs_by_office", "jobs_by_type", "jobs_by_source"):
            expect(page.locator(f"#{chart} svg.chart .bar").first).to_be_visible()
        done_days = page.locator("#jobs_by_day svg.chart-columns rect.s-done")
        expect(done_days.first).to_be_attached()
        assert done_days.count() >= 5  # the demo's weeks of finished jobs (ops/demo_report_jobs.py)
        rows = page.locator("#top_contractors tbody tr")
        expect(rows.first).to_be_visible()
        assert 1 <= rows.count() <= 10 and "No job" not in rows.first.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("#jobs").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"report-jobs-{width}.png"))
        page.locator("#jobs_by_office").screenshot(path=str(ARTIFACTS / f"report-jobs-offices-{width}.png"))
        for part in ("jobs", "jobs_by_type", "jobs_by_source", "jobs_by_day", "top_contractors"):
            page.locator(f"#{part}").screenshot(path=str(ARTIFACTS / f"report-jobs-{part}-{width}.png"))
    finally:
        context.close()

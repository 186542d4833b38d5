"""Maintenance → System's "Scheduled jobs" card in a real browser: jobs run with `porchlight cron run`
against the served database show their last run and result (cron_leases). Screenshots at 1280 and
390 px go to /tmp/shots/cron22/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, sign_in  # noqa: F401
from tests.browser_support import LiveServer, _run_cli, live_server, require_chromium

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/cron22")  # noqa: S108 - where the helper's report points a person


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("cron")) as running:
        yield running


def test_the_system_page_shows_each_jobs_last_run(browser, server: LiveServer) -> None:  # noqa: F811
    for job in ("housekeeping", "outbox", "report-emails"):
        _run_cli(["cron", "run", job], server.env, server.db_path.parent)
    for width, height in ((1280, 900), (390, 844)):
        context = new_context(browser, server)
        page = context.new_page()
        try:
            page.set_viewport_size({"width": width, "height": height})
            sign_in(page, "owner@porchlight.test", "owner-demo-pass")
            page.goto("/maintenance/system")
            card = page.locator(".system-jobs")
            expect(card).to_contain_text("housekeeping")
            expect(card).to_contain_text("sessions_removed=")
            expect(card).to_contain_text("nothing to do")  # the outbox had nothing to send
            card.scroll_into_view_if_needed()
            ARTIFACTS.mkdir(exist_ok=True)
            path = ARTIFACTS / f"cron-system-{width}.png"
            page.screenshot(path=str(path), full_page=True)
            SHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, SHOTS / path.name)
        finally:
            context.close()

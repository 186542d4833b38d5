"""The lead queue on the demo business (issue 17): times in each lead's zone, the 💵 fee pill and the
BookBack AI column and toggle, and the owner's duplicates tool with Resolve all. Screenshots at 1280
and 390 px go to /tmp/shots/zones17/ and tests/artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.browser.test_browser import browser, new_context, sign_in  # noqa: F401
from tests.browser.test_browser_safe_actions import PHONE, ZONES, shoot
from tests.browser_support import LiveServer, live_server, require_chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("demo-queue"), business=True) as running:
        yield running


def test_the_demo_queue_shows_fees_bookback_and_local_times(browser, server: LiveServer) -> None:  # noqa: F811
    for viewport, suffix in (({"width": 1280, "height": 900}, "1280"), (PHONE, "390")):
        context = new_context(browser, server, viewport)
        page = context.new_page()
        sign_in(page, "owner@porchlight.test", "owner-demo-pass")
        page.goto("/leads?reactivated=true")
        rows = page.locator("tr[data-lead]")
        expect(rows.first).to_be_visible()
        assert rows.count() == page.locator("tr[data-lead] .pill-bookback").count()  # only BookBack ones
        page.goto("/leads")
        expect(page.locator("tr[data-lead] .pill-fee").first).to_be_visible()
        shoot(page, f"demo-lead-queue-{suffix}", full_page=suffix == "1280")
        if suffix == "1280":
            table = page.locator(".table-wrap")
            over = table.evaluate("e => e.scrollWidth - e.clientWidth")
            assert over <= 1, f"the queue overflows at 1280 by {over} px"
            first = rows.first
            cells = first.locator("td").all_inner_texts()
            assert len(set(ZONES.findall(" ".join(cells)))) == 1  # one zone per row: the lead's own
            page.goto("/leads/duplicates")
            expect(page.get_by_role("button", name="Resolve all")).to_be_visible()
            shoot(page, "demo-duplicates-1280")
            page.get_by_role("button", name="Resolve all").click()
            dialog = page.locator("dialog.confirm-dialog")
            expect(dialog).to_contain_text(re.compile(r"Resolve all \d+ groups?\?"))
            shoot(page, "demo-duplicates-confirm-1280", full_page=False)
            dialog.get_by_role("button", name="Cancel").click()
        context.close()

"""The contractor network's pages in a real browser (issue 19): Contractors, Service areas and
Maintenance → Job settings on the demo network, for the owner (editing) and an agent (reading),
at desktop (1280 px) and phone (390 px) widths. Screenshots go to tests/artifacts/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tests.browser.test_browser import ARTIFACTS, new_context, sign_in
from tests.browser.test_browser import browser as browser
from tests.browser_support import LiveServer, live_server, require_chromium

pytestmark = pytest.mark.browser

WIDE: ViewportSize = {"width": 1280, "height": 800}
NARROW: ViewportSize = {"width": 390, "height": 844}
OWNER = ("owner@porchlight.test", "owner-demo-pass")
AGENT = ("agent@porchlight.test", "agent-demo-pass")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The whole demo business, as `make dev` opens it: the demo network comes with it."""
    require_chromium()
    with live_server(tmp_path_factory.mktemp("live"), business=True) as running:
        yield running


def _shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"] + 1, f"the page scrolls sideways ({width} px)"


@pytest.mark.parametrize(("size", "viewport"), [("1280", WIDE), ("390", NARROW)])
def test_owner_pages_render_and_edit(browser: Browser, server: LiveServer, size: str, viewport: ViewportSize) -> None:
    context = new_context(browser, server, viewport)
    try:
        page = context.new_page()
        sign_in(page, *OWNER)
        page.goto("/contractors")
        expect(page.get_by_role("heading", name="Contractors")).to_be_visible()
        expect(page.get_by_text("Five Boroughs Garage Doors")).to_be_visible()
        _no_sideways_scroll(page)
        _shot(page, f"network-contractors-{size}")
        page.get_by_role("link", name="Five Boroughs Garage Doors").click()
        expect(page.get_by_role("heading", name="Edit Five Boroughs Garage Doors")).to_be_visible()
        _shot(page, f"network-contractor-edit-{size}")
        page.goto("/service-areas")
        expect(page.get_by_role("cell", name="Brooklyn", exact=True)).to_be_visible()
        _no_sideways_scroll(page)
        _shot(page, f"network-service-areas-{size}")
        page.goto("/maintenance/job-settings")
        expect(page.get_by_role("heading", name="Job types")).to_be_visible()
        _no_sideways_scroll(page)
        _shot(page, f"network-job-settings-{size}")
    finally:
        context.close()


def test_the_inline_toggle_switches_a_contractor_off_and_on(browser: Browser, server: LiveServer) -> None:
    context = new_context(browser, server, WIDE)
    try:
        page = context.new_page()
        sign_in(page, *OWNER)
        page.goto("/contractors")
        toggle = page.get_by_role("button", name="Hudson Door & Gate is active; switch")
        toggle.click()
        expect(page.get_by_role("button", name="Hudson Door & Gate is off; switch")).to_have_text("○ Off")
        page.get_by_role("button", name="Hudson Door & Gate is off; switch").click()
        expect(page.get_by_role("button", name="Hudson Door & Gate is active; switch")).to_have_text("✓ Active")
    finally:
        context.close()


def test_an_agent_reads_without_forms(browser: Browser, server: LiveServer) -> None:
    context = new_context(browser, server, WIDE)
    try:
        page = context.new_page()
        sign_in(page, *AGENT)
        page.goto("/contractors")
        expect(page.get_by_text("Valley Sliding Doors")).to_be_visible()
        expect(page.get_by_text("Bulk upload")).to_have_count(0)
        page.goto("/service-areas")
        expect(page.get_by_text("Only the owner and finance admins change service areas.")).to_be_visible()
        _shot(page, "network-service-areas-agent-1280")
    finally:
        context.close()

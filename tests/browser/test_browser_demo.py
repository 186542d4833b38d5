"""The demo business in a real browser, as `make dev` serves it (issue 17): the owner's Leads,
Clients, Reports and Billing pages show work, and the agent's queue has leads. Screenshots at
1280 px go to tests/artifacts/demo-*.png for a person to look at."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, sign_in  # noqa: F401
from tests.browser_support import LiveServer, live_server, require_chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("demo"), business=True) as running:
        yield running


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"demo-{name}-1280.png"), full_page=True)


def test_the_owner_sees_a_living_business(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server)
    page = context.new_page()
    try:
        sign_in(page, "owner@porchlight.test", "owner-demo-pass")
        page.goto("/leads")
        expect(page.locator("body")).not_to_contain_text("No leads yet")
        shot(page, "leads")
        page.goto("/clients")
        expect(page.locator("body")).to_contain_text("C-")
        shot(page, "clients")
        page.goto("/reports")
        expect(page.locator("body")).to_contain_text("Porchlight Doors (demo data)")
        shot(page, "reports")
        page.goto("/billing")
        expect(page.locator("body")).to_contain_text("INV-")
        shot(page, "billing")
    finally:
        context.close()


def test_the_agent_has_work_in_the_queue(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server)
    page = context.new_page()
    try:
        sign_in(page, "agent@porchlight.test", "agent-demo-pass")
        page.goto("/leads")
        expect(page.locator("body")).not_to_contain_text("No leads yet")
        expect(page.locator("body")).to_contain_text(re.compile(r"1–25 of \d+ leads"))
    finally:
        context.close()

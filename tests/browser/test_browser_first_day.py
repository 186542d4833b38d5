"""A first day at a new office, walked in a real browser against what `make dev` serves (issue 17):
every demo person signs in and lands on work they can do; a visitor's website enquiry reaches the
agent's queue. Screenshots at 1280 and 390 px go to tests/artifacts/first-day-*.png for a person to
look at."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, sign_in  # noqa: F401
from tests.browser_support import DEMO_LOGINS, LiveServer, live_server, require_chromium

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}

# What each role sees on its first page after signing in; every staff role has leads in its queue.
LANDING_TEXT = re.compile(r"\d+–\d+ of \d+ leads")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("first-day"), business=True) as running:
        yield running


def shot(page: Page, name: str, size: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"first-day-{name}-{size}.png"), full_page=True)


@pytest.mark.parametrize(("email", "password", "role"), DEMO_LOGINS, ids=[r for _e, _p, r in DEMO_LOGINS])
def test_each_demo_person_signs_in_to_work(browser, server: LiveServer, email: str, password: str, role: str) -> None:  # noqa: F811
    context = new_context(browser, server)
    page = context.new_page()
    try:
        sign_in(page, email, password)
        page.goto("/leads")
        expect(page.locator("body")).not_to_contain_text("No leads yet")
        expect(page.locator("body")).to_contain_text(LANDING_TEXT)
        shot(page, f"{role}-leads", "1280")
        if role in ("owner", "finance_admin", "viewer"):
            page.goto("/billing")
            expect(page.locator("body")).to_contain_text("INV-")
            shot(page, f"{role}-billing", "1280")
        if role != "partner":
            page.goto("/reports")
            # Figures, not an empty state: a rate that is not 0.0% (the demo's months have conversions).
            expect(page.locator("main")).to_contain_text(re.compile(r"\b[1-9]\d*\.\d%"))
            if role == "owner":  # QuickBooks figures show to those who see billing and every office
                expect(page.locator("main")).to_contain_text("(demo data)")
            shot(page, f"{role}-reports", "1280")
    finally:
        context.close()


def test_a_website_enquiry_reaches_the_agents_queue(browser, server: LiveServer) -> None:  # noqa: F811
    visitor = new_context(browser, server, PHONE_390)  # visitors come from their phones
    agent = new_context(browser, server)
    try:
        form = visitor.new_page()
        form.goto("/request-help")
        form.get_by_label("Your name").fill("Wendy Firstday")
        form.get_by_label("Phone").fill("(212) 555-0199")
        form.get_by_label("ZIP code").fill("10001")
        form.get_by_label("What do you need?").fill("Garage door stuck half open")
        shot(form, "website-form", "390")
        form.get_by_role("button", name=re.compile("send|request", re.I)).click()
        expect(form.locator("body")).to_contain_text(re.compile("thank", re.I))

        page = agent.new_page()
        sign_in(page, "agent@porchlight.test", "agent-demo-pass")
        page.goto("/leads?q=Wendy+Firstday")
        row = page.locator("tr", has_text="Wendy Firstday")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Website")
        row.get_by_role("link", name="Open").click()
        expect(page.locator("main")).to_contain_text("Garage door stuck half open")
        shot(page, "agent-sees-website-lead", "1280")
        page.set_viewport_size(PHONE_390)
        page.goto("/leads")
        shot(page, "agent-leads", "390")
    finally:
        visitor.close()
        agent.close()

"""Tasks in a real browser on the demo business (issue 23): a task created from a lead (pre-linked,
📋 Task created on the lead's timeline) and completed from the 📋 badge's list; the global timeline
opened and scrolled (the next page arrives by htmx); an emailed report sent now and read in the
development mailbox. Screenshots at 1280 and 390 px go to /tmp/shots/tasks23/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, sign_in  # noqa: F401
from tests.browser_support import LiveServer, live_server, require_chromium

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/tasks23")  # noqa: S108 - where the helper's report points a person
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("tasks"), business=True) as running:
        yield running


def shot(page: Page, name: str, full: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"tasks-{name}.png"
    page.screenshot(path=str(path), full_page=full)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def test_create_from_a_lead_and_complete_from_the_badge(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server)
    page = context.new_page()
    try:
        sign_in(page, "agent@porchlight.test", "agent-demo-pass")
        badge = page.locator("[data-tasks-badge] .tasks-count")
        expect(badge).to_be_visible()  # the demo has overdue tasks: the badge pulses
        before = int(badge.inner_text())
        page.goto("/leads")
        href = page.locator("a[href^='/leads/L-']").first.get_attribute("href")
        assert href
        page.goto(href)  # the lead's own page (the queue's link opens the slide-in panel)
        lead_url = page.url
        page.locator("[data-new-task]").click()
        expect(page.locator("#new-task")).to_contain_text("Linked to lead")
        shot(page, "new-1280")
        page.get_by_label("Title", exact=True).fill("Bring the torsion spring sample")
        page.get_by_label("Due", exact=True).fill("2026-11-22T17:00")
        page.get_by_role("button", name="Create task").click()
        page.wait_for_url(lead_url)
        expect(page.locator("body")).to_contain_text("📋 Task created: “Bring the torsion spring sample”")
        expect(badge).to_have_text(str(before + 1))
        page.locator("[data-tasks-badge]").click()
        item = page.locator(".task-item", has_text="Bring the torsion spring sample")
        expect(item).to_be_visible()
        expect(item.locator(".pill").first).to_contain_text("L-")
        shot(page, "list-1280")
        item.get_by_role("button", name="✅ Done").click()
        expect(page.locator(".task-item", has_text="Bring the torsion spring sample")).to_have_count(0)
        expect(badge).to_have_text(str(before))
        page.set_viewport_size(PHONE)
        shot(page, "list-390", full=True)
        page.goto(lead_url)
        expect(page.locator("body")).to_contain_text("✅ Task completed: “Bring the torsion spring sample”")
    finally:
        context.close()


def test_the_global_timeline_scrolls(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server)
    page = context.new_page()
    try:
        sign_in(page, "owner@porchlight.test", "owner-demo-pass")
        page.goto("/timeline")
        rows = page.locator(".feed-item")
        expect(rows).to_have_count(50)
        shot(page, "timeline-1280")
        page.locator(".feed-more").scroll_into_view_if_needed()
        expect(rows).to_have_count(100)
        page.get_by_label("Calls").check()
        page.get_by_role("button", name="Filter").click()
        expect(page.locator(".feed-type").first).to_have_text("call")
        page.set_viewport_size(PHONE)
        shot(page, "timeline-390")
    finally:
        context.close()


def test_send_a_report_now_and_read_it_in_the_development_mailbox(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server)
    page = context.new_page()
    try:
        sign_in(page, "owner@porchlight.test", "owner-demo-pass")
        page.goto("/maintenance/email-reports")
        shot(page, "email-settings-1280")
        page.get_by_label("Period").select_option("monthly")
        page.get_by_role("button", name="📨 Send now").click()
        expect(page.locator("body")).to_contain_text("on its way to 1 recipient")
        for _ in range(20):
            page.goto("/maintenance/dev-mailbox")
            if page.locator(".mail-item", has_text="monthly report").count():
                break
            page.wait_for_timeout(500)
        mail = page.locator(".mail-item", has_text="[Preview] Porchlight monthly report").first
        expect(mail).to_be_visible()
        frame = page.frame_locator(".mail-html").first
        expect(frame.locator("h1")).to_contain_text("Porchlight monthly report")
        expect(frame.locator("body")).to_contain_text("Agent performance")
        expect(frame.locator("svg").first).to_be_visible()
        mail.scroll_into_view_if_needed()
        shot(page, "email-1280")
        page.set_viewport_size(PHONE)
        shot(page, "email-390")
    finally:
        context.close()


def test_create_from_a_ticket_and_see_it_in_my_tasks(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server)
    page = context.new_page()
    try:
        sign_in(page, "agent@porchlight.test", "agent-demo-pass")
        page.goto("/tickets")
        href = page.locator("a[href^='/tickets/T-']").first.get_attribute("href")
        assert href
        number = href.removeprefix("/tickets/").split("#")[0]
        page.goto(href)
        ticket_url = page.url
        expect(page.locator("[data-new-task]")).to_be_visible()
        shot(page, "ticket-1280")
        page.locator("[data-new-task]").click()
        expect(page.locator("#new-task")).to_contain_text(f"Linked to ticket {number}")
        page.get_by_label("Title", exact=True).fill("Mail the wiring diagram")
        page.get_by_role("button", name="Create task").click()
        page.wait_for_url(ticket_url)
        page.goto("/tasks")
        item = page.locator(".task-item", has_text="Mail the wiring diagram")
        pill = item.locator("[data-task-ticket]")
        expect(pill).to_contain_text(number)
        item.scroll_into_view_if_needed()
        shot(page, "ticket-task-1280")
        page.set_viewport_size(PHONE)
        item.scroll_into_view_if_needed()
        shot(page, "ticket-task-390")
        pill.click()
        page.wait_for_url(f"**/tickets/{number}")
        shot(page, "ticket-390")
    finally:
        context.close()

"""The customer record's Tasks card in a real browser on the demo business (issue 23, TSK-5): an agent
opens the demo customer that has an open task, marks it ✅ Done from the card and sees it move to the
done part of the list. Screenshots at 1280 and 390 px go to /tmp/shots/recordtasks23/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, sign_in  # noqa: F401
from tests.browser_support import LiveServer, live_server, require_chromium

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots/recordtasks23")  # noqa: S108 - where the helper's report points a person
PHONE = {"width": 390, "height": 844}
TITLE = "Send the signed estimate"  # ops/demo_tasks.py: an office task on the office's first customer


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("record-tasks"), business=True) as running:
        yield running


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"record-tasks-{name}.png"
    page.locator("#tasks").screenshot(path=str(path))
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def test_customer_record_card_marks_the_demo_task_done(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server)
    page = context.new_page()
    try:
        sign_in(page, "agent@porchlight.test", "agent-demo-pass")
        page.goto("/tasks?scope=office")
        item = page.locator(".task-item", has_text=TITLE).first
        href = item.locator("a[href^='/clients/']").get_attribute("href")
        assert href
        page.goto(href)
        card = page.locator("#tasks")
        row = card.locator(".task-item", has_text=TITLE)
        expect(row).not_to_have_class("task-item done")
        expect(row.locator("[data-task-email]")).to_have_attribute(
            "href", f"mailto:{_email(page)}?subject=Send%20the%20signed%20estimate"
        )
        card.scroll_into_view_if_needed()
        shot(page, "open-1280")
        row.get_by_role("button", name="✅ Done").click()
        page.wait_for_url(f"**{href}#tasks")
        expect(page.locator(".flash")).to_contain_text("done")
        row = page.locator("#tasks .task-item", has_text=TITLE)
        expect(row).to_have_class("task-item done")
        expect(row.get_by_role("button", name="↩ Re-open")).to_be_visible()
        expect(page.locator("#tasks .task-item").last).to_contain_text(TITLE)  # done ones come after the open
        shot(page, "done-1280")
        page.set_viewport_size(PHONE)
        page.reload()
        page.locator("#tasks").scroll_into_view_if_needed()
        shot(page, "done-390")
    finally:
        context.close()


def _email(page: Page) -> str:
    link = page.locator("#contacts a[href^='mailto:']").first
    return (link.get_attribute("href") or "").removeprefix("mailto:")

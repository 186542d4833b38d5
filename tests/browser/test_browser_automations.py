"""Automations in a real browser on the demo business (issue 22): the owner builds a rule with a
preview against a real lead, a lead is created, the events tick runs (`porchlight cron run
automation-events`, what the minute cron does), and the rule's text is in the log. Pause All shows
the red banner. Screenshots at 1280 and 390 px go to /tmp/shots/automations22/."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, sign_in  # noqa: F401
from tests.browser_support import LiveServer, live_server, porchlight_command, require_chromium

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/automations22")  # noqa: S108 - where the helper's report points a person


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("automations"), business=True) as running:
        yield running


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"automations-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def tick(server: LiveServer) -> None:
    done = subprocess.run(
        [*porchlight_command(), "cron", "run", "automation-events"],
        env=server.env, cwd=server.db_path.parent, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_build_a_rule_with_preview_trigger_it_and_see_the_log(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server)
    page = context.new_page()
    try:
        sign_in(page, "owner@porchlight.test", "owner-demo-pass")
        page.goto("/maintenance/automations")
        expect(page.locator(".automations-table")).to_contain_text("Thank every new lead")  # the demo's rules
        shot(page, "list-1280")
        page.get_by_role("link", name="New rule").click()
        page.locator("input[name=name]").fill("Browser welcome")
        page.locator("textarea[name=body]").fill("Hi {{client.firstName}} from {{office.name}} {{7*7}}")
        page.get_by_role("button", name="Preview").click()
        preview = page.locator("#rule-preview")
        expect(preview).to_contain_text("Rendered with")
        expect(preview).to_contain_text("Not variables")
        expect(preview.locator(".preview-text")).not_to_contain_text("49")
        shot(page, "editor-1280")
        page.get_by_role("button", name="Save rule").click()
        expect(page.locator(".automations-table")).to_contain_text("Browser welcome")

        page.goto("/leads/new")
        page.locator("input[name=name]").fill("Pat Browser")
        page.locator("input[name=phone]").fill("(212) 555-0190")
        page.locator("input[name=zip]").fill("10001")
        page.get_by_role("button", name="Create lead").click()
        tick(server)
        page.goto("/maintenance/automations/log?rule=")
        row = page.locator(".log-row", has_text="Browser welcome").first
        expect(row).to_contain_text("Pat Browser")
        expect(row).to_contain_text("+12125550190")
        shot(page, "log-1280")
        page.locator("input[name=q]").fill("Pat Browser")
        expect(page.locator(".log-row").first).to_contain_text("Pat Browser")

        page.goto("/maintenance/automations")
        page.get_by_role("button", name="⏸ Pause All").click()
        page.get_by_role("dialog").get_by_role("button", name="Confirm").click()  # static/confirm.js asks first
        expect(page.locator(".automation-paused")).to_contain_text("Automations are PAUSED")
        shot(page, "paused-1280")
        page.set_viewport_size({"width": 390, "height": 844})
        shot(page, "paused-390")
        page.goto("/maintenance/automations/log")
        shot(page, "log-390")
        page.goto("/maintenance/automations/new")
        shot(page, "editor-390")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto("/maintenance/automations")
        page.get_by_role("button", name="▶ Resume All").click()
        expect(page.locator(".automation-paused")).to_have_count(0)
    finally:
        context.close()

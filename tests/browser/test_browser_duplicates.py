"""The duplicates tool and the snooze-sequence editor in a real browser."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, server, sign_in  # noqa: F401 (fixtures)
from tests.browser.test_browser_leads import post_lead
from tests.browser_support import LiveServer

pytestmark = pytest.mark.browser


def test_the_owner_merges_two_leads_with_the_same_phone(browser, server: LiveServer) -> None:  # noqa: F811
    first = post_lead(server, {"name": "Dana First", "phone": "(954) 702-1836", "office": "Garage"})
    second = post_lead(server, {"name": "Dana Again", "phone": "+1 954 702 1836", "office": "Garage"})
    context = new_context(browser, server)
    page: Page = context.new_page()
    sign_in(page, "owner@porchlight.test", "owner-demo-pass")  # seed 002: the owner's tool
    page.goto("/leads")
    page.get_by_role("link", name="Duplicates").click()
    group = page.locator("section.dup-group", has=page.locator(f'input[value="{second}"]'))
    expect(group).to_contain_text("Same phone number")
    expect(group.get_by_label(f"Keep {first}")).to_be_checked()  # nobody called either: the first one
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "duplicates-owner-desktop.png"), full_page=True)

    group.get_by_role("button", name="Resolve").click()
    dialog = page.locator("dialog.confirm-dialog")  # asks first
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Resolve").click()
    expect(page.locator(".flash")).to_contain_text(f"kept {first} (archived {second})")
    expect(page.locator(f'input[value="{second}"]')).to_have_count(0)
    page.goto(f"/leads/{first}")
    expect(page.locator(".timeline")).to_contain_text(f"Merged from {second}; its timeline")
    page.goto("/leads")
    expect(page.locator(f'tr[data-lead="{second}"]')).to_have_count(0)
    context.close()


def test_the_owner_edits_a_snooze_sequence(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server)
    page: Page = context.new_page()
    sign_in(page, "owner@porchlight.test", "owner-demo-pass")
    page.goto("/maintenance")
    page.get_by_role("link", name=re.compile("Lead settings")).click()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "lead-settings-owner-desktop.png"), full_page=True)
    page.locator('a[href="/maintenance/lead-settings/sequences/bookback"]').click()
    steps = page.locator("li.step")
    expect(steps).to_have_count(14)
    page.get_by_role("button", name="Add a step").click()  # htmx swaps the editor in place
    expect(steps).to_have_count(15)
    steps.nth(14).get_by_role("spinbutton").fill("2")
    steps.nth(14).get_by_role("combobox").select_option("d")
    page.get_by_role("button", name="Remove step 1", exact=True).click()
    expect(steps).to_have_count(14)
    page.screenshot(path=str(ARTIFACTS / "snooze-editor-owner-desktop.png"), full_page=True)
    page.get_by_role("button", name="Save sequence").click()
    expect(page.locator(".flash")).to_contain_text("14 steps")
    expect(page.locator("tr", has_text="BookBack")).to_contain_text("15 min · 15 min")
    context.close()

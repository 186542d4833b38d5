"""Outbound webhooks in a real browser (issue 22): the owner sets the New Lead main URL and a Form
fan-out with a variable (both at the app's own development receiver), a lead arrives on the public
intake webhook, and the Timeline shows both deliveries with the exact bodies; the Dashboard counts
them. Screenshots at 1280 and 390 px go to tests/artifacts/webhooks-*.png and /tmp/shots/webhooks22/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, DESKTOP, browser, new_context, sign_in  # noqa: F401
from tests.browser_support import LiveServer, _run_cli, live_server, require_chromium

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
SHOTS = Path("/tmp/shots/webhooks22")  # noqa: S108 - where the helper's brief asks for them


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("webhooks")) as running:
        yield running


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    width = page.viewport_size["width"] if page.viewport_size else 0
    path = ARTIFACTS / f"webhooks-{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    if SHOTS.is_dir():
        shutil.copy(path, SHOTS / path.name)


def test_the_owner_configures_a_webhook_with_a_fan_out_and_sees_the_delivery(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server, DESKTOP)
    page = context.new_page()
    receiver = f"{server.base_url}/dev/webhook-receiver"
    try:
        sign_in(page, "owner@porchlight.test", "owner-demo-pass")
        page.goto("/maintenance/webhooks")
        slot = page.locator("#slot-lead\\.created")
        slot.get_by_text("Set the main URL").click()
        slot.locator("input[name=url]").first.fill(f"{receiver}/zap")
        slot.get_by_role("button", name="Save main URL").click()
        expect(page.locator(".token-once")).to_contain_text("whsec_")  # shown once
        slot = page.locator("#slot-lead\\.created")
        slot.get_by_text("Add a filtered fan-out").click()
        form = slot.locator("form", has=page.get_by_role("button", name="Add fan-out"))
        form.locator("input[name=url]").fill("http://10.0.0.7/hook")  # inside: refused on the field
        form.get_by_role("button", name="Add fan-out").click()
        expect(page.locator(".field-error").first).to_contain_text("not allowed")
        slot = page.locator("#slot-lead\\.created")
        form = slot.locator("form", has=page.get_by_role("button", name="Add fan-out"))
        form.locator("input[name=url]").fill(f"{receiver}/crm")
        form.get_by_label("Label").fill("Partner CRM")
        form.get_by_label("Payload type").select_option("form")
        form.get_by_label("Data").fill("name: {{FirstName}} {{LastName}}\nlead: {{LeadId}}")
        form.get_by_label("Headers").fill("X-Source: porchlight")
        shot(page, "endpoints-form")
        form.get_by_role("button", name="Add fan-out").click()
        expect(page.locator(".token-once")).to_contain_text("whsec_")
        expect(page.locator("#slot-lead\\.created")).to_contain_text("Partner CRM")
        shot(page, "endpoints")

        answer = httpx.post(
            f"{server.base_url}/webhook/leads",
            json={"name": "Dana Webb", "phone": "3057942277", "email": "dana@example.com", "zip": "33101"},
            headers={"x-webhook-secret": server.env["WEBHOOK_SECRET"]},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        # the one-minute tick, run by hand (the test server runs without cron), a little later
        later = dict(server.env, PORCHLIGHT_CLOCK=(server.now() + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"))
        _run_cli(["cron", "run", "webhooks-events"], later, server.db_path.parent)  # the fan-out…
        _run_cli(["cron", "run", "outbox"], later, server.db_path.parent)  # …then its deliveries

        page.goto("/maintenance/webhooks?tab=timeline")
        items = page.locator(".wh-timeline li")
        expect(items).to_have_count(2)
        expect(page.locator(".wh-timeline .pill-ok")).to_have_count(2)
        crm = items.filter(has_text="/crm")
        crm.locator("summary").click()
        expect(crm.locator("pre")).to_contain_text("name=Dana+Webb&lead=")
        zap = items.filter(has_text="/zap")
        zap.locator("summary").click()
        expect(zap.locator("pre")).to_contain_text('"FirstName": "Dana"')
        expect(zap.locator("pre")).to_contain_text('"Office"')
        shot(page, "timeline")
        page.goto("/maintenance/webhooks?tab=dashboard")
        expect(page.locator(".wh-dash")).to_contain_text("New Lead Webhook URL")
        expect(page.locator(".wh-dash tr", has_text="New Lead Webhook URL").first).to_contain_text("1")
        shot(page, "dashboard")
        page.set_viewport_size(PHONE)
        for tab in ("endpoints", "timeline", "dashboard"):
            page.goto(f"/maintenance/webhooks?tab={tab}")
            if tab == "timeline":
                page.locator(".wh-timeline summary").first.click()
            shot(page, tab)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{tab} overflows at 390 px: {width}"
    finally:
        context.close()

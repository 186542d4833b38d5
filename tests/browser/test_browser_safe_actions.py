"""Issue 17 in a real browser: the status form saves on blur and says so, a destructive action asks
first (Cancel leaves it, Confirm does it; without JavaScript a confirmation page does the same), the
lead panel shows one zone (the lead's own), and a new lead in the queue pings the desktop once the
person switched notifications on. Screenshots at 1280 and 390 px go to /tmp/shots/zones17/ (and
tests/artifacts/)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, server, sign_in  # noqa: F401 (fixtures)
from tests.browser.test_browser_leads import post_lead
from tests.browser_support import LiveServer

pytestmark = pytest.mark.browser

SHOTS = Path(tempfile.gettempdir()) / "shots" / "zones17"
PHONE: ViewportSize = {"width": 390, "height": 844}
ZONES = re.compile(r"\b(EST|EDT|CST|CDT|MST|MDT|PST|PDT|UTC)\b(?![-+]\d)")


def shoot(page: Page, name: str, *, full_page: bool = True) -> None:
    for folder in (SHOTS, ARTIFACTS):
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=full_page)


def open_in_panel(page: Page, display: str) -> None:
    page.goto("/leads")
    page.locator(f'tr[data-lead="{display}"]').get_by_role("link", name=f"Open {display}").click()
    expect(page.locator("#lead-panel-title")).to_contain_text(display)


def test_the_status_form_saves_on_blur_in_the_leads_own_zone(browser, server: LiveServer) -> None:  # noqa: F811
    display = post_lead(server, {"name": "Wendy West", "phone": "3105550142", "zip": "90012", "office": "Garage"})
    for viewport, suffix in (({"width": 1280, "height": 900}, "1280"), (PHONE, "390")):
        context = new_context(browser, server, viewport)
        page = context.new_page()
        sign_in(page, "agent@porchlight.test", "agent-demo-pass")
        page.goto("/leads")
        shoot(page, f"lead-queue-{suffix}", full_page=suffix == "1280")
        open_in_panel(page, display)
        panel = page.locator("#lead-panel-body")
        form = panel.locator("form[data-status-form]")
        expect(form.get_by_role("button", name="Save status")).to_be_hidden()  # no Save button
        expect(form.get_by_label("Reason")).to_be_hidden()
        if suffix == "1280":
            expect(form.get_by_label(re.compile("Next contact"))).to_be_hidden()  # Fresh: no picker
            form.get_by_label("Status").select_option("needs_follow_up")
            picker = form.get_by_label(re.compile("Next contact"))
            expect(picker).to_be_visible()
            expect(form).to_contain_text("Los Angeles time (PST, UTC-8)")  # the picker says its zone
            expect(form.locator("[data-save-state]")).to_have_text("Pick the next contact to save.")
            picker.fill("2026-11-25T09:00")
            expect(form.locator("[data-save-state]")).to_have_text("Pick the next contact to save.")  # not yet
            picker.blur()
            expect(form.locator("[data-save-state]")).to_have_text("Saved ✓")
            expect(panel.locator(".lede .status")).to_have_text("Needs a follow up")
            # the stored time is 9 AM in Los Angeles: the JSON API says so in UTC
            answer = page.request.get(f"/api/leads/{display}").json()
            assert answer["next_contact_at"] == "2026-11-25T17:00:00.000Z"

            # Irrelevant: the reason appears, is required, and saves when it loses focus
            form.get_by_label("Status").select_option("irrelevant")
            expect(picker).to_be_hidden()
            reason = form.get_by_label("Reason")
            expect(reason).to_be_focused()
            expect(form.locator("[data-save-state]")).to_have_text("Say why it is irrelevant to save.")
            reason.fill("Wrong service (wants a window)")
            page.locator("#lead-panel-title").click()  # focus leaves the field
            expect(form.locator("[data-save-state]")).to_have_text("Saved ✓")
            expect(panel.locator(".lede .status")).to_have_text("Irrelevant")
            form.get_by_label("Status").select_option("needs_follow_up")
            form.get_by_label(re.compile("Next contact")).fill("2026-11-26T10:00")
            form.get_by_label(re.compile("Next contact")).blur()
            expect(form.locator("[data-save-state]")).to_have_text("Saved ✓")
        # one zone on the whole panel: the lead's own (a Los Angeles ZIP in the New York office)
        expect(panel.locator(".timeline")).to_contain_text("PST")
        found = set(ZONES.findall(panel.inner_text()))
        assert found == {"PST"}, found
        shoot(page, f"lead-panel-status-form-{suffix}", full_page=False)  # the panel is fixed: the viewport
        context.close()


def test_a_destructive_action_confirms_first_with_and_without_javascript(browser, server: LiveServer) -> None:  # noqa: F811
    display = post_lead(server, {"name": "Archie Keep", "phone": "3055550123", "office": "Garage"})
    for viewport, suffix in ((PHONE, "390"), ({"width": 1280, "height": 900}, "1280")):  # the last one confirms
        context = new_context(browser, server, viewport)
        page = context.new_page()
        sign_in(page, "admin@porchlight.test", "admin-demo-pass")
        open_in_panel(page, display)
        panel = page.locator("#lead-panel-body")
        panel.get_by_role("button", name="Archive").click()
        dialog = page.locator("dialog.confirm-dialog")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text(f"Archive {display}?")
        shoot(page, f"confirm-dialog-{suffix}", full_page=False)
        dialog.get_by_role("button", name="Cancel").click()  # cancel leaves it
        expect(dialog).to_be_hidden()
        expect(panel.locator(".archived-banner")).to_have_count(0)
        assert page.request.get(f"/api/leads/{display}").json()["archived"] is False
        if suffix == "1280":
            panel.get_by_role("button", name="Archive").click()
            dialog.get_by_role("button", name="Confirm").click()  # confirm does it, in the panel
            expect(panel.locator(".archived-banner")).to_contain_text("archived")
            assert page.request.get(f"/api/leads/{display}").json()["archived"] is True
        context.close()

    # Without JavaScript: the button opens a confirmation page, whose form does it
    other = post_lead(server, {"name": "Nora Noscript", "phone": "3055550177", "office": "Garage"})
    for viewport, suffix in ((PHONE, "390"), ({"width": 1280, "height": 900}, "1280")):  # the last one confirms
        context = browser.new_context(base_url=server.base_url, viewport=viewport, java_script_enabled=False)
        page = context.new_page()
        sign_in(page, "admin@porchlight.test", "admin-demo-pass")
        page.goto(f"/leads/{other}")
        page.get_by_role("button", name="Archive").click()
        expect(page).to_have_url(re.compile(f"/leads/{other}/archive\\??$"))
        expect(page.get_by_role("heading", name=f"Archive {other}?")).to_be_visible()
        shoot(page, f"confirm-page-nojs-{suffix}")
        if suffix == "390":
            page.get_by_role("link", name="Cancel").click()
            expect(page).to_have_url(re.compile(f"/leads/{other}$"))
            expect(page.locator(".archived-banner")).to_have_count(0)
        else:
            page.get_by_role("button", name="Confirm").click()
            expect(page.locator(".archived-banner")).to_contain_text("archived")
        context.close()


def test_a_new_lead_in_the_queue_pings_the_desktop_once_switched_on(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server)
    context.grant_permissions(["notifications"], origin=server.base_url)
    # record what would pop up, instead of the system's notification centre
    context.add_init_script(
        "window.__pings = []; window.Notification = class {"
        " constructor(t, o) { window.__pings.push([t, o && o.body]); }"
        " static get permission() { return 'granted'; }"
        " static requestPermission() { return Promise.resolve('granted'); } close() {} };"
    )
    page = context.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    page.goto("/leads")
    bell = page.locator("[data-notify-toggle]")
    expect(bell).to_have_text("🔕 Notifications off")
    bell.click()
    expect(bell).to_have_text("🔔 Notifications on")
    display = post_lead(server, {"name": "Ping Pam", "phone": "3055550188", "office": "Garage"})
    expect(page.locator(f'tr[data-lead="{display}"]')).to_be_visible(timeout=15_000)  # the queue's own polling
    page.wait_for_function("window.__pings.length > 0")
    assert page.evaluate("window.__pings")[0][0] == "New lead: Ping Pam"
    page.reload()
    expect(bell).to_have_text("🔔 Notifications on")  # the choice stays in this browser
    context.close()


def test_deleting_a_contact_takes_typing_delete(browser, server: LiveServer) -> None:  # noqa: F811
    from tests.browser.test_browser_customer_record import create_customer

    context = new_context(browser, server)
    page = context.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    display = create_customer(page)
    csrf = page.locator("body").get_attribute("hx-headers") or ""
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', csrf).group(1)
    added = page.request.post(
        f"/api/customers/{display}/contacts",
        headers={"x-csrf-token": token},
        data={"name": "Diego Flores", "email": "diego@example.com"},
    )
    assert added.status == 201, added.text()
    page.goto(f"/clients/{display}")
    diego = page.locator("#contacts .contact", has_text="Diego Flores")
    diego.get_by_role("button", name="Delete").click()
    dialog = page.locator("dialog.confirm-dialog")
    expect(dialog).to_contain_text("Delete the contact Diego Flores?")
    confirm = dialog.get_by_role("button", name="Delete")
    expect(confirm).to_be_disabled()  # seed 004: type Delete first
    dialog.get_by_label(re.compile("to confirm")).fill("delet")
    expect(confirm).to_be_disabled()
    dialog.get_by_label(re.compile("to confirm")).fill("Delete")
    expect(confirm).to_be_enabled()
    shoot(page, "confirm-dialog-typed-delete-1280", full_page=False)
    confirm.click()
    expect(page.locator(".flash")).to_contain_text("Contact deleted")
    expect(page.locator("#contacts .contact", has_text="Diego Flores")).to_have_count(0)
    context.close()


def test_secure_access_and_file_deletes_confirm_inside_their_htmx_panels(browser, server: LiveServer) -> None:  # noqa: F811
    from tests.browser.test_browser_customer_record import create_customer

    context = new_context(browser, server)
    page = context.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    display = create_customer(page)
    token = re.search(r'"X-CSRF-Token": "([^"]+)"', page.locator("body").get_attribute("hx-headers") or "").group(1)
    saved = page.request.post(
        f"/api/customers/{display}/secure-access",
        headers={"x-csrf-token": token},
        data={"label": "Garage keypad", "kind": "device", "secret": "4821"},
    )
    assert saved.status == 201, saved.text()
    uploaded = page.request.post(
        f"/api/customers/{display}/files",
        headers={"x-csrf-token": token},
        multipart={"file": {"name": "quote.txt", "mimeType": "text/plain", "buffer": b"Quote: $480"}},
    )
    assert uploaded.status == 201, uploaded.text()
    page.goto(f"/clients/{display}")
    dialog = page.locator("dialog.confirm-dialog")

    files = page.locator("#files")
    expect(files).to_contain_text("quote.txt")
    files.get_by_role("button", name="Delete").click()
    expect(dialog).to_contain_text("Delete “quote.txt”?")
    dialog.get_by_role("button", name="Cancel").click()
    expect(files).to_contain_text("quote.txt")  # cancel leaves it
    files.get_by_role("button", name="Delete").click()
    dialog.get_by_role("button", name="Delete file").click()
    expect(page.locator("#files")).not_to_contain_text("quote.txt")  # swapped in place by htmx
    expect(page).to_have_url(re.compile(f"/clients/{display}$"))

    secure = page.locator("#secure-access")
    secure.locator("summary", has_text="Edit").first.click()
    secure.get_by_role("button", name="Delete").click()
    expect(dialog).to_contain_text("Delete “Garage keypad”?")
    dialog.get_by_role("button", name="Delete").click()
    expect(page.locator("#secure-access")).not_to_contain_text("Garage keypad")
    context.close()

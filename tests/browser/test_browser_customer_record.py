"""The customer record in a real browser: an agent opens a client, adds a contact and makes it the
primary, pins an important note, tags the client, and sees a card number refused; screenshots at
desktop and phone width."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, PHONE, browser, new_context, server, sign_in  # noqa: F401 (fixtures)
from tests.browser_support import LiveServer

pytestmark = pytest.mark.browser


def create_customer(page: Page) -> str:
    """Through the JSON API with the page's own session and CSRF token, as the app's scripts would."""
    page.goto("/")  # a settled page of our own, whatever the sign-in landed on
    csrf = json.loads(page.locator("body").get_attribute("hx-headers") or "{}")["X-CSRF-Token"]
    response = page.request.post(
        "/api/customers",
        headers={"x-csrf-token": csrf},
        data={
            "name": "Marta Flores",
            "source": "yelp",
            "contact": {"name": "Marta Flores", "phone": "305 555 0101", "email": "marta@example.com"},
            "billing_address": {"line1": "221 Coral Way", "city": "Miami", "state": "FL", "zip": "33145"},
        },
    )
    assert response.status == 201, response.text()
    return response.json()["id"]


def test_open_a_client_add_a_contact_and_make_it_primary(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server)
    page: Page = context.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    display = create_customer(page)
    page.goto(f"/clients/{display}")
    expect(page.locator("h1")).to_contain_text("Marta Flores")
    expect(page.locator(".client-summary")).to_contain_text("221 Coral Way, Miami, FL 33145")
    contacts = page.locator("#contacts")
    expect(contacts.locator(".contact-primary")).to_contain_text("Marta Flores")

    contacts.get_by_text("+ Add contact").click()
    form = contacts.locator("form[aria-label='New contact']")
    form.get_by_label("Name").fill("Diego Flores")
    form.get_by_label("Position").fill("Son, handles bookings")
    form.get_by_label("Phone", exact=True).fill("(786) 555-0144")
    form.get_by_label("Email", exact=True).fill("diego@example.com")
    form.get_by_role("button", name="Add contact").click()
    expect(page.locator(".flash")).to_contain_text("Contact added")
    diego = contacts.locator(".contact", has_text="Diego Flores")
    expect(diego).to_contain_text("+17865550144")

    diego.get_by_role("button", name="Make primary").click()
    expect(page.locator(".flash")).to_contain_text("Primary contact changed")
    expect(contacts.locator(".contact").first).to_contain_text("Diego Flores")
    expect(contacts.locator(".contact-primary")).to_have_count(1)
    expect(contacts.locator(".contact-primary")).to_contain_text("★ Primary")
    expect(page.locator("#timeline")).to_contain_text("Primary contact: Marta Flores → Diego Flores")

    notes = page.locator("#notes")
    notes.get_by_label("Add a note").fill("Gate code is with the neighbour at 223.")
    notes.get_by_label("Pin as important").check()
    notes.get_by_role("button", name="Add note").click()
    expect(notes.locator(".note-important")).to_contain_text("Gate code")
    page.get_by_label("Add a tag").fill("Spanish")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".tags")).to_contain_text("Spanish")  # as typed (issue 16 #14)
    page.locator(".stars").get_by_label("4 of 5 stars").click()
    expect(page.locator(".stars .star.on")).to_have_count(4)

    # a card number typed into a note is refused, with the reason, and not kept
    notes.get_by_label("Add a note").fill("Pays with 4111 1111 1111 1111")
    notes.get_by_role("button", name="Add note").click()
    expect(page.locator(".error")).to_contain_text("looks like a payment card number")
    expect(page.locator("#notes")).not_to_contain_text("4111")

    page.goto(f"/clients/{display}")
    page.screenshot(path=str(ARTIFACTS / "client-record-agent-desktop.png"), full_page=True)
    page.locator("#timeline").get_by_role("link", name="Contacts").click()
    expect(page).to_have_url(re.compile(r"type=contact"))
    expect(page.locator("#timeline .timeline li")).to_have_count(2)  # contact added, primary changed
    context.close()

    phone = new_context(browser, server, PHONE)
    page = phone.new_page()
    sign_in(page, "agent@porchlight.test", "agent-demo-pass")
    page.goto(f"/clients/{display}")
    expect(page.locator("h1")).to_contain_text("Marta Flores")
    page.screenshot(path=str(ARTIFACTS / "client-record-agent-phone.png"), full_page=True)
    page.screenshot(path=str(ARTIFACTS / "client-record-agent-phone-top.png"))
    page.locator("#contacts").scroll_into_view_if_needed()
    page.locator("#contacts").get_by_text("Edit").first.click()
    page.screenshot(path=str(ARTIFACTS / "client-record-agent-phone-contacts.png"))
    page.locator("#notes").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "client-record-agent-phone-notes.png"))
    phone.close()

    # an admin sees the billing profile form and the record's actions
    admin = new_context(browser, server)
    page = admin.new_page()
    sign_in(page, "admin@porchlight.test", "admin-demo-pass")
    page.goto(f"/clients/{display}")
    billing = page.locator("#billing")
    billing.get_by_text("Edit billing profile").click()
    billing.get_by_label("Terms").fill("Net 30")
    billing.get_by_label("Processor token").fill("pm_1QxTest4242")
    billing.get_by_label("Brand").select_option("visa")
    billing.get_by_label("Last 4").fill("4242")
    billing.get_by_label("Expires").fill("2028-04")
    billing.get_by_role("button", name="Save billing profile").click()
    expect(page.locator(".flash")).to_contain_text("Billing profile saved")
    expect(billing).to_contain_text("Visa •••• 4242")
    page.locator("#manage").get_by_text("Merge with another customer…").click()
    page.screenshot(path=str(ARTIFACTS / "client-record-admin-desktop.png"), full_page=True)
    admin.close()

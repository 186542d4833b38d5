"""Account security in a real browser (issue 17): an agent turns on two-step sign-in by scanning nothing
(the test computes the codes with pyotp from the key the page shows), signs in with a code and then
with a recovery code; an admin's password change ends their session in another browser. Screenshots
of Account security, the enrol page and the code step at 1280 and 390 px go to /tmp/shots/security17/.

The live server's clock starts at BROWSER_NOW when it starts and runs at the real rate, so the test
keeps its own reading of it (`ServerTime`), started when the server first answers (within a second
of the server's own), and takes codes well inside a 30-second step, never near its edge.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from core import clock
from tests.browser.test_browser import ARTIFACTS, DESKTOP, TIMEOUT_MS, browser  # noqa: F401 (fixture)
from tests.browser_support import BROWSER_NOW, LiveServer, live_server, require_chromium

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SHOTS_DIR") or ARTIFACTS / "security17")  # SHOTS_DIR=/tmp/shots/security17
PHONE: ViewportSize = {"width": 390, "height": 844}
STEP = 30


class ServerTime:
    """The live server's "now", read from a clock started just before the server's own."""

    def __init__(self) -> None:
        self.began = time.monotonic()

    def now(self) -> datetime:
        return clock.parse(BROWSER_NOW) + timedelta(seconds=time.monotonic() - self.began)

    def settle(self) -> None:
        """Wait until the reading is 6–20 s into a step, so the server (a few seconds behind at most)
        is in the same step and stays there while the next page loads."""
        into = self.now().timestamp() % STEP
        if not 6 <= into <= 20:
            time.sleep((STEP - into + 6) % STEP)


@pytest.fixture(scope="module")
def timed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, ServerTime]]:
    require_chromium()
    with live_server(tmp_path_factory.mktemp("live")) as running:
        yield running, ServerTime()


def context_for(browser: Browser, server: LiveServer, viewport: ViewportSize = DESKTOP):  # noqa: F811
    context = browser.new_context(base_url=server.base_url, viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def password_step(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name}: {width}px wide"


def test_totp_enrol_then_sign_in_with_a_code_and_with_a_recovery_code(browser, timed_server) -> None:  # noqa: F811
    server, reading = timed_server
    context = context_for(browser, server)
    page = context.new_page()
    password_step(page, "agent@porchlight.test", "agent-demo-pass")
    expect(page).to_have_url(re.compile(r"/leads|/$"))
    page.goto("/account")
    page.get_by_role("link", name="Account security").click()
    expect(page.get_by_role("heading", name="Two-step sign-in")).to_be_visible()
    shoot(page, "account-security-1280")
    page.set_viewport_size(PHONE)
    shoot(page, "account-security-390")
    page.set_viewport_size(DESKTOP)

    page.get_by_role("button", name="Set up two-step sign-in").click()
    expect(page).to_have_url(re.compile(r"/account/two-factor/enrol$"))
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    shoot(page, "enrol-1280")
    page.set_viewport_size(PHONE)
    shoot(page, "enrol-390")
    page.set_viewport_size(DESKTOP)

    totp = pyotp.TOTP(secret)
    reading.settle()
    step = int(reading.now().timestamp()) // STEP
    page.get_by_label("6-digit code").fill(totp.generate_otp(step))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_text("Save these recovery codes now")).to_be_visible()
    codes = [c.inner_text() for c in page.locator("ol.recovery-codes code").all()]
    assert len(codes) == 10
    shoot(page, "recovery-codes-1280")
    page.set_viewport_size(PHONE)
    shoot(page, "recovery-codes-390")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name=re.compile("continue")).click()
    page.goto("/account/security")
    expect(page.locator("#two-factor")).to_contain_text("10 of 10 recovery codes left")
    assert secret not in page.content()  # never shown again
    shoot(page, "account-security-on-1280")

    # sign in again: password, then the next step's code (the one just used is spent)
    page.get_by_role("button", name="Sign out").click()
    password_step(page, "agent@porchlight.test", "agent-demo-pass")
    expect(page).to_have_url(re.compile(r"/login/code$"))
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    shoot(page, "login-code-1280")
    page.set_viewport_size(PHONE)
    shoot(page, "login-code-390")
    page.set_viewport_size(DESKTOP)
    page.get_by_label("Code").fill(totp.generate_otp(step))  # replayed: refused
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("didn't work")
    page.get_by_label("Code").fill(totp.generate_otp(step + 1))
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))

    # and with a recovery code, once
    page.get_by_role("button", name="Sign out").click()
    password_step(page, "agent@porchlight.test", "agent-demo-pass")
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify and sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.goto("/account/security")
    expect(page.locator("#two-factor")).to_contain_text("9 of 10 recovery codes left")
    context.close()


def test_changing_the_password_ends_the_other_browsers_session(browser, timed_server) -> None:  # noqa: F811
    server, _ = timed_server
    laptop, phone = context_for(browser, server), context_for(browser, server, PHONE)
    first, second = laptop.new_page(), phone.new_page()
    for page in (first, second):
        password_step(page, "admin@porchlight.test", "admin-demo-pass")
        expect(page).not_to_have_url(re.compile(r"/login"))
    first.goto("/account/security")
    first.get_by_label("Current password").fill("admin-demo-pass")
    first.get_by_label("New password").fill("qwertyuiop123")  # on the common list
    first.get_by_role("button", name="Change password").click()
    expect(first.locator("#err-new")).to_contain_text("attackers try first")
    first.get_by_label("Current password").fill("admin-demo-pass")
    first.get_by_label("New password").fill("a lamp by the back door")
    first.get_by_role("button", name="Change password").click()
    expect(first.locator(".flash")).to_contain_text("signed out on every other device")

    second.goto("/leads")
    expect(second).to_have_url(re.compile(r"/login"))  # the other browser's session is gone
    first.goto("/leads")
    expect(first).to_have_url(re.compile(r"/leads"))  # this one stays
    laptop.close()
    phone.close()


def test_the_owner_requires_it_per_role_and_resets_a_teammate(browser, timed_server) -> None:  # noqa: F811
    server, _ = timed_server
    context = context_for(browser, server)
    page = context.new_page()
    password_step(page, "owner@porchlight.test", "owner-demo-pass")
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.goto("/maintenance/users")
    card = page.locator("#two-factor")
    card.get_by_label("Viewer").check()
    card.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Saved")
    expect(page.locator("#two-factor").get_by_label("Viewer")).to_be_checked()
    shoot(page, "maintenance-two-factor-1280")
    page.goto("/people")
    expect(page.get_by_role("heading", name="Reset a teammate's sign-in")).to_be_visible()
    shoot(page, "people-1280")
    page.set_viewport_size(PHONE)
    shoot(page, "people-390")
    context.close()

    # the viewer's next sign-in goes to set-up before any page
    context = context_for(browser, server, PHONE)
    page = context.new_page()
    password_step(page, "viewer@porchlight.test", "viewer-demo-pass")
    expect(page).to_have_url(re.compile(r"/account/two-factor/enrol$"))
    page.goto("/leads")
    expect(page).to_have_url(re.compile(r"/account/two-factor/enrol$"))
    expect(page.get_by_text("Your role requires a code from your phone")).to_be_visible()
    shoot(page, "enrol-required-390")
    context.close()

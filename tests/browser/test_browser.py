"""The app in a real browser: sign in as every role, check what the top bar offers, sign out.

Runs the real `porchlight serve` (see tests/browser_support.py) and drives the system Chromium
through Playwright's sync API. Run with `pytest -m browser tests/browser/test_browser.py`; without
/usr/bin/chromium these skip (or fail under REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, ViewportSize, expect

from accounts import authz, login, users
from tests.browser_support import DEMO_LOGINS, LiveServer, chromium, live_server, require_chromium

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 360, "height": 740}
TIMEOUT_MS = 10_000


def _settling(click):
    """A click that loads another page returns once the new page is committed, before its deferred
    scripts bind its forms; the next fill or click could then act on a form no script handles yet
    (seen under libfaketime, which slows the browser). Every click here also waits for the page's
    load event, which is immediate when nothing navigated."""

    def click_and_settle(self, *args, **kwargs):
        click(self, *args, **kwargs)
        page = self if isinstance(self, Page) else self.page
        if not page.is_closed():
            page.wait_for_load_state()

    return click_and_settle


Locator.click = _settling(Locator.click)  # type: ignore[method-assign]
Page.click = _settling(Page.click)  # type: ignore[method-assign]
expect.set_options(timeout=TIMEOUT_MS)


def expected_nav(role: str) -> list[tuple[str, str]]:
    """The top bar a role should see, from the authorization tables rather than by hand."""
    return [(label, href) for label, href, action in authz.NAV if role in authz.ACTIONS[action]]


def forbidden_pages(role: str) -> list[str]:
    """Every plain GET page (no path parameters, not the JSON API) this role may not open."""
    pages = []
    for (method, path), rule in authz.ROUTES.items():
        if method != "GET" or "{" in path or path.startswith("/api") or rule in (authz.PUBLIC, authz.SIGNED_IN):
            continue
        if role not in authz.ACTIONS[rule]:
            pages.append(path)
    return pages


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    require_chromium()  # skip before paying for a server when there is no browser
    with live_server(tmp_path_factory.mktemp("live")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


def new_context(browser: Browser, server: LiveServer, viewport: ViewportSize = DESKTOP) -> BrowserContext:
    context = browser.new_context(base_url=server.base_url, viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def page(browser: Browser, server: LiveServer) -> Iterator[Page]:
    context = new_context(browser, server)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page).not_to_have_url(re.compile(r"/login(\?|$)"))


def visit(page: Page, href: str, status: int = 200) -> None:
    response = page.goto(href)
    assert response is not None, href
    assert response.status == status, f"{href} answered {response.status}, expected {status}"


def nav_links(page: Page) -> list[tuple[str, str]]:
    """(label, href) of every top-bar link, in order (hidden or not: the phone menu folds them away)."""
    pairs = page.locator("nav.nav a.nav-link").evaluate_all(
        "links => links.map(a => [a.textContent.trim(), a.getAttribute('href')])"
    )
    return [(label, href) for label, href in pairs]


def test_expected_navigation_sanity() -> None:
    """A hand-written anchor for the computed expectation, so a broken NAV table cannot pass itself."""
    # Tasks (📋) and the global timeline (🕘) are top-bar icons beside 📱, not nav links
    owner = ["Leads", "Jobs", "Clients", "Tickets", "Contractors", "Finance", "Billing", "Reports", "Maintenance"]
    assert [label for label, _ in expected_nav("owner")] == owner
    assert expected_nav("partner") == [("Leads", "/leads"), ("Jobs", "/jobs")]  # their partner's only
    assert {role for _, _, role in DEMO_LOGINS} == set(users.ROLE_LABELS)


@pytest.mark.parametrize(("email", "password", "role"), DEMO_LOGINS, ids=[row[2] for row in DEMO_LOGINS])
def test_role_sees_its_navigation_and_is_refused_elsewhere(page: Page, email: str, password: str, role: str) -> None:
    sign_in(page, email, password)

    expected = expected_nav(role)
    # Home sends a signed-in user to the first page they may open.
    expect(page).to_have_url(re.compile(re.escape(expected[0][1] if expected else "/account") + "$"))
    assert nav_links(page) == expected
    expect(page.locator(".topbar .role-badge")).to_have_text(users.ROLE_LABELS[role])

    for label, href in expected:
        visit(page, href)
        expect(page.locator("nav.nav a.nav-link.active")).to_have_text(label)

    refused = forbidden_pages(role)
    if role == "owner":
        assert refused == []  # the owner may open every page
    else:
        assert refused, f"{role} should be refused at least one page"
    for href in refused:
        visit(page, href, 403)
        expect(page.locator(".status-code")).to_have_text("403")
        expect(page.get_by_role("heading", level=1)).to_have_text("Not allowed")
        expect(page.locator(".topbar .role-badge")).to_have_text(users.ROLE_LABELS[role])

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.locator(".flash")).to_have_text("You are signed out.")
    expect(page.locator(".topbar")).to_have_count(0)
    # The session really ended: a signed-in page now bounces back to sign-in.
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login"))


def test_wrong_password_shows_the_error_and_stays_on_login(page: Page) -> None:
    email = "viewer@porchlight.test"
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("not-the-password")
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/login")) as posted:
        page.get_by_role("button", name="Sign in").click()
    assert posted.value.status == 401
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_role("alert")).to_have_text(login.WRONG)
    expect(page.get_by_label("Email")).to_have_value(email)
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.locator(".topbar")).to_have_count(0)


def _shot(page: Page, name: str, size: str) -> None:
    page.wait_for_load_state("networkidle")
    path = ARTIFACTS / f"{name}-{size}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)], ids=["desktop", "phone"])
def test_screenshots(browser: Browser, server: LiveServer, size: str, viewport: ViewportSize) -> None:
    """Pictures for a human to review (tests/artifacts/, gitignored); asserts only that pages render."""
    ARTIFACTS.mkdir(exist_ok=True)

    anonymous = new_context(browser, server, viewport)
    try:
        page = anonymous.new_page()
        page.goto("/login")
        _shot(page, "login", size)
    finally:
        anonymous.close()

    agent = new_context(browser, server, viewport)
    try:
        page = agent.new_page()
        sign_in(page, "agent@porchlight.test", "agent-demo-pass")
        visit(page, "/leads")
        _shot(page, "leads-agent", size)
        if size == "phone":
            page.locator("#nav-toggle").click()  # the (transparent) checkbox sits over the burger
            expect(page.locator("nav.nav a.nav-link").first).to_be_visible()
            _shot(page, "leads-agent-nav-open", size)
        visit(page, "/account")
        _shot(page, "account-agent", size)
        page.get_by_role("button", name="Sign out").click()
        expect(page.locator(".flash")).to_be_visible()
        _shot(page, "login-signed-out", size)
    finally:
        agent.close()

    owner = new_context(browser, server, viewport)
    try:
        page = owner.new_page()
        sign_in(page, "owner@porchlight.test", "owner-demo-pass")
        visit(page, "/maintenance/users")
        _shot(page, "users-owner", size)
        edit = page.get_by_role("link", name="Ava Agent").get_attribute("href")
        assert edit and re.fullmatch(r"/maintenance/users/\d+", edit), edit
        visit(page, edit)
        _shot(page, "user-edit-owner", size)
        visit(page, "/maintenance/audit")
        _shot(page, "audit-owner", size)
    finally:
        owner.close()

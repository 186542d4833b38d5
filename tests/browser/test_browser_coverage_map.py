"""The coverage map in a real browser (CTR-4, CTR-6): it draws offline from our own origin (no request
to any other host), pins carry their density colour, an area toggled in place changes colour without a
reload, and a toggle the server refuses is rolled back. Screenshots at 1280 px and 390 px go to
tests/artifacts/ for a person to look at."""

from __future__ import annotations

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from core import bindings as runtime
from core.records import SYSTEM
from network import areas
from tests.browser.test_browser import ARTIFACTS, DESKTOP, browser, new_context, server, sign_in  # noqa: F401
from tests.browser_support import LiveServer
from tests.network.map_fixtures import area, contractor, cover

pytestmark = pytest.mark.browser

PLACES = (
    ("Miami", "33139"),
    ("Tampa", "33602"),
    ("Austin", "78701"),
    ("Denver", "80202"),
    ("Seattle", "98101"),
    ("Chicago", "60601"),
    ("Brooklyn", "11201"),
    ("Phoenix", "85004"),
    ("Atlanta", "30303"),
    ("Anchorage", "99501"),
)
YELLOW, RED, BLUE, GRAY = "rgb(229, 180, 0)", "rgb(214, 69, 69)", "rgb(29, 92, 255)", "rgb(154, 163, 174)"


def _in_thread(coro_fn, *args):
    """Run our async verbs from this sync test (Playwright owns this thread's event loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(coro_fn(*args))).result()


async def _seed(db_path: Path, now) -> None:
    b = runtime.local(db_path, migrate=False)
    db = b.db
    made = {label: await area(db, now, label, zip_code) for label, zip_code in PLACES}
    acme = await contractor(db, now, "Acme Doors")
    best = await contractor(db, now, "Best Garage Co")
    await contractor(db, now, "Idle Overhead", active=False)
    mike = await contractor(db, now, "Mike Hernandez", kind="technician")
    await cover(db, now, acme, made["Miami"], made["Tampa"], made["Atlanta"])
    await cover(db, now, best, made["Tampa"], made["Atlanta"], made["Phoenix"])
    await cover(db, now, mike, made["Brooklyn"])


async def _delete_area(db_path: Path, label: str, now) -> None:
    db = runtime.local(db_path, migrate=False).db
    row = await db.first("SELECT * FROM service_areas WHERE label = ?", label)
    await areas.delete_area(db, now, SYSTEM, row)


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def pin(page: Page, label: str):
    return page.locator(f'circle.cov-pin[aria-label^="{label}:"]')


def fill(page: Page, label: str) -> str:
    return pin(page, label).evaluate("el => getComputedStyle(el).fill")


def test_coverage_map_offline_with_in_place_editing(browser, server: LiveServer) -> None:  # noqa: F811
    _in_thread(_seed, server.db_path, server.now())
    context = new_context(browser, server)
    hosts: set[str] = set()
    context.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or ""))
    page = context.new_page()
    sign_in(page, "owner@porchlight.test", "owner-demo-pass")
    page.goto("/contractors/coverage")
    expect(page.locator("[data-coverage][data-ready='1']")).to_be_visible()
    expect(page.locator(".cov-states path")).to_have_count(56)  # states, DC and territories from us-atlas
    expect(page.locator("circle.cov-pin")).to_have_count(len(PLACES))  # Anchorage too (Albers USA insets)
    assert pin(page, "Miami").get_attribute("data-density") == "single"
    assert pin(page, "Tampa").get_attribute("data-density") == "multiple"
    assert pin(page, "Austin").get_attribute("data-density") == "none"
    assert fill(page, "Austin") == RED and fill(page, "Miami") == YELLOW

    # Hover: who covers it.
    pin(page, "Tampa").hover()
    tip = page.locator(".cov-tip")
    expect(tip).to_be_visible()
    expect(tip).to_contain_text("Acme Doors")
    expect(tip).to_contain_text("Best Garage Co")
    expect(tip).to_contain_text("By job type: Garage doors 2")  # SA-3
    shot(page, "coverage-map-desktop")

    # Zoom: the buttons and the wheel change the view; pins keep their size on screen.
    before = pin(page, "Tampa").bounding_box()
    page.get_by_role("button", name="Zoom in").click()
    expect(page.locator("[data-coverage]")).to_have_attribute("data-zoom", "2.00")
    after = pin(page, "Tampa").bounding_box()
    assert before and after and abs(after["width"] - before["width"]) < 1
    page.get_by_role("button", name="Whole country").click()
    expect(page.locator("[data-coverage]")).to_have_attribute("data-zoom", "1.00")
    page.locator("svg.cov-svg").hover(position={"x": 600, "y": 400})
    page.mouse.wheel(0, -300)
    expect(page.locator("[data-coverage]")).not_to_have_attribute("data-zoom", "1.00")
    page.get_by_role("button", name="Whole country").click()

    # Pick a contractor: only their areas stand out.
    page.locator(".cov-row", has_text="Best Garage Co").locator(".cov-pick").click()
    expect(pin(page, "Phoenix")).to_have_class("cov-pin cov-single cov-mine")
    expect(pin(page, "Miami")).to_have_class("cov-pin cov-single cov-dim")

    # Edit Acme's areas in place: Austin goes gray → blue at once, and stays after the save.
    page.get_by_role("button", name="Edit Acme Doors's areas").click()
    banner = page.locator(".cov-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Editing coverage for Acme Doors")
    assert fill(page, "Austin") == GRAY and fill(page, "Miami") == BLUE
    pin(page, "Austin").click()
    expect(pin(page, "Austin")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".cov-status")).to_contain_text("Added Austin to Acme Doors")
    assert fill(page, "Austin") == BLUE
    pin(page, "Tampa").hover()
    expect(tip).to_be_hidden()  # hover popovers are suppressed while editing
    shot(page, "coverage-map-editing-desktop")

    # A toggle the server refuses is rolled back: Denver is deleted behind the page's back.
    _in_thread(_delete_area, server.db_path, "Denver", server.now())
    pin(page, "Denver").click()
    expect(page.locator(".cov-status")).to_contain_text("Couldn't save Denver")
    expect(page.locator(".cov-status")).to_contain_text("undone")
    expect(pin(page, "Denver")).to_have_attribute("aria-pressed", "false")
    assert fill(page, "Denver") == GRAY
    shot(page, "coverage-map-rollback-desktop")

    # Done: back to density colours, Austin now yellow (one active contractor), in the page and the API.
    banner.get_by_role("button", name="Done").click()
    expect(banner).to_be_hidden()
    expect(pin(page, "Austin")).to_have_attribute("data-density", "single")
    assert fill(page, "Austin") == YELLOW
    expect(page.locator(".cov-row", has_text="Acme Doors").locator(".cov-count")).to_have_text("4 areas")
    api = page.request.get("/api/coverage").json()
    austin = next(a for a in api["areas"] if a["label"] == "Austin")
    assert austin["colour"] == "yellow"

    page.reload()
    expect(page.locator("[data-coverage][data-ready='1']")).to_be_visible()
    assert fill(page, "Austin") == YELLOW  # it was saved, not only drawn
    assert hosts == {"127.0.0.1"}, hosts  # nothing from a tile server, CDN or font host
    context.close()


def test_coverage_map_on_a_phone_and_read_only(browser, server: LiveServer) -> None:  # noqa: F811
    context = new_context(browser, server, {"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, "viewer@porchlight.test", "viewer-demo-pass")
    page.goto("/contractors/coverage")
    expect(page.locator("[data-coverage][data-ready='1']")).to_be_visible()
    expect(page.locator(".cov-edit")).to_have_count(0)  # viewers read the map, never edit it
    svg = page.locator("svg.cov-svg").bounding_box()
    assert svg is not None and svg["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    shot(page, "coverage-map-phone")
    context.close()
    desktop = new_context(browser, server, DESKTOP)
    page = desktop.new_page()
    sign_in(page, "finance@porchlight.test", "finance-admin-demo-pass")
    page.goto("/contractors/coverage")
    expect(page.locator(".cov-edit").first).to_be_visible()  # finance admins edit
    desktop.close()


async def _seed_technician_day(db_path: Path, now) -> int:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from network import appointments, technicians

    b = runtime.local(db_path, migrate=False)
    found = await b.db.first("SELECT id FROM contractors WHERE kind = 'technician'")
    tech_id = found["id"] if found else (await contractor(b.db, now, "Mike Hernandez", kind="technician"))["id"]
    tech = await technicians.get(b.db, tech_id)
    await technicians.set_home_base(b.db, now, SYSTEM, b.geocoder, tech, "45 Ocean Ave, Brooklyn, NY 11225")
    office = await b.db.first("SELECT id FROM offices WHERE name = 'Garage'")
    day = now.astimezone(ZoneInfo("America/New_York")).date()
    stops = (("Spring replacement", "11215"), ("Opener install", "11201"), ("Tune-up", "10003"))
    for n, (title, zip_code) in enumerate(stops):
        place = await b.geocoder.zip(zip_code)
        start = datetime(day.year, day.month, day.day, 8 + 2 * n, tzinfo=ZoneInfo("America/New_York"))
        await appointments.add(
            b.db,
            now,
            contractor_id=tech["id"],
            office_id=office["id"],
            title=title,
            address=f"{120 + n} Court St, {place.city}, NY {zip_code}",
            lat=place.lat,
            lng=place.lng,
            starts=start,
            ends=start + timedelta(minutes=90),
        )
    return int(tech["id"])


def test_technician_day_plan_page(browser, server: LiveServer) -> None:  # noqa: F811
    tech_id = _in_thread(_seed_technician_day, server.db_path, server.now())
    for name, viewport in (("desktop", DESKTOP), ("phone", {"width": 390, "height": 844})):
        context = new_context(browser, server, viewport)
        page = context.new_page()
        sign_in(page, "owner@porchlight.test", "owner-demo-pass")
        page.goto(f"/contractors/technicians/{tech_id}")
        rows = page.locator("table tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.nth(0)).to_contain_text("home base")
        expect(rows.nth(1)).to_contain_text("previous appointment")
        expect(rows.nth(1)).to_contain_text("(estimate)")
        if name == "desktop":
            page.get_by_role("button", name="Issue feed URL").click()
            expect(page.get_by_label("Calendar feed URL")).to_have_value(re.compile(r"/calendar/technicians/.+\.ics$"))
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        shot(page, f"technician-day-{name}")
        context.close()

"""Online booking in a real browser: the owner builds an embed, a visitor books a window through its
inline widget inside an iframe on a separate host page, and the lead shows up in the queue with the
host page's UTM tags. Screenshots of the widget at phone and desktop widths go to tests/artifacts."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_browser import ARTIFACTS, browser, new_context, server, sign_in  # noqa: F401 (fixtures)
from tests.browser_support import LiveServer, free_port

pytestmark = pytest.mark.browser

LOGO = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 32" onload="alert('x')">
<script>alert(1)</script><rect width="32" height="32" rx="8" fill="#0f766e"/>
<path d="M8 22 L16 10 L24 22 Z" fill="#fff"/>
<text x="40" y="22" font-family="Arial" font-size="16" font-weight="700" fill="#0f172a">Slide</text></svg>"""


def host_page(app: str, slug: str) -> bytes:
    return f"""<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Slide Right Doors</title></head>
<body style="margin:0;font-family:sans-serif;background:#eef2f7">
<header style="padding:16px;background:#0f172a;color:#fff">Slide Right Doors — family owned since 1998</header>
<main style="padding:16px"><h1 style="font-size:20px">Book your repair</h1>
<iframe src="{app}/book/{slug}?inline=1" style="width:100%;max-width:540px;height:760px;border:none"
 title="Book an appointment" data-porchlight-booking></iframe>
<script src="{app}/static/booking-embed.js" async></script></main></body></html>""".encode()


@pytest.fixture
def host(server: LiveServer) -> Iterator[str]:  # noqa: F811
    """A stand-in for the business's website, on another origin (localhost vs 127.0.0.1)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = host_page(server.base_url, "slide-right")
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    port = free_port()
    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{port}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def garage(page: Page) -> str:
    return page.locator("select[name=office_id] option", has_text="Garage").get_attribute("value") or ""


def build_embed(page: Page, tmp_path) -> None:
    page.goto("/maintenance")
    page.get_by_role("link", name=re.compile("Online booking")).click()
    page.get_by_role("link", name="New embed").click()
    page.get_by_label("Internal name").fill("Website widget")
    page.locator("input[name=slug]").fill("slide right")  # a mistake first: shown next to the field
    page.get_by_label("Office").select_option(garage(page))
    page.get_by_role("button", name="Create embed").click()
    expect(page.locator("#err-slug")).to_contain_text("lowercase letters")
    page.get_by_label("Internal name").fill("Website widget")
    page.locator("input[name=slug]").fill("slide-right")
    page.get_by_label("Office").select_option(garage(page))
    page.get_by_label("Open hour").select_option("7")
    page.get_by_label("Close hour").select_option("19")
    page.get_by_label("Company name").fill("Slide Right Doors")
    page.locator("input[name=brand_color]").fill("#0f766e")
    logo = tmp_path / "logo.svg"
    logo.write_bytes(LOGO)
    page.locator("input[name=logo]").set_input_files(str(logo))
    page.locator("input[name=service_name_1]").fill("Track & roller repair")
    page.locator("input[name=service_price_1]").fill("From $129")
    page.locator("input[name=service_name_2]").fill("Glass replacement")
    page.locator("input[name=service_name_3]").fill("Lock & handle fix")
    page.locator("input[name=service_price_3]").fill("$89")
    page.locator("input[name=callout_title_1]").fill("Arrival window")
    page.locator("textarea[name=callout_body_1]").fill("We text you when the technician is 30 minutes away.")
    page.locator("select[name=callout_icon_2]").select_option("shield")
    page.locator("input[name=callout_title_2]").fill("Licensed & insured")
    page.locator("textarea[name=callout_body_2]").fill("Every job is backed by a 1-year warranty.")
    page.get_by_role("textbox", name="Message").fill("Thanks! We'll call within 15 minutes to confirm.")
    page.get_by_label("Allowed domains").fill("localhost")
    page.get_by_role("button", name="Create embed").click()
    expect(page.locator(".flash")).to_contain_text("Website widget")
    row = page.locator('[data-embed="slide-right"]')
    expect(row).to_contain_text("Live")
    row.locator("summary", has_text="Embed code").click()
    expect(row.locator("textarea").nth(1)).to_have_value(re.compile(r"/book/slide-right\?inline=1"))
    row.get_by_role("button", name="Copy iframe code").click()
    expect(row.get_by_role("button", name=re.compile("Copied|Ctrl"))).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "booking-builder-owner-desktop.png"), full_page=True)


def book_in_frame(page: Page, host: str) -> None:
    page.goto(f"{host}/?utm_source=fb&utm_campaign=spring")
    frame = page.frame_locator("iframe[data-porchlight-booking]")
    expect(frame.get_by_text("Choose a service")).to_be_visible()
    # the host page's tags arrive by message once both its script and the frame have loaded
    expect(frame.locator("form.bk-form[data-tracking=received]")).to_be_attached()
    frame.get_by_role("button", name="Continue").click()  # nothing chosen: told so, stays put
    expect(frame.locator("#err-service")).to_have_text("Choose a service.")
    frame.get_by_text("Track & roller repair").click()
    frame.get_by_role("button", name="Continue").click()
    expect(frame.get_by_text("Pick a day and time")).to_be_visible()
    open_days = frame.locator(".bk-days:not([hidden]) input[name=day]:not([disabled])")
    if open_days.count() == 0:  # late in the evening: the whole week may be on the next page
        frame.get_by_role("button", name="Next week").click()
    frame.locator(".bk-time:not([hidden])").first.click()
    page.screenshot(path=str(ARTIFACTS / "booking-inline-when.png"), full_page=True)
    frame.locator("[data-step=when] [data-next]").click()
    expect(frame.locator("[data-summary]")).to_contain_text("Track & roller repair")
    frame.get_by_label("First name").fill("Rosa")
    frame.get_by_label("Last name").fill("Diaz")
    frame.get_by_label("Phone").fill("305 794 2299")
    frame.get_by_label("Email").fill("rosa@example.test")
    page.screenshot(path=str(ARTIFACTS / "booking-inline-info.png"), full_page=True)
    frame.get_by_role("button", name="Book appointment").click()
    expect(frame.get_by_text("booked in!")).to_be_visible()
    expect(frame.get_by_text("We'll call within 15 minutes")).to_be_visible()


def test_an_embed_built_by_the_owner_books_a_lead_from_a_host_page(browser, server, host, tmp_path) -> None:  # noqa: F811
    owner = new_context(browser, server)
    page = owner.new_page()
    sign_in(page, "owner@porchlight.test", "owner-demo-pass")
    build_embed(page, tmp_path)

    for width, height, name in ((360, 780, "phone"), (1280, 900, "desktop")):
        visitor = browser.new_context(viewport={"width": width, "height": height})
        frame_page = visitor.new_page()
        if name == "phone":
            book_in_frame(frame_page, host)
            frame_page.screenshot(path=str(ARTIFACTS / "booking-inline-thanks-phone.png"), full_page=True)
        else:
            frame_page.goto(f"{host}/?utm_source=fb")
            frame = frame_page.frame_locator("iframe[data-porchlight-booking]")
            expect(frame.get_by_text("Choose a service")).to_be_visible()
            expect(frame.locator("form.bk-form[data-tracking=received]")).to_be_attached()
            frame_page.screenshot(path=str(ARTIFACTS / "booking-inline-desktop.png"), full_page=True)
        full = visitor.new_page()
        full.goto(f"{server.base_url}/book/slide-right?test=1")
        expect(full.get_by_text("Test mode")).to_be_visible()
        full.locator(".bk-service").first.click()
        full.get_by_role("button", name="Continue").click()
        full.screenshot(path=str(ARTIFACTS / f"booking-full-{name}.png"), full_page=True)
        visitor.close()

    # the booking is a lead in the queue, with the host page's UTM tags in its notes
    page.goto("/leads")
    row = page.locator("tr", has_text="Rosa Diaz")
    expect(row).to_be_visible()
    row.get_by_role("link", name="Rosa Diaz").click()
    notes = page.locator("pre.notes").first
    expect(notes).to_contain_text("utm_source: fb")
    expect(notes).to_contain_text("utm_campaign: spring")
    expect(notes).to_contain_text("Requested window:")
    expect(notes).to_contain_text("referrer: http://localhost:")
    owner.close()

"""The public booking widget: the page and its CSP, a booking becoming a lead through intake, and the
rules that keep a public form honest (test mode, honeypot, duplicates, pause, rate limits)."""

from __future__ import annotations

import re

import pytest

from booking import requests as booking_requests
from core import throttle
from tests.booking_support import TOMORROW, form, make_embed
from tests.conftest import sign_in, snapshot_file


async def leads_of(database) -> list:
    return await database.all("SELECT * FROM leads WHERE source_key = 'online_booking' ORDER BY id")


def csp(response) -> dict[str, str]:
    parts = (p.strip().split(" ", 1) for p in response.headers["content-security-policy"].split(";"))
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


async def test_it_shows_the_three_steps_with_the_brand_and_open_windows(client, bindings, people):
    await make_embed(bindings, people.office_a.id)
    page = await client.get("/book/garage-doors")
    assert page.status_code == 200
    text = page.text
    assert "Joe&#39;s Garage Doors" in text and "--bk-brand: #0f766e" in text
    assert "Choose a service" in text and "Spring repair" in text and "$89" in text
    assert "Pick a day and time" in text and "Your info" in text
    assert 'value="2026-11-22"' in text and 'data-hours="12 14 16"' in text  # it is 10 am: 8 and 10 have started
    assert "What to expect" in text and "On time" in text
    assert "Eastern time" in text
    assert '<script src="/static/booking.js"></script>' in text and "<script>" not in text  # no inline script
    assert csp(page)["frame-ancestors"] == "'none'"  # the full page is not for framing
    assert page.headers["cache-control"] == "no-store"


async def test_without_services_the_service_step_is_skipped(client, bindings, people):
    await make_embed(bindings, people.office_a.id, services=())
    text = (await client.get("/book/garage-doors")).text
    assert 'data-step="service"' not in text and 'name="service"' not in text
    response = await client.post("/book/garage-doors", data=form(service=""))
    assert response.status_code == 200 and "booked in!" in response.text


async def test_inline_mode_may_be_framed_by_any_site_when_the_whitelist_is_empty(client, bindings, people):
    await make_embed(bindings, people.office_a.id)
    page = await client.get("/book/garage-doors?inline=1")
    assert csp(page)["frame-ancestors"] == "*"
    assert "x-frame-options" not in page.headers
    assert "What to expect" not in page.text  # the sidebar is hidden inline
    assert 'action="/book/garage-doors?inline=1"' in page.text


async def test_inline_mode_may_be_framed_only_by_whitelisted_domains(client, bindings, people):
    await make_embed(bindings, people.office_a.id, allowed_domains=("joesgarage.example", "*.partner.example"))
    page = await client.get("/book/garage-doors?inline=1")
    assert csp(page)["frame-ancestors"] == "joesgarage.example:* *.joesgarage.example:* *.partner.example:*"
    assert "x-frame-options" not in page.headers
    full = await client.get("/book/garage-doors")
    assert csp(full)["frame-ancestors"] == "'none'"  # full-page mode is unaffected by the whitelist
    thanks = await client.post("/book/garage-doors?inline=1", data=form())
    assert csp(thanks)["frame-ancestors"].startswith("joesgarage.example:*")  # the thank-you page too


async def test_other_pages_keep_their_frame_denial(client):
    response = await client.get("/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_a_booking_becomes_an_online_booking_lead_of_the_embeds_office(client, bindings, people, database):
    await make_embed(bindings, people.office_a.id)
    response = await client.post("/book/garage-doors", data=form())
    assert response.status_code == 200
    assert "booked in!" in response.text and "Thanks — see you soon!" in response.text
    assert "Monday, Nov 23" in response.text and "10 am – 12 pm" in response.text
    [lead] = await leads_of(database)
    assert lead["office_id"] == people.office_a.id
    assert lead["name"] == "Pat Lee" and lead["phone"] == "+13057942213" and lead["email"] == "pat@example.test"
    assert lead["address"] == "1 Main St, Miami FL 33101" and lead["service"] == "Spring repair"
    assert lead["how_soon"] == "Monday, Nov 23, 10 am – 12 pm"
    notes = lead["notes"]
    assert "Requested window: Monday, Nov 23, 10 am – 12 pm (America/New_York)" in notes
    assert "Service: Spring repair ($89)" in notes
    assert "utm_source: fb" in notes and "utm_campaign: spring" in notes
    assert "referrer: https://joesgarage.example/contact" in notes
    payload = await database.first("SELECT * FROM lead_payloads WHERE lead_id = ?", lead["id"])
    assert payload["channel"] == "online_booking" and "first_name=Pat" in payload["body"]
    audit = await database.first("SELECT * FROM audit_log WHERE action = 'lead.created'")
    assert audit is not None and "Online Booking" in audit["summary"]


async def test_the_page_carries_utm_tags_and_the_referrer_into_hidden_fields(client, bindings, people):
    await make_embed(bindings, people.office_a.id)
    page = await client.get(
        "/book/garage-doors?inline=1&utm_source=google&utm_medium=cpc&ref=https://joes.example/book",
        headers={"referer": "https://ignored.example/"},
    )
    assert '<input type="hidden" name="utm_source" value="google">' in page.text
    assert '<input type="hidden" name="utm_medium" value="cpc">' in page.text
    assert '<input type="hidden" name="referrer" value="https://joes.example/book">' in page.text
    plain = await client.get("/book/garage-doors", headers={"referer": "https://joes.example/"})
    assert '<input type="hidden" name="referrer" value="https://joes.example/">' in plain.text


async def test_a_repeated_submission_creates_one_lead(client, bindings, people, database):
    await make_embed(bindings, people.office_a.id)
    first = await client.post("/book/garage-doors", data=form(), headers={"accept": "application/json"})
    again = await client.post("/book/garage-doors", data=form(), headers={"accept": "application/json"})
    assert first.json()["result"] == "created" and again.json()["result"] == "duplicate"
    assert first.json()["lead_id"] == again.json()["lead_id"]
    other = await client.post("/book/garage-doors", data=form(submission_id="another-submission-1"))
    assert other.status_code == 200
    assert len(await leads_of(database)) == 2


async def test_test_mode_walks_the_flow_and_stores_nothing(client, bindings, people, db_path):
    await make_embed(bindings, people.office_a.id)
    page = await client.get("/book/garage-doors?test=1")
    assert "Test mode" in page.text and 'action="/book/garage-doors?test=1"' in page.text
    before = snapshot_file(db_path)
    response = await client.post("/book/garage-doors?test=1", data=form())
    assert response.status_code == 200 and "booked in!" in response.text
    assert snapshot_file(db_path) == before  # no lead, no payload, no key, no counter, no audit


async def test_a_filled_honeypot_looks_like_success_and_stores_nothing(client, bindings, people, db_path):
    await make_embed(bindings, people.office_a.id)
    before = snapshot_file(db_path)
    response = await client.post("/book/garage-doors", data=form(**{booking_requests.HONEYPOT: "http://spam.example"}))
    assert response.status_code == 200 and "booked in!" in response.text
    assert snapshot_file(db_path) == before


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"first_name": ""}, "first_name", "Tell us your first name."),
        ({"phone": ""}, "phone", "We need a phone number"),
        ({"phone": "+44 20 7946 0958"}, "phone", "10-digit US phone number"),
        ({"phone": "555-1234"}, "phone", "10-digit US phone number"),
        ({"email": "not-an-email"}, "email", "doesn&#39;t look right"),
        ({"service": "4"}, "service", "Choose a service."),
        ({"day": "2026-11-22", "hour": "8"}, "window", "no longer available"),  # started at 8, now 10 am
        ({"day": TOMORROW, "hour": "18"}, "window", "no longer available"),  # past close − 2
        ({"day": "", "hour": ""}, "window", "Pick a day and a time."),
    ],
)
async def test_mistakes_are_shown_next_to_the_field_and_nothing_is_stored(
    client, bindings, people, db_path, change, field, message
):
    await make_embed(bindings, people.office_a.id)
    before = snapshot_file(db_path)
    response = await client.post("/book/garage-doors", data=form(**change))
    assert response.status_code == 422
    assert re.search(rf'id="err-{field}" data-error-for="{field}">[^<]*{message}', response.text)
    assert 'value="Pat"' in response.text or field == "first_name"  # what they typed is kept
    assert snapshot_file(db_path) == before
    as_json = await client.post("/book/garage-doors", data=form(**change), headers={"accept": "application/json"})
    assert as_json.status_code == 422 and field in as_json.json()["errors"]


async def test_a_paused_embed_answers_a_friendly_page_and_takes_nothing(client, bindings, people, db_path):
    await make_embed(bindings, people.office_a.id, live=False)
    page = await client.get("/book/garage-doors?inline=1")
    assert page.status_code == 200
    assert "not taking online bookings right now" in page.text and 'name="first_name"' not in page.text
    assert csp(page)["frame-ancestors"] == "*"  # it still shows inside the host page
    before = snapshot_file(db_path)
    response = await client.post("/book/garage-doors", data=form())
    assert response.status_code == 200 and "not taking online bookings" in response.text
    assert snapshot_file(db_path) == before


async def test_an_unknown_slug_is_a_plain_not_found(client):
    response = await client.get("/book/nothing-here")
    assert response.status_code == 404 and "find this booking page" in response.text
    assert (await client.post("/book/nothing-here", data=form())).status_code == 404


async def test_one_address_is_limited_per_hour(client, bindings, people, database):
    await make_embed(bindings, people.office_a.id)
    ip = {"cf-connecting-ip": "203.0.113.9"}
    for n in range(booking_requests.PER_IP.limit):
        ok = await client.post("/book/garage-doors", data=form(submission_id=f"submission-{n:04d}"), headers=ip)
        assert ok.status_code == 200, n
    refused = await client.post(
        "/book/garage-doors", data=form(submission_id="submission-over"), headers={**ip, "accept": "application/json"}
    )
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    page = await client.post("/book/garage-doors", data=form(submission_id="submission-page"), headers=ip)
    assert page.status_code == 429 and "a lot of bookings" in page.text
    elsewhere = await client.post(
        "/book/garage-doors", data=form(submission_id="submission-else"), headers={"cf-connecting-ip": "198.51.100.7"}
    )
    assert elsewhere.status_code == 200
    assert len(await leads_of(database)) == booking_requests.PER_IP.limit + 1


async def test_one_embed_is_limited_per_hour_across_addresses(client, bindings, people, database, monkeypatch):
    monkeypatch.setattr(booking_requests, "PER_EMBED", throttle.Window(limit=3, seconds=3600))
    await make_embed(bindings, people.office_a.id)
    codes = []
    for n in range(5):
        response = await client.post(
            "/book/garage-doors",
            data=form(submission_id=f"submission-{n:04d}"),
            headers={"cf-connecting-ip": f"203.0.113.{n + 1}"},
        )
        codes.append(response.status_code)
    assert codes == [200, 200, 200, 429, 429]
    assert len(await leads_of(database)) == 3


async def test_redirect_mode_sends_the_top_window_to_the_thank_you_page(client, bindings, people, database):
    await make_embed(
        bindings, people.office_a.id, confirm_mode="redirect", redirect_url="https://joesgarage.example/thanks?x=1"
    )
    page = await client.get("/book/garage-doors?inline=1&test=1")
    assert 'target="_top"' in page.text and 'action="/book/garage-doors?test=1"' in page.text
    assert csp(page)["form-action"] == "'self' https://joesgarage.example"
    response = await client.post("/book/garage-doors", data=form(), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "https://joesgarage.example/thanks?x=1"
    assert len(await leads_of(database)) == 1


async def test_the_widget_never_shows_the_staff_session(client, bindings, people):
    await make_embed(bindings, people.office_a.id)
    csrf = await sign_in(client, bindings, people.owner)
    text = (await client.get("/book/garage-doors")).text
    assert people.owner.name not in text and csrf not in text and "/maintenance" not in text


async def test_images_are_served_with_nosniff_and_a_sandbox(client, bindings, people):
    from booking.embeds import Images
    from booking.images import Image

    svg = Image("image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>')
    await make_embed(bindings, people.office_a.id, images=Images(logo=svg))
    logo = await client.get("/book/garage-doors/images/logo")
    assert logo.status_code == 200 and logo.headers["content-type"] == "image/svg+xml"
    assert logo.headers["x-content-type-options"] == "nosniff" and "sandbox" in logo.headers["content-security-policy"]
    assert (await client.get("/book/garage-doors/images/service-1")).status_code == 404
    assert (await client.get("/book/garage-doors/images/../../etc")).status_code == 404

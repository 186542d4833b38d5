"""Lead intake: partner webhooks and the website form — durable, idempotent, rate-limited, lossless."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from leads import intake
from tests.conftest import TEST_ENV, sign_in_api, snapshot_file

FIXTURES = Path(__file__).parents[1] / "fixtures" / "intake"
SECRET = {"x-webhook-secret": TEST_ENV["WEBHOOK_SECRET"]}


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


async def lead(db, display_id: str) -> dict:
    row = await db.first(
        "SELECT l.*, o.name AS office FROM leads l JOIN offices o ON o.id = l.office_id WHERE display_id = ?",
        display_id,
    )
    assert row is not None, display_id
    return row


async def count(db, table: str, where: str = "1 = 1", *params) -> int:
    return (await db.first(f"SELECT COUNT(*) AS n FROM {table} WHERE {where}", *params))["n"]


async def token_for(db, key: str) -> str:
    return (await db.first("SELECT webhook_token FROM lead_sources WHERE key = ?", key))["webhook_token"]


# --- recorded partner payloads ----------------------------------------------------------------


async def test_facebook_lead_ads_flat_payload(client, database, people):
    r = await client.post("/webhook/facebook", json=fixture("facebook_lead_ads_flat.json"), headers=SECRET)
    assert r.status_code == 200
    body = r.json()
    assert next(iter(body)) == "status" and body["status"] == "success" and body["lead_id"].startswith("L-")
    row = await lead(database, body["lead_id"])
    assert (row["name"], row["phone"], row["phone_last10"], row["email"], row["zip"]) == (
        "Big Lou",
        "+13057942213",
        "3057942213",
        "biglou@example.com",
        "33130",
    )
    assert row["source_key"] == "facebook" and row["status"] == "fresh"
    assert row["campaign"] == "Miami 25mi homeowners" and row["ad_name"] == "Garage door repair - Nov"
    assert row["service"] == "Spring broke, door stuck half open" and row["how_soon"] == "asap"
    assert row["external_id"] == "1203948576612345"
    assert row["received_at"] == "2026-11-22T14:58:11.000Z"
    assert row["office"] == "General"  # nothing routed it: the final fallback, created on demand
    payload = await database.first("SELECT body, channel FROM lead_payloads WHERE lead_id = ?", row["id"])
    assert json.loads(payload["body"])["form_id"] == "876543210987654" and payload["channel"] == "webhook:facebook"
    assert await count(database, "timeline_entries", "subject_type = 'lead' AND subject_id = ?", row["id"]) == 1
    assert await count(database, "audit_log", "action = 'lead.created'") == 1


async def test_facebook_graph_field_data_shape(client, database):
    r = await client.post("/webhook/facebook", json=fixture("facebook_graph_field_data.json"), headers=SECRET)
    row = await lead(database, r.json()["lead_id"])
    assert (row["name"], row["phone"], row["zip"]) == ("Carmen Díaz", "+17864301187", "33145")


async def test_angi_payload_with_fee(client, database):
    r = await client.post("/webhook/leads", json=fixture("angi.json"), headers=SECRET)
    row = await lead(database, r.json()["lead_id"])
    assert row["source_key"] == "angi" and row["name"] == "Mike Patel" and row["phone"] == "+19547021836"
    assert row["fee_cents"] == 4250 and row["service"] == "Repair a Garage Door Opener"
    assert row["notes"].startswith("Opener hums") and row["external_id"] == "ANGI-55512093"


async def test_google_lead_form_through_its_source_token(client, database):
    token = await token_for(database, "google")
    body = fixture("google_lead_form.json") | {"source": "facebook"}  # a token forces its source
    r = await client.post(f"/webhook/s/{token}", json=body)
    row = await lead(database, r.json()["lead_id"])
    assert row["source_key"] == "google" and row["name"] == "Sarah Kim" and row["email"] == "sarah.kim@example.com"


async def test_plain_website_form_posted_to_the_webhook(client, database):
    raw = (FIXTURES / "website_form.txt").read_text()
    r = await client.post(
        "/webhook/leads?source=website",
        content=raw,
        headers={**SECRET, "content-type": "application/x-www-form-urlencoded"},
    )
    row = await lead(database, r.json()["lead_id"])
    assert row["name"] == "Zoë O'Neil" and row["phone"] == "+13057942213" and row["source_key"] == "website"


# --- authentication ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/webhook/leads", {}),
        ("/webhook/leads", {"x-webhook-secret": "wrong"}),
        ("/webhook/leads?secret=wrong", {}),
        ("/webhook/facebook", {"x-webhook-secret": ""}),
        ("/webhook/s/not-a-token", {}),
    ],
)
async def test_authentication_failures_write_nothing(client, db_path, url, headers):
    before = snapshot_file(db_path)
    r = await client.post(url, json=fixture("angi.json"), headers=headers)
    assert r.status_code == 401 and r.json()["status"] == "error"
    assert snapshot_file(db_path) == before


async def test_the_secret_may_ride_in_the_query_string(client):
    r = await client.post(f"/webhook/leads?secret={TEST_ENV['WEBHOOK_SECRET']}", json=fixture("angi.json"))
    assert r.status_code == 200


# --- idempotency --------------------------------------------------------------------------------


async def test_a_partner_retry_returns_the_original_lead(client, database):
    first = await client.post("/webhook/leads", json=fixture("angi.json"), headers=SECRET)
    for _ in range(3):  # HomeAdvisor/Angi re-send three times
        again = await client.post("/webhook/leads", json=fixture("angi.json"), headers=SECRET)
        assert again.status_code == 200 and again.json()["lead_id"] == first.json()["lead_id"]
    assert await count(database, "leads") == 1


async def test_the_same_external_id_from_another_source_is_a_new_lead(client, database):
    await client.post("/webhook/leads", json=fixture("angi.json"), headers=SECRET)
    await client.post("/webhook/leads", json=fixture("angi.json") | {"source": "thumbtack"}, headers=SECRET)
    assert await count(database, "leads") == 2


async def test_an_idempotency_key_dedupes_payloads_without_ids(client, database):
    body = {"name": "No Id", "phone": "3057942213", "source": "website"}
    a = await client.post("/webhook/leads", json=body, headers={**SECRET, "idempotency-key": "k-1"})
    b = await client.post("/webhook/leads", json=body, headers={**SECRET, "idempotency-key": "k-1"})
    c = await client.post("/webhook/leads", json=body, headers={**SECRET, "idempotency-key": "k-2"})
    assert a.json()["lead_id"] == b.json()["lead_id"] != c.json()["lead_id"]
    assert await count(database, "leads") == 2


async def test_concurrent_copies_make_one_lead(client, database):
    responses = await asyncio.gather(
        *(client.post("/webhook/leads", json=fixture("angi.json"), headers=SECRET) for _ in range(10))
    )
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["lead_id"] for r in responses}) == 1
    assert await count(database, "leads") == 1
    assert await count(database, "lead_payloads") == 1


# --- routing ---------------------------------------------------------------------------------------


async def test_office_resolution_order(client, database, people):
    garage, sliding = people.office_a, people.office_b
    await database.run("INSERT INTO tracking_sources (label, office_id) VALUES ('Sliding Line', ?)", sliding.id)
    await database.run("UPDATE lead_sources SET default_office_id = ? WHERE key = 'yelp'", garage.id)
    base = {"phone": "3057942213", "source": "yelp"}
    cases = [
        ({"name": "A", "office": "Sliding", "bb_source": "sliding line"}, "Sliding", False),  # payload office wins
        ({"name": "B", "bb_source": "SLIDING LINE"}, "Sliding", True),  # tracking source, any case
        ({"name": "C", "office": "Nowhere"}, "Garage", False),  # unknown office → source default
        ({"name": "D", "source": "nextdoor"}, "General", False),  # no default → General
    ]
    for extra, office, noted in cases:
        r = await client.post("/webhook/leads", json=base | extra, headers=SECRET)
        row = await lead(database, r.json()["lead_id"])
        assert row["office"] == office, extra
        notes = await database.all(
            "SELECT body FROM timeline_entries WHERE subject_type = 'lead' AND subject_id = ?", row["id"]
        )
        assert any("Office auto-set" in n["body"] for n in notes) == noted, extra


# --- BookBack reactivation ---------------------------------------------------------------------


async def test_bookback_reactivates_a_lead_that_was_converted_into_a_customer(client, bindings, people, clock):
    """Issue 16 #11: a converted lead is archived, so BookBack made a second lead for the same caller."""
    database = bindings.db
    body = fixture("angi.json") | {"source": "yelp", "office": "Garage"}
    first = await client.post("/webhook/leads", json=body, headers=SECRET)
    display = first.json()["lead_id"]
    await sign_in_api(client, bindings, people.agent)
    converted = await client.post(f"/api/leads/{display}/convert")
    assert converted.status_code == 200, converted.text
    customer = converted.json()["customer_id"]
    assert (await lead(database, display))["archived_at"] is not None  # the real path archives it
    clock.advance(days=3)
    r = await client.post(
        "/webhook/leads",
        json={"source": "bookback", "name": "Mike P", "phone": "954-702-1836", "notes": "Wants a second opener"},
        headers=SECRET,
    )
    assert r.json() == {"status": "success", "lead_id": display, "result": "reactivated"}
    assert await count(database, "leads") == 1
    row = await lead(database, display)
    assert (row["status"], row["archived_at"], row["customer_id"], row["reactivated"]) == ("fresh", None, None, 1)
    assert "Wants a second opener" in row["notes"]
    await sign_in_api(client, bindings, people.agent)  # three days on, the first session has expired
    body = (await client.get(f"/api/leads/{display}")).json()
    assert body["timeline"][0]["body"] == "Reactivated by BookBack AI — was Converted (Yelp)"  # newest first
    assert display in {i["id"] for i in (await client.get("/api/leads")).json()["items"]}  # back in the queue
    record = (await client.get(f"/api/customers/{customer}")).json()
    assert record["status"] == "active" and record["archived"] is False  # the customer stays a customer
    entries = [e["body"] for e in (await client.get(f"/api/customers/{customer}/timeline")).json()]
    assert entries[0] == f"Lead {display} reactivated by BookBack AI: back in the leads queue as Fresh"
    # converting it again finds the customer it was
    candidates = (await client.get(f"/api/leads/{display}/candidates")).json()["items"]
    assert [c["id"] for c in candidates] == [customer]


async def test_bookback_reactivates_a_known_phone(client, database, clock):
    first = await client.post("/webhook/leads", json=fixture("angi.json") | {"source": "yelp"}, headers=SECRET)
    display = first.json()["lead_id"]
    await database.run(
        "UPDATE leads SET status = 'converted', call_count = 5, next_contact_at = '2026-11-23T10:00:00.000Z'"
        " WHERE display_id = ?",
        display,
    )
    clock.advance(days=3)
    r = await client.post(
        "/webhook/leads",
        json={"source": "bookback", "name": "Mike P", "phone": "(954) 702-1836", "notes": "Wants a quote again"},
        headers=SECRET,
    )
    assert r.json() == {"status": "success", "lead_id": display, "result": "reactivated"}
    row = await lead(database, display)
    assert row["status"] == "fresh" and row["call_count"] == 0 and row["next_contact_at"] is None
    assert (
        row["reactivated"] == 1
        and "--- BookBack AI, Nov 25, 2026" in row["notes"]
        and "Wants a quote again" in row["notes"]
    )
    assert row["notes"].startswith("Opener hums")  # appended, not replaced
    entry = await database.first(
        "SELECT body FROM timeline_entries WHERE subject_id = ? ORDER BY id DESC LIMIT 1", row["id"]
    )
    assert entry["body"] == "Reactivated by BookBack AI — was Converted (Yelp)"
    assert await count(database, "leads") == 1


async def test_bookback_with_a_new_phone_creates_a_lead(client, database):
    r = await client.post(
        "/webhook/leads", json={"source": "bookback", "name": "New", "phone": "3054172290"}, headers=SECRET
    )
    assert r.json()["result"] == "created"


# --- rate limit -----------------------------------------------------------------------------------


async def test_the_101st_lead_in_ten_minutes_gets_429(client, database, clock):
    for i in range(100):
        r = await client.post("/webhook/leads", json={"name": f"L{i}", "source": "yelp"}, headers=SECRET)
        assert r.status_code == 200
        clock.advance(seconds=3)  # 100 leads over 5 minutes
    over = await client.post("/webhook/leads", json={"name": "one too many", "source": "yelp"}, headers=SECRET)
    assert over.status_code == 429 and int(over.headers["retry-after"]) > 0
    assert await count(database, "leads", "source_key = 'yelp'") == 100
    assert await count(database, "audit_log", "action = 'intake.rate_limited'") == 1
    other = await client.post("/webhook/leads", json={"name": "other source", "source": "angi"}, headers=SECRET)
    assert other.status_code == 200  # other sources are unaffected
    clock.advance(seconds=int(over.headers["retry-after"]))
    again = await client.post("/webhook/leads", json={"name": "later", "source": "yelp"}, headers=SECRET)
    assert again.status_code == 200  # the oldest lead left the window


# --- bad input -------------------------------------------------------------------------------------


async def test_oversized_bodies_get_413(client, db_path):
    before = snapshot_file(db_path)
    r = await client.post("/webhook/leads", json={"name": "x" * 70_000}, headers=SECRET)
    assert r.status_code == 413
    assert snapshot_file(db_path) == before


async def test_wrong_content_type_gets_415_and_bad_json_400(client, db_path):
    before = snapshot_file(db_path)
    r = await client.post("/webhook/leads", content=b"name=x", headers={**SECRET, "content-type": "text/plain"})
    assert r.status_code == 415
    r = await client.post(
        "/webhook/leads", content=b'{"name": ', headers={**SECRET, "content-type": "application/json"}
    )
    assert r.status_code == 400
    assert snapshot_file(db_path) == before


@pytest.mark.parametrize("body", [[{"name": "in a list"}], "just a string", {"utm_source": "nothing else"}])
async def test_authenticated_but_unusable_deliveries_are_quarantined(client, database, body):
    r = await client.post("/webhook/leads", json=body, headers=SECRET)
    assert r.status_code == 202 and r.json()["status"] == "success" and r.json()["quarantined"] is True
    kept = await database.first("SELECT * FROM intake_quarantine")
    assert json.loads(kept["body"]) == body and kept["reason"]
    assert await count(database, "leads") == 0


@pytest.mark.parametrize(
    "name",
    ["José 🛠️ Núñez", "שלום עליכם", "Zero\u200bWidth", "<script>alert(1)</script>", "Robert'); DROP TABLE leads;--"],
)
async def test_hostile_or_unusual_names_are_stored_as_text(client, database, name):
    r = await client.post("/webhook/leads", json={"name": name, "phone": "3057942213"}, headers=SECRET)
    row = await lead(database, r.json()["lead_id"])
    assert row["name"] == name


async def test_a_bad_phone_is_accepted_and_flagged(client, database):
    r = await client.post("/webhook/leads", json={"name": "Prank", "phone": "123-123-1234"}, headers=SECRET)
    row = await lead(database, r.json()["lead_id"])
    assert row["phone"] is None and row["phone_flagged"] == 1 and row["phone_raw"] == "123-123-1234"


# --- the website request-help form ---------------------------------------------------------------


async def test_the_form_renders_and_may_be_framed(client, people):
    r = await client.get("/request-help?office=garage&utm_source=google&utm_campaign=fall")
    assert r.status_code == 200 and 'name="company_website"' in r.text
    assert 'value="google"' in r.text and "frame-ancestors *" in r.headers["content-security-policy"]


async def test_a_form_submission_becomes_a_lead_with_its_tracking(client, database, people):
    raw = (FIXTURES / "website_form.txt").read_text()
    r = await client.post(
        "/request-help?office=garage", content=raw, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 200 and "Thank you" in r.text
    row = await database.first("SELECT l.*, o.name AS office FROM leads l JOIN offices o ON o.id = l.office_id")
    assert row["name"] == "Zoë O'Neil" and row["office"] == "Garage" and row["source_key"] == "website"
    assert "utm_source: google" in row["notes"] and "referrer: https://doors.example/contact" in row["notes"]
    assert row["notes"].startswith("Gate code is 4411")
    again = await client.post(
        "/request-help?office=garage", content=raw, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert again.status_code == 200
    assert await count(database, "leads") == 1  # a double click is one lead


async def test_a_json_submission_answers_json(client, database):
    r = await client.post("/request-help", json={"name": "Ana", "email": "ana@example.com"})
    assert r.json()["status"] == "success" and r.json()["lead_id"].startswith("L-")


async def test_the_honeypot_drops_bots_silently(client, db_path):
    before = snapshot_file(db_path)
    r = await client.post("/request-help", json={"name": "Bot", "phone": "3057942213", "company_website": "x.biz"})
    assert r.json()["status"] == "success"
    assert snapshot_file(db_path) == before


async def test_missing_contact_details_get_a_clear_422(client, db_path):
    before = snapshot_file(db_path)
    r = await client.post("/request-help", data={"name": "", "phone": "", "email": ""})
    assert r.status_code == 422 and "Tell us your name" in r.text and "phone number or an email" in r.text
    j = await client.post("/request-help", json={"name": "x" * 300, "phone": "3057942213"})
    assert j.status_code == 422 and "name" in j.json()["errors"]
    assert snapshot_file(db_path) == before


async def test_the_owner_sees_and_resolves_quarantined_deliveries(client, bindings, people, database):
    from tests.conftest import sign_in

    await client.post("/webhook/leads", json=["not", "an", "object"], headers=SECRET)
    csrf = await sign_in(client, bindings, people.owner)
    page = await client.get("/maintenance/quarantine")
    assert page.status_code == 200 and "not a JSON object" in page.text and "[&#34;not&#34;" in page.text
    item = await database.first("SELECT id FROM intake_quarantine")
    r = await client.post(f"/maintenance/quarantine/{item['id']}/resolve", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert (await database.first("SELECT resolved_at FROM intake_quarantine"))["resolved_at"]
    assert "Nothing in quarantine" in (await client.get("/maintenance/quarantine")).text


# --- card numbers: a lead is kept, the number is not ----------------------------------------------

VISA, MASTERCARD = "4111 1111 1111 1111", "5555-5555-5555-4444"
NOT_LUHN = "4111111111111112"  # 16 digits that fail Luhn: some reference number, kept


def card_digits(text: str) -> bool:
    return any(d in text for d in ("4111111111111111", "4111 1111 1111 1111", "5555555555554444", "5555-5555"))


async def test_a_card_number_in_a_webhook_is_redacted_and_the_lead_kept(client, database, db_path, caplog):
    caplog.set_level("DEBUG")
    body = {
        "full_name": f"Ann {VISA}",
        "phone_number": "(305) 794-2213",
        "zip_code": "33139",
        "street_address": f"12 Palm Way, card {MASTERCARD}",
        "service_type": f"Opener, pay with {VISA.replace(' ', '')}",
        "campaign": f"fall {VISA}",
        "message": f"Please charge {VISA} exp 04/28, order ref {NOT_LUHN}, call 305 555 1234",
        "lead_id": "ANGI-77",
        "extra": {"nested": [f"card {MASTERCARD}"]},
    }
    r = await client.post("/webhook/leads", json=body, headers=SECRET)
    assert r.status_code == 200 and r.json()["result"] == "created"
    row = await lead(database, r.json()["lead_id"])
    assert row["name"] == "Ann [card number removed]"
    assert row["address"] == "12 Palm Way, card [card number removed]"
    assert row["service"] == "Opener, pay with [card number removed]"
    assert row["campaign"] == "fall [card number removed]"
    assert row["notes"] == f"Please charge [card number removed] exp 04/28, order ref {NOT_LUHN}, call 305 555 1234"
    # phones, ZIPs and ids untouched
    assert (row["phone"], row["zip"], row["external_id"]) == ("+13057942213", "33139", "ANGI-77")
    payload = await database.first("SELECT body FROM lead_payloads WHERE lead_id = ?", row["id"])
    kept = json.loads(payload["body"])
    assert kept["message"] == row["notes"] and kept["extra"] == {"nested": ["card [card number removed]"]}
    assert kept["zip_code"] == "33139" and kept["phone_number"] == "(305) 794-2213"
    # nowhere in the database (timeline and audit rows included), nor in the logs
    assert not card_digits(repr(snapshot_file(db_path)))
    assert not card_digits(caplog.text) and NOT_LUHN in repr(snapshot_file(db_path))


async def test_a_card_in_a_form_body_is_redacted_in_the_kept_payload_too(client, database, db_path):
    # form-encoded, a "+" for each space: the raw text hides the number from a plain search
    raw = "name=Zo%C3%AB&phone=%28305%29+794-2213&zip=33139&message=card+4111+1111+1111+1111+thanks"
    r = await client.post("/request-help", content=raw, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 200
    row = await database.first("SELECT * FROM leads")
    assert row["notes"] == "card [card number removed] thanks" and row["zip"] == "33139"
    payload = await database.first("SELECT body FROM lead_payloads")
    assert "card+%5Bcard+number+removed%5D+thanks" in payload["body"] and "zip=33139" in payload["body"]
    assert not card_digits(repr(snapshot_file(db_path)).replace("+", " "))


async def test_a_partner_lead_id_is_kept_even_when_it_passes_luhn(client, database):
    """Lead ids find repeats: redacting two different card-shaped ids to the same text would make
    the second lead a "repeat" of the first and lose it."""
    first = await client.post("/webhook/leads", json={"name": "A", "lead_id": "4111111111111111"}, headers=SECRET)
    second = await client.post("/webhook/leads", json={"name": "B", "lead_id": "5555555555554444"}, headers=SECRET)
    assert first.json()["lead_id"] != second.json()["lead_id"]
    assert (await lead(database, second.json()["lead_id"]))["external_id"] == "5555555555554444"


async def test_a_quarantined_delivery_is_kept_redacted(client, database):
    r = await client.post("/webhook/leads", json={"message": f"no name, but {VISA}"}, headers=SECRET)
    assert r.status_code == 202
    kept = await database.first("SELECT body FROM intake_quarantine")
    assert json.loads(kept["body"]) == {"message": "no name, but [card number removed]"}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (
            "application/json",
            '{"name": "Ann", "phone": "3057942213", "zip": "33139", "message": "ref 4111111111111112"}',
        ),
        ("application/x-www-form-urlencoded", "name=Ann&phone=%28305%29+794-2213&zip=33139-1234"),
        ("multipart/form-data", 'Content-Disposition: form-data; name="phone"\r\n\r\n+1 305 794 2213\r\n'),
    ],
)
def test_a_body_without_a_card_is_kept_verbatim(content_type, body):
    assert intake.redact_body(content_type, body) == body


def test_a_card_hidden_in_json_is_caught():
    # as a number, as the first of a repeated key (json.loads keeps the last), behind a \u escape
    assert "4111" not in intake.redact_body("application/json", '{"a": 4111111111111111}')
    assert "4111" not in intake.redact_body("application/json", '{"a": "4111111111111111", "a": "x"}')
    assert "111111" not in intake.redact_body("application/json", '{"a": "\\u0034111111111111111"}')

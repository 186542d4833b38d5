"""New client on /clients (issue 17; seed 004: address line 1 and postcode required), the duplicate
check by phone and email before saving, and New lead from a client record (prefilled)."""

from __future__ import annotations

import re

from tests.conftest import sign_in, sign_in_api
from tests.customers_support import make_customer

FORM = {
    "name": "Nora New",
    "contact_name": "",
    "phone": "(305) 555-0199",
    "email": "nora@example.test",
    "line1": "12 Palm Way",
    "city": "Miami",
    "state": "FL",
    "zip": "33139",
}


async def count(db, table: str) -> int:
    return (await db.first(f"SELECT COUNT(*) AS n FROM {table}"))["n"]


async def test_the_clients_page_offers_the_form_and_it_creates_a_customer(client, bindings, people, database):
    csrf = await sign_in(client, bindings, people.owner)
    page = await client.get("/clients")
    assert 'id="new-client"' in page.text and 'action="/clients/new"' in page.text
    r = await client.post("/clients/new", data=FORM | {"csrf_token": csrf, "office_id": str(people.office_b.id)})
    assert r.status_code == 303, r.text
    display = r.headers["location"].removeprefix("/clients/")
    row = await database.first("SELECT * FROM customers WHERE display_id = ?", display)
    assert (row["name"], row["phone_last10"], row["email"], row["zip"], row["office_id"]) == (
        "Nora New", "3055550199", "nora@example.test", "33139", people.office_b.id,
    )  # fmt: skip
    contact = await database.first("SELECT * FROM customer_contacts WHERE customer_id = ?", row["id"])
    assert contact["name"] == "Nora New" and contact["is_primary"] == 1
    address = await database.first("SELECT * FROM customer_addresses WHERE customer_id = ?", row["id"])
    assert (address["kind"], address["line1"], address["city"], address["zip"]) == (
        "billing",
        "12 Palm Way",
        "Miami",
        "33139",
    )
    record = await client.get(f"/clients/{display}")
    assert f'href="/leads/new?customer={display}"' in record.text


async def test_line_1_and_zip_are_required_and_a_refusal_writes_nothing(client, bindings, people, database):
    csrf = await sign_in(client, bindings, people.owner)
    before = await count(database, "customers")
    r = await client.post("/clients/new", data=FORM | {"csrf_token": csrf, "line1": " ", "zip": "331"})
    assert r.status_code == 400
    assert "Address line 1 is required" in r.text and "A 5-digit ZIP code is required." in r.text
    assert 'value="Nora New"' in r.text  # what was typed comes back
    assert await count(database, "customers") == before and await count(database, "customer_addresses") == 0


async def test_a_matching_phone_or_email_shows_the_matches_before_saving(client, bindings, people, database):
    old = await make_customer(bindings, people.office_a, "Nora Old", phone="3055550199")
    other = await make_customer(bindings, people.office_a, "Nate Mail", email="nora@example.test")
    csrf = await sign_in(client, bindings, people.admin)
    before = await count(database, "customers")
    r = await client.post("/clients/new", data=FORM | {"csrf_token": csrf})
    assert r.status_code == 200 and await count(database, "customers") == before  # nothing saved yet
    found = re.findall(r'data-match="(C-\d+)"', r.text)
    assert sorted(found) == sorted([old["display_id"], other["display_id"]])
    assert f'href="/clients/{old["display_id"]}"' in r.text and "same phone" in r.text and "same email" in r.text
    assert 'name="confirmed" value="true"' in r.text and "Save a new client anyway" in r.text
    r = await client.post("/clients/new", data=FORM | {"csrf_token": csrf, "confirmed": "true"})
    assert r.status_code == 303 and await count(database, "customers") == before + 1


async def test_the_duplicate_check_sees_only_the_users_offices(client, bindings, people, database):
    await make_customer(bindings, people.office_b, "Sliding Twin", phone="3055550199")
    csrf = await sign_in(client, bindings, people.agent)  # office A only
    r = await client.post("/clients/new", data=FORM | {"csrf_token": csrf, "office_id": str(people.office_b.id)})
    assert r.status_code == 400 and await count(database, "customers") == 1  # not into another office
    r = await client.post("/clients/new", data=FORM | {"csrf_token": csrf})
    assert r.status_code == 303  # no match shown from office B, and the agent's customer goes to office A
    row = await database.first("SELECT office_id FROM customers WHERE name = 'Nora New'")
    assert row["office_id"] == people.office_a.id
    await sign_in_api(client, bindings, people.agent)
    r = await client.get("/api/customers/matches", params={"phone": "305-555-0199"})
    assert [m["name"] for m in r.json()] == ["Nora New"]
    await sign_in_api(client, bindings, people.owner)
    r = await client.get("/api/customers/matches", params={"phone": "+1 305 555 0199"})
    assert sorted(m["name"] for m in r.json()) == ["Nora New", "Sliding Twin"]
    assert all(m["matched_on"] == ["phone"] for m in r.json())
    assert (await client.get("/api/customers/matches")).status_code == 422


async def test_viewers_and_partners_cannot_create_clients(client, bindings, people, database):
    for who in (people.viewer, people.partner):
        csrf = await sign_in(client, bindings, who)
        assert (await client.post("/clients/new", data=FORM | {"csrf_token": csrf})).status_code == 403
        assert 'id="new-client"' not in (await client.get("/clients")).text
    assert await count(database, "customers") == 0


async def test_new_lead_from_a_client_record_is_prefilled_and_scoped(client, bindings, people, database):
    csrf = await sign_in(client, bindings, people.owner)
    r = await client.post("/clients/new", data=FORM | {"csrf_token": csrf, "office_id": str(people.office_a.id)})
    display = r.headers["location"].removeprefix("/clients/")
    csrf = await sign_in(client, bindings, people.agent)
    form = await client.get(f"/leads/new?customer={display}")
    assert form.status_code == 200
    for value in ("Nora New", "+13055550199", "nora@example.test", "33139", "12 Palm Way, Miami, FL 33139"):
        assert f'value="{value}"' in form.text, value
    assert f"Existing client {display}." in form.text
    r = await client.post(
        "/leads",
        data={
            "csrf_token": csrf, "name": "Nora New", "phone": "+13055550199", "email": "nora@example.test",
            "zip": "33139", "address": "12 Palm Way, Miami, FL 33139", "service_type": "Opener beeping",
            "notes": f"Existing client {display}.", "source": "manual",
        },
    )  # fmt: skip
    assert r.status_code == 303, r.text
    lead = await database.first(
        "SELECT * FROM leads WHERE display_id = ?", r.headers["location"].removeprefix("/leads/")
    )
    assert (lead["office_id"], lead["address"], lead["service"]) == (
        people.office_a.id,
        "12 Palm Way, Miami, FL 33139",
        "Opener beeping",
    )
    # Another office's agent cannot open the form for this customer: not found, as everywhere.
    await sign_in(client, bindings, people.agent_b)
    assert (await client.get(f"/leads/new?customer={display}")).status_code == 404

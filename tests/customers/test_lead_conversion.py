"""Converting a lead into a customer (new, or linked to the same person by phone or email), returning
it to leads, and the minimal customer page the conversion lands on."""

from __future__ import annotations

import json

import pytest

from core.errors import Conflict
from customers import conversion as lead_conversion
from customers import record as customers
from leads import queue as leads
from tests.conftest import sign_in_api, snapshot_file
from tests.leads.test_leads_queue import make_lead

NOW = "2026-11-22T15:00:00.000Z"


async def timeline_of(db, subject_type, display_id):
    table = "leads" if subject_type == "lead" else "customers"
    rows = await db.all(
        f"SELECT t.body FROM timeline_entries t JOIN {table} r ON r.id = t.subject_id"
        " WHERE t.subject_type = ? AND r.display_id = ? ORDER BY t.id",
        subject_type,
        display_id,
    )
    return [r["body"] for r in rows]


def unchanged(before, after):
    """Snapshots equal, leaving out sessions (each request refreshes the caller's last_seen_at)."""
    before.pop("sessions"), after.pop("sessions")
    return before == after


async def lead_row(db, display_id):
    return await db.first("SELECT * FROM leads WHERE display_id = ?", display_id)


async def test_it_converts_a_lead_into_a_new_customer_with_a_primary_contact(client, bindings, people, database):
    display = await make_lead(
        bindings,
        people.office_a,
        name="Nora Newman",
        phone="(305) 417-2290",
        email="Nora@Example.com",
        address="12 Palm Way, Miami",
        zip="33139",
        service_type="Garage door spring",
        source="yelp",
    )
    await sign_in_api(client, bindings, people.agent)
    r = await client.post(f"/api/leads/{display}/convert")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["customer_id"], body["created"], body["archived"], body["urgency"]) == (
        "converted",
        "C-1001",
        True,
        True,
        "low",
    )

    customer = await database.first("SELECT * FROM customers WHERE display_id = 'C-1001'")
    lead = await lead_row(database, display)
    assert {k: customer[k] for k in ("name", "office_id", "kind", "status", "source", "phone", "phone_last10")} == {
        "name": "Nora Newman",
        "office_id": people.office_a.id,
        "kind": "private",
        "status": "active",
        "source": "yelp",
        "phone": "+13054172290",
        "phone_last10": "3054172290",
    }
    assert (customer["email"], customer["address"], customer["zip"]) == (
        "nora@example.com",
        "12 Palm Way, Miami",
        "33139",
    )
    assert customer["created_from_lead_id"] == lead["id"] and customer["archived_at"] is None
    contacts = await database.all("SELECT * FROM customer_contacts WHERE customer_id = ?", customer["id"])
    assert [(c["name"], c["phone"], c["email"], c["is_primary"]) for c in contacts] == [
        ("Nora Newman", "+13054172290", "nora@example.com", 1)
    ]
    # the lead stays as an archived lifecycle row pointing at the customer
    assert (lead["status"], lead["customer_id"], lead["archived_at"]) == ("converted", customer["id"], NOW)
    assert (await client.get("/api/leads")).json()["total"] == 0
    archived = (await client.get("/api/leads", params={"archived": "true", "status": "converted"})).json()
    assert [i["id"] for i in archived["items"]] == [display]
    # a record on both sides and one audit row
    assert (await timeline_of(database, "lead", display))[-1] == (
        "Status: Fresh → Converted: new customer C-1001, by Agent"
    )
    assert await timeline_of(database, "customer", "C-1001") == [
        f"Customer created from lead {display} (Yelp) by Agent"
    ]
    audit = await database.all("SELECT action, meta FROM audit_log WHERE action = 'lead.converted'")
    assert len(audit) == 1
    assert json.loads(audit[0]["meta"]) == {"lead": display, "customer": "C-1001", "created": True, "previous": "fresh"}


async def test_a_jobs_office_answer_carries_the_new_job_values(client, bindings, people):
    display = await make_lead(  # Garage has Jobs on
        bindings,
        people.office_a,
        name="Jo Jobs",
        phone="3054172290",
        email="jo@example.com",
        address="4 Oak St",
        zip="33145",
        service_type="Opener install",
        notes="Gate code 1234",
        source="angi",
    )
    await sign_in_api(client, bindings, people.agent)
    new_job = (await client.post(f"/api/leads/{display}/convert")).json()["new_job"]
    assert new_job == {
        "customer_id": "C-1001",
        "lead_id": display,
        "office_id": people.office_a.id,
        "office": "Garage",
        "name": "Jo Jobs",
        "phone": "+13054172290",
        "email": "jo@example.com",
        "address": "4 Oak St",
        "zip": "33145",
        "service_type": "Opener install",
        "source": "angi",
        "notes": "Gate code 1234\nZIP: 33145\nRequested: Opener install",
    }
    page = (await client.get(f"/leads/{display}")).text
    assert "🛠 Open Job Creation" in page and "Opener install" in page  # JT-3 (issue 20)
    # Sliding has Jobs off: no job values
    other = await make_lead(bindings, people.office_b, name="No Jobs", phone="7864301187")
    client.cookies.clear()
    await sign_in_api(client, bindings, people.agent_b)
    assert (await client.post(f"/api/leads/{other}/convert")).json()["new_job"] is None
    assert "🛠 Open Job Creation" not in (await client.get(f"/leads/{other}")).text  # the Workiz reminder instead


async def test_it_finds_the_same_person_by_phone_and_by_email_and_links_to_them(client, bindings, people, database):
    first = await make_lead(bindings, people.office_a, name="Pat Prior", phone="3054172290", email="pat@example.com")
    await sign_in_api(client, bindings, people.agent)
    assert (await client.post(f"/api/leads/{first}/convert")).json()["customer_id"] == "C-1001"

    by_phone = await make_lead(bindings, people.office_a, name="Pat again", phone="+1 (305) 417-2290", email="")
    by_email = await make_lead(bindings, people.office_a, name="P. Prior", phone="7864301187", email="PAT@example.com")
    stranger = await make_lead(bindings, people.office_a, name="Someone Else", phone="9547021836", email="se@x.com")
    await client.post(f"/api/leads/{by_phone}/claim")  # the phone shows once claimed

    found = (await client.get(f"/api/leads/{by_phone}/candidates")).json()["items"]
    assert [(c["id"], c["name"], c["matched_on"], c["phone"], c["leads"]) for c in found] == [
        ("C-1001", "Pat Prior", ["phone"], "+13054172290", 1)
    ]
    found = (await client.get(f"/api/leads/{by_email}/candidates")).json()["items"]
    assert [(c["id"], c["matched_on"], c["archived"]) for c in found] == [("C-1001", ["email"], False)]
    assert "4172290" not in found[0]["phone"]  # by_email is fresh and unclaimed: its look-alike's number stays hidden
    assert (await client.get(f"/api/leads/{stranger}/candidates")).json()["items"] == []

    for display in (by_phone, by_email):
        r = await client.post(f"/api/leads/{display}/convert", json={"customer_id": "c-1001"})
        assert r.status_code == 200, r.text
        assert (r.json()["customer_id"], r.json()["created"]) == ("C-1001", False)
    assert (await database.first("SELECT COUNT(*) AS n FROM customers"))["n"] == 1
    assert (await database.first("SELECT COUNT(*) AS n FROM customer_contacts"))["n"] == 1
    linked = await database.all(
        "SELECT l.display_id FROM leads l JOIN customers c ON c.id = l.customer_id WHERE c.display_id = 'C-1001'"
    )
    assert {r["display_id"] for r in linked} == {first, by_phone, by_email}
    assert (await timeline_of(database, "customer", "C-1001"))[-1] == (
        f"Lead {by_email} (Website) converted into this customer by Agent"
    )
    assert (await timeline_of(database, "lead", by_email))[-1] == (
        "Status: Fresh → Converted: existing customer C-1001, by Agent"
    )


async def test_return_to_leads_undoes_a_conversion_and_archives_the_customer_it_made(
    client, bindings, people, database, clock
):
    display = await make_lead(bindings, people.office_a, name="Undo Me", phone="3054172290")
    await sign_in_api(client, bindings, people.agent)
    await client.post(f"/api/leads/{display}/convert")
    clock.advance(minutes=5)
    r = await client.post(f"/api/leads/{display}/return")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["customer_id"], body["archived"], body["urgency"]) == (
        "not_yet_scheduled",
        None,
        False,
        "high",  # due now: it surfaces at the top of the queue
    )
    assert (body["returned_from"], body["customer_archived"], body["next_contact_at"]) == (
        "C-1001",
        True,
        "2026-11-22T15:05:00.000Z",
    )
    assert [i["id"] for i in (await client.get("/api/leads")).json()["items"]] == [display]
    # archived, never deleted: the customer, its contact and its history are all still there
    customer = await database.first("SELECT * FROM customers WHERE display_id = 'C-1001'")
    assert customer["archived_at"] == "2026-11-22T15:05:00.000Z"
    assert (await database.first("SELECT COUNT(*) AS n FROM customer_contacts"))["n"] == 1
    assert (await timeline_of(database, "customer", "C-1001"))[-2:] == [
        f"Lead {display} returned to leads by Agent",
        f"Archived: its only lead, {display}, went back to the leads queue",
    ]
    assert (await timeline_of(database, "lead", display))[-1] == (
        "Returned to leads from C-1001 by Agent: Converted → Not yet scheduled, due now"
    )
    audit = await database.first("SELECT meta FROM audit_log WHERE action = 'lead.returned'")
    assert json.loads(audit["meta"]) == {"lead": display, "customer": "C-1001", "customer_archived": True}

    # converting the same person again offers the archived customer, and linking brings it back
    found = (await client.get(f"/api/leads/{display}/candidates")).json()["items"]
    assert [(c["id"], c["archived"]) for c in found] == [("C-1001", True)]
    r = await client.post(f"/api/leads/{display}/convert", json={"customer_id": "C-1001"})
    assert r.json()["created"] is False
    assert (await database.first("SELECT archived_at FROM customers WHERE id = ?", customer["id"]))[
        "archived_at"
    ] is None


async def test_a_customer_with_other_leads_is_not_archived_on_return(client, bindings, people, database):
    first = await make_lead(bindings, people.office_a, name="Shared", phone="3054172290")
    second = await make_lead(bindings, people.office_a, name="Shared again", phone="3054172290")
    await sign_in_api(client, bindings, people.agent)
    await client.post(f"/api/leads/{first}/convert")
    await client.post(f"/api/leads/{second}/convert", json={"customer_id": "C-1001"})
    r = await client.post(f"/api/leads/{first}/return")
    assert r.json()["customer_archived"] is False
    customer = await database.first("SELECT archived_at FROM customers WHERE display_id = 'C-1001'")
    assert customer["archived_at"] is None
    assert "Archived" not in " ".join(await timeline_of(database, "customer", "C-1001"))
    # the second lead did not create the customer, so returning it leaves the customer alone too
    assert (await client.post(f"/api/leads/{second}/return")).json()["customer_archived"] is False
    assert (await database.first("SELECT archived_at FROM customers"))["archived_at"] is None


async def test_a_stale_convert_or_return_is_a_conflict_and_changes_nothing(bindings, people, database, db_path):
    display = await make_lead(bindings, people.office_a, name="Race", phone="3054172290")
    db, now = bindings.db, bindings.clock.now()
    stale = await leads.lead_for_user(db, people.agent, display)
    await db.run("UPDATE leads SET version = version + 1 WHERE display_id = ?", display)  # someone else's edit
    before = snapshot_file(db_path)
    with pytest.raises(Conflict):
        await lead_conversion.convert_lead(db, now, people.agent, stale, people.office_a)
    assert snapshot_file(db_path) == before

    fresh = await leads.lead_for_user(db, people.agent, display)
    done = await lead_conversion.convert_lead(db, now, people.agent, fresh, people.office_a)
    converted = await leads.lead_for_user(db, people.agent, display)
    await db.run("UPDATE leads SET version = version + 1 WHERE display_id = ?", display)
    before = snapshot_file(db_path)
    with pytest.raises(Conflict):
        await lead_conversion.return_to_leads(db, now, people.agent, converted)
    assert snapshot_file(db_path) == before

    # linking to a customer someone changed meanwhile is refused the same way
    other = await make_lead(bindings, people.office_a, name="Other", phone="3054172290")
    target = await customers.customer_for_user(db, people.agent, done.customer_id)
    await db.run("UPDATE customers SET version = version + 1 WHERE display_id = ?", done.customer_id)
    row = await leads.lead_for_user(db, people.agent, other)
    before = snapshot_file(db_path)
    with pytest.raises(Conflict, match="customer"):
        await lead_conversion.convert_lead(db, now, people.agent, row, people.office_a, link_to=target)
    assert snapshot_file(db_path) == before


async def test_another_offices_lead_and_customer_answer_404(client, bindings, people, db_path):
    display = await make_lead(bindings, people.office_a, name="Office A", phone="3054172290")
    await sign_in_api(client, bindings, people.agent)
    await client.post(f"/api/leads/{display}/convert")
    mine = await make_lead(bindings, people.office_a, name="Also A", phone="3054172290")
    theirs = await make_lead(bindings, people.office_b, name="Office B", phone="3054172290")
    client.cookies.clear()
    csrf = await sign_in_api(client, bindings, people.agent_b)
    before = snapshot_file(db_path)
    for method, url in (
        ("GET", f"/api/leads/{mine}/candidates"),
        ("POST", f"/api/leads/{mine}/convert"),
        ("POST", f"/api/leads/{display}/return"),
        ("GET", f"/leads/{mine}/convert"),
        ("GET", "/clients/C-1001"),
    ):
        assert (await client.request(method, url)).status_code == 404, url
    assert (await client.post(f"/leads/{mine}/convert", data={"csrf_token": csrf})).status_code == 404
    # office A's customer is no candidate for office B, and cannot be linked to by its id
    assert (await client.get(f"/api/leads/{theirs}/candidates")).json()["items"] == []
    r = await client.post(f"/api/leads/{theirs}/convert", json={"customer_id": "C-1001"})
    assert r.status_code == 422 and r.json()["detail"] == "We couldn't find customer C-1001."
    assert unchanged(before, snapshot_file(db_path))
    assert (await client.get("/clients/C-424242")).status_code == 404  # the same answer as for a missing one


async def test_viewers_and_partners_cannot_convert_or_return(client, bindings, people, db_path):
    display = await make_lead(bindings, people.office_a, name="Look only", phone="3054172290", partner="GDQ")
    converted = await make_lead(bindings, people.office_a, name="Converted", phone="7864301187", partner="GDQ")
    await sign_in_api(client, bindings, people.agent)
    await client.post(f"/api/leads/{converted}/convert")
    for who in (people.viewer, people.partner):
        client.cookies.clear()
        csrf = await sign_in_api(client, bindings, who)
        before = snapshot_file(db_path)
        assert (await client.post(f"/api/leads/{display}/convert")).status_code == 403
        assert (await client.post(f"/api/leads/{converted}/return")).status_code == 403
        assert (await client.get(f"/api/leads/{display}/candidates")).status_code == 403
        assert (await client.post(f"/leads/{display}/convert", data={"csrf_token": csrf})).status_code == 403
        assert unchanged(before, snapshot_file(db_path))
        page = (await client.get(f"/leads/{converted}")).text
        assert "Return to leads" not in page and "C-1001" in page
        assert "Convert…" not in (await client.get(f"/leads/{display}")).text
    assert (await client.get("/clients/C-1001")).status_code == 403  # partners never see the customer book
    client.cookies.clear()
    await sign_in_api(client, bindings, people.viewer)
    assert (await client.get("/clients/C-1001")).status_code == 200  # viewers read it


@pytest.mark.parametrize(
    ("verb", "url", "body", "status", "says"),
    [
        ("convert", "/api/leads/{lead}/convert", {"customer_id": "nonsense"}, 422, "Invalid input"),
        ("convert", "/api/leads/{lead}/convert", {"customer_id": "C-999999"}, 422, "couldn't find customer"),
        ("convert", "/api/leads/{lead}/convert", {"office_id": 2}, 422, "Invalid input"),
        ("convert", "/api/leads/{done}/convert", None, 422, "already converted to C-1001"),
        ("convert", "/api/leads/{nameless}/convert", None, 422, "Give the lead a name"),
        ("return", "/api/leads/{lead}/return", None, 422, "not converted"),
        ("status", "/api/leads/{lead}", {"status": "converted"}, 422, "Use Convert"),
        ("status", "/api/leads/{done}", {"status": "needs_follow_up", "next_contact_at": NOW}, 422, "Return to leads"),
        ("restore", "/api/leads/{done}/restore", None, 422, "Return to leads"),
        ("convert", "/api/leads/L-999999/convert", None, 404, "couldn't find that lead"),
    ],
)
async def test_bad_input_is_refused_and_changes_nothing(
    client, bindings, people, db_path, verb, url, body, status, says
):
    ids = {
        "lead": await make_lead(bindings, people.office_a, name="Open", phone="3054172290"),
        "done": await make_lead(bindings, people.office_a, name="Done", phone="7864301187"),
        "nameless": await make_lead(bindings, people.office_a, name="", phone="9547021836"),
    }
    await sign_in_api(client, bindings, people.owner)
    await client.post(f"/api/leads/{ids['done']}/convert")
    before = snapshot_file(db_path)
    method = "PATCH" if verb == "status" else "POST"
    r = await client.request(method, url.format(**ids), json=body)
    assert r.status_code == status, r.text
    assert says in r.json()["detail"]
    assert unchanged(before, snapshot_file(db_path))


async def test_the_pages_show_candidates_convert_and_land_on_the_client(client, bindings, people, database):
    first = await make_lead(bindings, people.office_a, name="Page Person", phone="3054172290", email="pp@example.com")
    csrf = await sign_in_api(client, bindings, people.agent)
    record = (await client.get(f"/leads/{first}")).text
    assert f'hx-get="/leads/{first}/convert"' in record
    assert 'value="converted"' not in record  # Convert is the way to Converted, not the status menu
    page = (await client.get(f"/leads/{first}/convert")).text
    assert "<html" in page and "No existing customer has this lead" in page
    r = await client.post(f"/leads/{first}/convert", data={"csrf_token": csrf})
    # a Jobs office goes straight to New Job, pre-filled (JT-1, issue 20)
    assert (r.status_code, r.headers["location"]) == (303, f"/jobs/new?lead={first}")

    second = await make_lead(bindings, people.office_a, name="Page Again", phone="3054172290")
    fragment = (await client.get(f"/leads/{second}/convert", headers={"HX-Request": "true"})).text
    assert "<html" not in fragment and 'id="convert-panel"' in fragment
    assert "Link to C-1001" in fragment and "Same phone" in fragment and "Create new customer" in fragment
    r = await client.post(f"/leads/{second}/convert", data={"csrf_token": csrf, "customer_id": "C-1001"})
    assert r.headers["location"] == f"/jobs/new?lead={second}"

    client_page = await client.get("/clients/C-1001")
    assert client_page.status_code == 200
    for text in ("Page Person", "pp@example.com", "+13054172290", first, second, "Customer created from lead"):
        assert text in client_page.text
    converted = (await client.get(f"/leads/{first}")).text
    assert 'href="/clients/C-1001"' in converted and "Return to leads" in converted and "Convert…" not in converted
    assert "Restore to the queue" not in converted
    queue = (await client.get("/leads", params={"archived": "1"})).text
    assert queue.count('href="/clients/C-1001"') == 2  # converted rows link to their customer

    r = await client.post(f"/leads/{second}/return", data={"csrf_token": csrf})
    assert (r.status_code, r.headers["location"]) == (303, f"/leads/{second}")
    assert (await database.first("SELECT customer_id FROM leads WHERE display_id = ?", second))["customer_id"] is None
    r = await client.post(f"/leads/{second}/convert", data={"csrf_token": csrf, "customer_id": "bogus"})
    assert r.status_code == 422


# --- card numbers: an old lead holding one cannot pass it to a customer ----------------------------

CARD = "4111 1111 1111 1111"


@pytest.mark.parametrize("field", ["name", "email", "phone_raw", "address", "zip"])
async def test_a_card_number_left_on_an_old_lead_is_not_copied_into_a_customer(
    client, bindings, people, database, db_path, field
):
    display = await make_lead(bindings, people.office_a, name="Old Lead", phone="3054172290")
    # stored before intake redacted card numbers
    await database.run(f"UPDATE leads SET {field} = ? WHERE display_id = ?", f"x {CARD}", display)
    await sign_in_api(client, bindings, people.agent)
    before = snapshot_file(db_path)
    r = await client.post(f"/api/leads/{display}/convert")
    assert r.status_code == 422
    assert "looks like a payment card number" in r.json()["detail"] and CARD not in r.text
    assert unchanged(before, snapshot_file(db_path))


async def test_new_job_values_never_carry_a_card_number(client, bindings, people, database):
    display = await make_lead(bindings, people.office_a, name="Jo Jobs", phone="3054172290", notes="Gate 1234")
    await database.run("UPDATE leads SET notes = ? WHERE display_id = ?", f"paid with {CARD}", display)
    await sign_in_api(client, bindings, people.agent)
    new_job = (await client.post(f"/api/leads/{display}/convert")).json()["new_job"]
    assert new_job["notes"] == "paid with [card number removed]"


async def test_converting_carries_the_leads_intake_to_the_customer_as_a_note_naming_the_lead(
    client, bindings, people, database
):
    """Issue 16 #12: the service, notes and address stayed on the lead; the customer had none of it."""
    display = await make_lead(
        bindings,
        people.office_a,
        name="Gina Gate",
        phone="(305) 417-2290",
        address="12 Elm St, Brooklyn NY 11201",
        zip="11201",
        service_type="Gate opener repair",
        how_soon="This week",
        notes="Gate code 1234. Dog in yard.",
        source="yelp",
    )
    await sign_in_api(client, bindings, people.agent)
    customer = (await client.post(f"/api/leads/{display}/convert")).json()["customer_id"]
    record = (await client.get(f"/api/customers/{customer}")).json()
    assert [n["body"] for n in record["notes"]] == [
        f"From lead {display} (Yelp):\nService: Gate opener repair\nHow soon: This week\n"
        "Address: 12 Elm St, Brooklyn NY 11201\nZIP: 11201\nGate code 1234. Dog in yard."
    ]
    assert record["notes"][0]["author_label"] == "Agent"
    (linked,) = record["leads"]
    assert (linked["display_id"], linked["service"], linked["notes"]) == (
        display,
        "Gate opener repair",
        "Gate code 1234. Dog in yard.",
    )
    page = (await client.get(f"/clients/{customer}")).text
    leads_section = page[page.index('id="leads"') :]
    assert "<dt>Service</dt><dd>Gate opener repair</dd>" in leads_section
    assert "<dd>Gate code 1234. Dog in yard.</dd>" in leads_section

    # a second lead linked to the same customer adds its own note; a lead that asked nothing adds none
    again = await make_lead(bindings, people.office_a, name="Gina", phone="3054172290", notes="Now the side gate.")
    bare = await make_lead(bindings, people.office_a, name="Gina G", phone="3054172290")
    for lead in (again, bare):
        assert (await client.post(f"/api/leads/{lead}/convert", json={"customer_id": customer})).status_code == 200
    notes = [n["body"] for n in (await client.get(f"/api/customers/{customer}")).json()["notes"]]
    assert len(notes) == 2 and notes[0] == f"From lead {again} (Website):\nNow the side gate."

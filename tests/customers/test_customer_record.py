"""The customer record: creating customers, contacts with one primary, addresses, notes, billing,
dormant, archive/delete, the timeline, card-number refusal, office scope and read-only roles —
through the JSON API and the page forms, on a real database."""

from __future__ import annotations

import pytest

from core import errors
from core.errors import Conflict
from customers import contacts as customer_contacts
from customers import record as customers
from customers import tags as customer_tags
from tests.conftest import sign_in_api, snapshot_file
from tests.leads.test_leads_queue import make_lead

CARD = "4111 1111 1111 1111"


def unchanged(before, after):
    """Snapshots equal, leaving out sessions (each request refreshes the caller's last_seen_at)."""
    before.pop("sessions"), after.pop("sessions")
    return before == after


async def create(client, name="Rosa Diaz", **body):
    body = {
        "name": name,
        "contact": {"name": name, "phone": "(305) 417-2290", "email": "Rosa@Example.com"},
        "billing_address": {"kind": "billing", "line1": "12 Palm Way", "city": "Miami", "state": "FL", "zip": "33139"},
        **body,
    }
    r = await client.post("/api/customers", json=body)
    assert r.status_code == 201, r.text
    return r.json()


async def add_contact(client, display, name="Sam Diaz", phone="(786) 555-0142", **extra):
    r = await client.post(f"/api/customers/{display}/contacts", json={"name": name, "phone": phone, **extra})
    assert r.status_code == 201, r.text
    return r.json()


async def row(db, display):
    return await db.first("SELECT * FROM customers WHERE display_id = ?", display)


async def primaries(db, display):
    rows = await db.all(
        "SELECT p.name FROM customer_contacts p JOIN customers c ON c.id = p.customer_id"
        " WHERE c.display_id = ? AND p.is_primary = 1",
        display,
    )
    return [r["name"] for r in rows]


async def test_it_creates_a_customer_with_its_primary_contact_and_billing_address(client, bindings, people, database):
    await sign_in_api(client, bindings, people.agent)
    body = await create(client, source="yelp", kind="company", company="Diaz Doors")
    assert (body["id"], body["office"], body["kind"], body["status"], body["source_label"]) == (
        "C-1001",
        "Garage",
        "company",
        "active",
        "Yelp",
    )
    assert [(c["name"], c["primary"], c["phone"], c["email"]) for c in body["contacts"]] == [
        ("Rosa Diaz", True, "+13054172290", "rosa@example.com")
    ]
    # the row mirrors the primary contact and the billing address, for lists and identity matching
    saved = await row(database, "C-1001")
    assert (saved["phone"], saved["phone_last10"], saved["email"]) == ("+13054172290", "3054172290", "rosa@example.com")
    assert (saved["address"], saved["zip"]) == ("12 Palm Way, Miami, FL", "33139")
    assert body["addresses"][0]["one_line"] == "12 Palm Way, Miami, FL 33139"
    assert body["billing"]["payment_profile"] is None and body["billing"]["balance_cents"] is None
    audit = await database.first("SELECT * FROM audit_log WHERE action = 'customer.created'")
    assert audit["summary"] == "C-1001: created"


async def test_a_placeholder_phone_or_a_bad_email_is_refused_and_nothing_is_stored(client, bindings, people, db_path):
    await sign_in_api(client, bindings, people.agent)
    before = snapshot_file(db_path)
    for contact in ({"name": "X", "phone": "123-123-1234"}, {"name": "X", "email": "not-an-email"}, {"name": ""}):
        r = await client.post("/api/customers", json={"name": "X", "contact": contact})
        assert r.status_code == 422, r.text
    r = await client.post("/api/customers", json={"name": "X", "source": "nope"})
    assert r.status_code == 422 and "Unknown source" in r.json()["detail"]
    r = await client.post("/api/customers", json={"name": "X", "surprise": 1})
    assert r.status_code == 422
    assert unchanged(before, snapshot_file(db_path))


# --- contacts -------------------------------------------------------------------------------------


async def test_exactly_one_primary_the_primary_cannot_be_deleted_and_make_primary_moves_the_mirror(
    client, bindings, people, database, db_path
):
    await sign_in_api(client, bindings, people.agent)
    await create(client)
    sam = await add_contact(client, "C-1001", email="sam@example.com", position="Tenant")
    assert not sam["primary"] and sam["position"] == "Tenant"
    contacts = (await client.get("/api/customers/C-1001/contacts")).json()
    rosa = contacts[0]
    assert [c["name"] for c in contacts] == ["Rosa Diaz", "Sam Diaz"] and rosa["primary"]

    before = snapshot_file(db_path)
    r = await client.delete(f"/api/customers/C-1001/contacts/{rosa['id']}")
    assert r.status_code == 422 and "primary contact can't be deleted" in r.json()["detail"]
    assert unchanged(before, snapshot_file(db_path))

    r = await client.post(f"/api/customers/C-1001/contacts/{sam['id']}/primary")
    assert r.status_code == 200, r.text
    assert [(c["name"], c["primary"]) for c in r.json()] == [("Sam Diaz", True), ("Rosa Diaz", False)]
    assert await primaries(database, "C-1001") == ["Sam Diaz"]
    saved = await row(database, "C-1001")
    assert (saved["phone"], saved["email"]) == ("+17865550142", "sam@example.com")
    timeline = [e["body"] for e in (await client.get("/api/customers/C-1001/timeline?type=contact")).json()]
    assert timeline[0] == "Primary contact: Rosa Diaz → Sam Diaz, by Agent"

    # making the primary primary again changes nothing; the old primary may go now
    assert (await client.post(f"/api/customers/C-1001/contacts/{sam['id']}/primary")).status_code == 200
    assert (await client.delete(f"/api/customers/C-1001/contacts/{rosa['id']}")).status_code == 204
    assert [c["name"] for c in (await client.get("/api/customers/C-1001/contacts")).json()] == ["Sam Diaz"]


async def test_a_make_primary_that_lost_a_race_writes_nothing(client, bindings, people, database, db_path):
    await sign_in_api(client, bindings, people.agent)
    await create(client)
    sam = await add_contact(client, "C-1001")
    customer = await customers.customer_for_user(database, people.agent, "C-1001")
    stale = await customers.contact_of(database, customer["id"], sam["id"])
    # someone edits Sam between our read and our batch
    assert (
        await client.patch(f"/api/customers/C-1001/contacts/{sam['id']}", json={"position": "Owner"})
    ).status_code == 200
    before = snapshot_file(db_path)
    with pytest.raises(Conflict):
        await customer_contacts.make_primary(database, bindings.clock.now(), people.agent, customer, stale)
    assert unchanged(before, snapshot_file(db_path))
    assert await primaries(database, "C-1001") == ["Rosa Diaz"]
    # and a contact deleted meanwhile cannot become primary either
    assert (await client.delete(f"/api/customers/C-1001/contacts/{sam['id']}")).status_code == 204
    fresh = {**stale, "version": stale["version"] + 1}
    with pytest.raises(Conflict):
        await customer_contacts.make_primary(database, bindings.clock.now(), people.agent, customer, fresh)
    assert await primaries(database, "C-1001") == ["Rosa Diaz"]


async def test_editing_a_contact_checks_its_version_and_its_phone(client, bindings, people, database, db_path):
    await sign_in_api(client, bindings, people.agent)
    body = await create(client)
    rosa = body["contacts"][0]
    url = f"/api/customers/C-1001/contacts/{rosa['id']}"
    r = await client.patch(url, json={"phone": "305 555 0199", "marketing_opt_in": True, "version": rosa["version"]})
    assert r.status_code == 200, r.text
    assert (r.json()["phone"], r.json()["marketing_opt_in"]) == ("+13055550199", True)
    assert (await row(database, "C-1001"))["phone"] == "+13055550199"  # the primary's change reaches the row
    before = snapshot_file(db_path)
    stale = await client.patch(url, json={"name": "Rosa D.", "version": rosa["version"]})
    assert stale.status_code == 409
    assert (await client.patch(url, json={"phone": "555-555-5555"})).status_code == 422
    assert (await client.patch(url, json={"is_primary": False})).status_code == 422
    assert (await client.patch("/api/customers/C-1001/contacts/999999", json={"name": "Who"})).status_code == 404
    assert unchanged(before, snapshot_file(db_path))


async def test_the_contact_page_forms_add_one_and_make_it_primary(client, bindings, people, database):
    csrf = await sign_in_api(client, bindings, people.agent)
    await create(client)
    r = await client.post(
        "/clients/C-1001/contacts",
        data={
            "csrf_token": csrf,
            "name": "Lee Park",
            "phone": "786 555 0101",
            "email": "lee@example.com",
            "sms_opt_in": "1",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/clients/C-1001#contacts"
    lee = await database.first("SELECT * FROM customer_contacts WHERE name = 'Lee Park'")
    assert (lee["sms_opt_in"], lee["email_opt_in"], lee["marketing_opt_in"]) == (1, 0, 0)  # unticked boxes are off
    r = await client.post(f"/clients/C-1001/contacts/{lee['id']}/primary", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert await primaries(database, "C-1001") == ["Lee Park"]
    page = (await client.get("/clients/C-1001")).text
    assert "★ Primary" in page and "Lee Park" in page and "Make primary" in page
    # a refused form shows the record again with the reason, and the right status
    r = await client.post("/clients/C-1001/contacts", data={"csrf_token": csrf, "name": "Nope", "phone": "1231231234"})
    assert r.status_code == 422 and "is not a phone number we can call" in r.text and "Contacts" in r.text


# --- addresses, notes, billing --------------------------------------------------------------------


async def test_one_billing_address_and_work_sites_with_an_occupier(client, bindings, people, database, db_path):
    await sign_in_api(client, bindings, people.agent)
    body = await create(client)
    rosa = body["contacts"][0]
    before = snapshot_file(db_path)
    r = await client.post("/api/customers/C-1001/addresses", json={"kind": "billing", "line1": "1 Other St"})
    assert r.status_code == 422 and "already has a billing address" in r.json()["detail"]
    r = await client.post("/api/customers/C-1001/addresses", json={"line1": "Main St 5", "occupier_contact_id": 424242})
    assert r.status_code == 404
    assert unchanged(before, snapshot_file(db_path))
    site = await client.post(
        "/api/customers/C-1001/addresses",
        json={
            "label": "Rental",
            "line1": "9 Bay Rd",
            "city": "Miami",
            "occupier_contact_id": rosa["id"],
            "notes": "Dog",
        },
    )
    assert site.status_code == 201, site.text
    assert (site.json()["kind"], site.json()["occupier_contact_id"]) == ("work", rosa["id"])
    billing_id = body["addresses"][0]["id"]
    r = await client.patch(f"/api/customers/C-1001/addresses/{billing_id}", json={"line1": "14 Palm Way"})
    assert r.status_code == 200
    assert (await row(database, "C-1001"))["address"] == "14 Palm Way, Miami, FL"
    assert (await client.delete(f"/api/customers/C-1001/addresses/{billing_id}")).status_code == 204
    saved = await row(database, "C-1001")
    assert (saved["address"], saved["zip"]) == ("", "")
    page = (await client.get("/clients/C-1001")).text
    assert "openstreetmap.org/search?query=9+Bay+Rd%2C+Miami" in page  # the first site is the primary now


async def test_notes_pin_to_the_top_and_only_their_author_or_an_admin_deletes_them(client, bindings, people):
    await sign_in_api(client, bindings, people.agent)
    await create(client)
    first = (await client.post("/api/customers/C-1001/notes", json={"text": "Prefers mornings"})).json()
    second = (await client.post("/api/customers/C-1001/notes", json={"text": "Gate code in the lockbox"})).json()
    r = await client.patch(f"/api/customers/C-1001/notes/{first['id']}", json={"pinned": True})
    assert r.status_code == 200 and r.json()["pinned"]
    notes = (await client.get("/api/customers/C-1001/notes")).json()
    assert [n["body"] for n in notes] == ["Prefers mornings", "Gate code in the lockbox"]  # pinned first
    page = (await client.get("/clients/C-1001")).text
    assert page.index("note-important") < page.index("Gate code in the lockbox")
    assert "Important" in page

    await sign_in_api(client, bindings, people.finance)
    theirs = (await client.post("/api/customers/C-1001/notes", json={"text": "Finance note"})).json()
    r = await client.delete(f"/api/customers/C-1001/notes/{second['id']}")
    assert r.status_code == 403 and "author" in r.json()["detail"]
    assert (await client.patch(f"/api/customers/C-1001/notes/{second['id']}", json={"text": "x"})).status_code == 403
    assert (await client.delete(f"/api/customers/C-1001/notes/{theirs['id']}")).status_code == 204  # own
    await sign_in_api(client, bindings, people.admin)
    assert (await client.delete(f"/api/customers/C-1001/notes/{second['id']}")).status_code == 204  # any
    assert [n["body"] for n in (await client.get("/api/customers/C-1001/notes")).json()] == ["Prefers mornings"]
    kinds = [e["body"] for e in (await client.get("/api/customers/C-1001/timeline?type=note")).json()]
    assert kinds[0] == "Note by Agent deleted by Admin" and "Gate code" not in " ".join(kinds)


async def test_the_billing_profile_keeps_a_token_brand_last4_and_expiry_only(client, bindings, people, database):
    await sign_in_api(client, bindings, people.agent)
    await create(client)
    profile = {"payment_token": "pm_1Qx", "payment_brand": "visa", "payment_last4": "4242", "payment_exp": "2028-04"}
    assert (await client.patch("/api/customers/C-1001/billing", json=profile)).status_code == 403  # agents don't
    await sign_in_api(client, bindings, people.finance)
    r = await client.patch(
        "/api/customers/C-1001/billing",
        json={**profile, "terms": "Net 30", "tax_exempt": True, "credit_limit_cents": 150000},
    )
    assert r.status_code == 200, r.text
    billing = r.json()["billing"]
    assert billing["payment_profile"] == {"token": "pm_1Qx", "brand": "visa", "last4": "4242", "exp": "2028-04"}
    assert (billing["terms"], billing["tax_exempt"], billing["credit_limit_cents"]) == ("Net 30", True, 150000)
    audit = await database.first("SELECT meta FROM audit_log WHERE action = 'customer.billing_changed'")
    assert "pm_1Qx" not in audit["meta"]  # names of fields only
    for bad in ({"payment_last4": "42"}, {"payment_exp": "2028-13"}, {"payment_brand": "bitcoin"}):
        assert (await client.patch("/api/customers/C-1001/billing", json={**profile, **bad})).status_code == 422
    r = await client.patch(
        "/api/customers/C-1001/billing",
        json={"payment_token": "", "payment_brand": "", "payment_last4": "", "payment_exp": ""},
    )
    assert r.json()["billing"]["payment_profile"] is None
    page = (await client.get("/clients/C-1001")).text
    assert "$1,500.00" in page and "Not linked yet" in page


async def test_tags_through_the_api(client, bindings, people, db_path):
    await sign_in_api(client, bindings, people.agent)
    await create(client)
    # issue 16 #14: the label keeps the case it was typed in ("VIP" was stored and shown as "vip")
    assert (await client.post("/api/customers/C-1001/tags", json={"tag": "  Gate  Code "})).json() == ["Gate Code"]
    assert (await client.post("/api/customers/C-1001/tags", json={"tag": "VIP"})).json() == ["Gate Code", "VIP"]
    assert (await client.post("/api/customers/C-1001/tags", json={"tag": "vip"})).json() == ["Gate Code", "VIP"]
    before = snapshot_file(db_path)
    assert (await client.post("/api/customers/C-1001/tags", json={"tag": "no <b>"})).status_code == 422
    assert (await client.post("/api/customers/C-1001/tags", json={"tag": CARD})).status_code == 422
    assert unchanged(before, snapshot_file(db_path))
    assert (await client.delete("/api/customers/C-1001/tags?tag=vip")).json() == ["Gate Code"]
    assert (await client.get("/api/customers/C-1001")).json()["tags"] == ["Gate Code"]
    assert "Removed tag “VIP”" in {e["body"] for e in (await client.get("/api/customers/C-1001/timeline")).json()}


# --- the customer row ----------------------------------------------------------------------------


async def test_dormant_customers_accept_no_automation(client, bindings, people, database):
    await sign_in_api(client, bindings, people.agent)
    body = await create(client)
    customer = await row(database, "C-1001")
    contact = await database.first("SELECT * FROM customer_contacts WHERE id = ?", body["contacts"][0]["id"])
    assert customers.accepts_automation(customer) and customers.contact_accepts(customer, contact, "sms")
    assert not customers.contact_accepts(customer, contact, "marketing")  # not asked yet
    r = await client.patch("/api/customers/C-1001", json={"status": "dormant"})
    assert r.status_code == 200 and r.json()["status"] == "dormant" and not r.json()["accepts_automation"]
    customer = await row(database, "C-1001")
    assert not customers.accepts_automation(customer) and not customers.contact_accepts(customer, contact, "sms")
    page = (await client.get("/clients/C-1001")).text
    assert "no automated messages" in page and "Set active" in page
    entries = (await client.get("/api/customers/C-1001/timeline?type=status")).json()
    assert entries[0]["body"].startswith("Status: Active → Dormant")
    assert (await client.patch("/api/customers/C-1001", json={"status": "asleep"})).status_code == 422
    await client.patch("/api/customers/C-1001", json={"status": "active"})
    assert customers.accepts_automation(await row(database, "C-1001"))


async def test_a_stale_version_gets_409_and_changes_nothing(client, bindings, people, db_path):
    await sign_in_api(client, bindings, people.agent)
    body = await create(client)
    r = await client.patch("/api/customers/C-1001", json={"rating": 4, "version": body["version"]})
    assert r.status_code == 200 and r.json()["rating"] == 4
    before = snapshot_file(db_path)
    r = await client.patch("/api/customers/C-1001", json={"name": "Overwritten", "version": body["version"]})
    assert r.status_code == 409 and "changed since you opened it" in r.json()["detail"]
    r = await client.patch("/api/customers/C-1001/billing", json={"terms": "Net 5", "version": body["version"]})
    assert r.status_code in (403, 409)
    assert unchanged(before, snapshot_file(db_path))


async def test_archive_restore_and_the_owners_typed_delete(client, bindings, people, database, db_path):
    await sign_in_api(client, bindings, people.agent)
    await create(client)
    await client.post("/api/customers/C-1001/notes", json={"text": "hello"})
    assert (await client.post("/api/customers/C-1001/archive")).status_code == 403
    await sign_in_api(client, bindings, people.admin)
    assert (await client.post("/api/customers/C-1001/archive")).json()["archived"] is True
    assert (await client.post("/api/customers/C-1001/restore")).json()["archived"] is False
    assert (await client.delete("/api/customers/C-1001?confirm=C-1001")).status_code == 403
    await sign_in_api(client, bindings, people.owner)
    before = snapshot_file(db_path)
    r = await client.delete("/api/customers/C-1001?confirm=C-1002")
    assert r.status_code == 422 and "Type C-1001" in r.json()["detail"]
    assert unchanged(before, snapshot_file(db_path))
    assert (await client.delete("/api/customers/C-1001?confirm=c-1001")).status_code == 204
    assert (await client.get("/api/customers/C-1001")).status_code == 404
    for table in ("customer_contacts", "customer_addresses", "customer_notes"):
        assert (await database.first(f"SELECT COUNT(*) AS n FROM {table}"))["n"] == 0
    gone = await database.first("SELECT * FROM audit_log WHERE action = 'customer.deleted'")
    assert gone["summary"] == "C-1001 deleted for good"


async def test_a_customer_that_leads_converted_into_is_not_hard_deleted(client, bindings, people, database):
    lead = await make_lead(bindings, people.office_a, name="Conv Ert", phone="3054172299")
    await sign_in_api(client, bindings, people.owner)
    assert (await client.post(f"/api/leads/{lead}/convert")).status_code == 200
    r = await client.delete("/api/customers/C-1001?confirm=C-1001")
    assert r.status_code == 422 and lead in r.json()["detail"]


async def test_the_timeline_holds_the_customer_and_its_leads_newest_first(client, bindings, people, clock):
    lead = await make_lead(bindings, people.office_a, name="Tim Line", phone="3054172211")
    await sign_in_api(client, bindings, people.agent)
    await client.post(f"/api/leads/{lead}/notes", json={"text": "Called back"})
    clock.advance(minutes=1)
    await client.post(f"/api/leads/{lead}/convert")
    clock.advance(minutes=1)
    await client.post("/api/customers/C-1001/notes", json={"text": "Customer now"})
    everything = (await client.get("/api/customers/C-1001/timeline")).json()
    stamps = [e["created_at"] for e in everything]
    assert stamps == sorted(stamps, reverse=True)
    assert {e["subject_type"] for e in everything} == {"lead", "customer"}
    assert everything[0]["body"] == "Note added by Agent"
    from_leads = (await client.get("/api/customers/C-1001/timeline?type=lead")).json()
    assert from_leads and {e["subject_type"] for e in from_leads} == {"lead"}
    assert "Called back" in [e["body"] for e in from_leads]
    assert (await client.get("/api/customers/C-1001/timeline?type=bogus")).status_code == 422
    page = (await client.get("/clients/C-1001?type=lead")).text
    assert "Called back" in page and "Note added by Agent" not in page


# --- card numbers ---------------------------------------------------------------------------------

# Every free-text field on a customer: (method, path, body), with CARD where the field's value goes.
CARD_FIELDS = [
    ("POST", "/api/customers", {"name": CARD}),
    ("POST", "/api/customers", {"name": "Ok", "company": CARD}),
    ("POST", "/api/customers", {"name": "Ok", "contact": {"name": "Ok", "position": CARD}}),
    ("POST", "/api/customers", {"name": "Ok", "billing_address": {"line1": CARD}}),
    ("PATCH", "/api/customers/C-1001", {"name": f"Ann {CARD}"}),
    ("PATCH", "/api/customers/C-1001", {"company": CARD}),
    ("PATCH", "/api/customers/C-1001", {"source": CARD.replace(" ", "")}),
    *[
        ("POST", "/api/customers/C-1001/contacts", {"name": "Ok", field: CARD})
        for field in ("position", "phone", "alt_phone", "email", "alt_email")
    ],
    ("POST", "/api/customers/C-1001/contacts", {"name": CARD}),
    ("PATCH", "/api/customers/C-1001/contacts/{contact}", {"name": f"Rosa {CARD}"}),
    *[
        ("POST", "/api/customers/C-1001/addresses", {"line1": "Ok", field: CARD})
        for field in ("label", "line2", "city", "state", "zip", "notes")
    ],
    ("POST", "/api/customers/C-1001/addresses", {"line1": CARD}),
    ("PATCH", "/api/customers/C-1001/addresses/{address}", {"notes": f"card {CARD}"}),
    ("POST", "/api/customers/C-1001/notes", {"text": f"Paid with {CARD} exp 04/28"}),
    ("PATCH", "/api/customers/C-1001/notes/{note}", {"text": CARD}),
    ("PATCH", "/api/customers/C-1001/billing", {"terms": CARD}),
    ("PATCH", "/api/customers/C-1001/billing", {"tax_id": CARD}),
    (
        "PATCH",
        "/api/customers/C-1001/billing",
        {"payment_token": CARD, "payment_brand": "visa", "payment_last4": "1111", "payment_exp": "2028-04"},
    ),
    ("FORM", "/clients/C-1001/tags", {"tag": CARD}),
    ("POST", "/api/customers/C-1001/tags", {"tag": CARD}),
    ("FORM", "/clients/C-1001/notes", {"text": CARD}),
    ("FORM", "/clients/C-1001/edit", {"name": CARD}),
    ("FORM", "/clients/C-1001/billing", {"terms": CARD}),
    ("FORM", "/clients/C-1001/contacts", {"name": "Ok", "phone": CARD}),
    ("FORM", "/clients/C-1001/addresses", {"line1": CARD}),
]


@pytest.mark.parametrize(("method", "path", "body"), CARD_FIELDS, ids=lambda v: v if isinstance(v, str) else None)
async def test_a_card_number_in_any_free_text_field_is_refused_and_nothing_is_stored(
    client, bindings, people, db_path, method, path, body
):
    csrf = await sign_in_api(client, bindings, people.admin)
    made = await create(client)
    note = (await client.post("/api/customers/C-1001/notes", json={"text": "fine"})).json()
    ids = {"contact": made["contacts"][0]["id"], "address": made["addresses"][0]["id"], "note": note["id"]}
    url = path.format(**ids)
    before = snapshot_file(db_path)
    if method == "FORM":
        r = await client.post(url, data={"csrf_token": csrf, **body})
    else:
        r = await client.request(method, url, json=body)
    assert r.status_code == 422, r.text
    assert "looks like a payment card number" in r.text
    assert CARD not in r.text and CARD.replace(" ", "") not in r.text
    assert unchanged(before, snapshot_file(db_path))


@pytest.mark.parametrize(
    "tag", [CARD, CARD.replace(" ", "-"), CARD.replace(" ", ""), "４１１１１１１１１１１１１１１１"]
)
@pytest.mark.parametrize("how", ["form_add", "api_add", "form_remove", "api_remove", "verb_add", "verb_remove"])
async def test_a_card_shaped_tag_is_refused_by_the_tag_rules_themselves(
    client, bindings, people, database, db_path, tag, how
):
    csrf = await sign_in_api(client, bindings, people.admin)
    await create(client)
    before = snapshot_file(db_path)
    if how.startswith("verb"):
        customer = await customers.customer_for_user(database, people.admin, "C-1001")
        verb = customer_tags.add_tag if how == "verb_add" else customer_tags.remove_tag
        with pytest.raises(errors.Invalid, match=r"^Tag looks like a payment card number"):
            await verb(database, bindings.clock.now(), people.admin, customer, tag)
    else:
        if how == "form_add":
            r = await client.post("/clients/C-1001/tags", data={"csrf_token": csrf, "tag": tag})
        elif how == "form_remove":
            r = await client.post("/clients/C-1001/tags/remove", data={"csrf_token": csrf, "tag": tag})
        elif how == "api_add":
            r = await client.post("/api/customers/C-1001/tags", json={"tag": tag})
        else:
            r = await client.delete("/api/customers/C-1001/tags", params={"tag": tag})
        assert r.status_code == 422, r.text
        assert "looks like a payment card number" in r.text and tag not in r.text
    assert unchanged(before, snapshot_file(db_path))


# --- who may do what ------------------------------------------------------------------------------


async def test_another_offices_agent_gets_the_same_404_as_for_a_missing_customer(client, bindings, people, db_path):
    await sign_in_api(client, bindings, people.agent)
    made = await create(client)
    contact = made["contacts"][0]["id"]
    await sign_in_api(client, bindings, people.agent_b)
    for method, url, body in [
        ("GET", "/api/customers/C-1001", None),
        ("GET", "/api/customers/C-1001/timeline", None),
        ("PATCH", "/api/customers/C-1001", {"name": "Mine now"}),
        ("POST", "/api/customers/C-1001/contacts", {"name": "Intruder"}),
        ("POST", f"/api/customers/C-1001/contacts/{contact}/primary", None),
        ("POST", "/api/customers/C-1001/notes", {"text": "hi"}),
    ]:
        theirs = await client.request(method, url, json=body)
        missing = await client.request(method, url.replace("C-1001", "C-9999"), json=body)
        assert theirs.status_code == missing.status_code == 404, url
        assert theirs.json() == missing.json()
    assert (await client.get("/clients/C-1001")).status_code == 404
    # nor can an admin of office B fold it into one of theirs: the other customer is looked up the same way
    await sign_in_api(client, bindings, people.owner)
    mine = await create(client, name="B Person", office_id=people.office_b.id)
    await sign_in_api(client, bindings, people.agent_b)
    assert (await client.get(f"/api/customers/{mine['id']}")).status_code == 200
    before = snapshot_file(db_path)
    r = await client.post(f"/api/customers/{mine['id']}/merge", json={"merge": "C-1001"})
    assert r.status_code == 403  # agents don't merge at all
    assert unchanged(before, snapshot_file(db_path))


async def test_viewers_read_but_never_write_and_partners_see_nothing(client, bindings, people, db_path):
    await sign_in_api(client, bindings, people.agent)
    made = await create(client)
    contact = made["contacts"][0]["id"]
    await sign_in_api(client, bindings, people.viewer)
    assert (await client.get("/api/customers/C-1001")).status_code == 200
    page = (await client.get("/clients/C-1001")).text
    assert "Add contact" not in page and "Edit details" not in page and "Make primary" not in page
    before = snapshot_file(db_path)
    for method, url, body in [
        ("POST", "/api/customers", {"name": "New"}),
        ("PATCH", "/api/customers/C-1001", {"status": "dormant"}),
        ("POST", "/api/customers/C-1001/contacts", {"name": "New"}),
        ("DELETE", f"/api/customers/C-1001/contacts/{contact}", None),
        ("POST", "/api/customers/C-1001/notes", {"text": "hi"}),
        ("POST", "/api/customers/C-1001/merge", {"merge": "C-1002"}),
    ]:
        assert (await client.request(method, url, json=body)).status_code == 403, url
    assert unchanged(before, snapshot_file(db_path))
    await sign_in_api(client, bindings, people.partner)
    assert (await client.get("/api/customers/C-1001")).status_code == 403
    assert (await client.get("/clients/C-1001")).status_code == 403

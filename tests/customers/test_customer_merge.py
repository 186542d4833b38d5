"""Merging two customers: everything moves to the keeper, nothing is lost, the other is archived with
"Merged into", and a merge that lost a race writes nothing."""

from __future__ import annotations

import json

import pytest

from core import vault
from core.errors import Conflict
from core.storage import LostRace
from customers import merge as customer_merge
from customers import record as customers
from customers import secure_access
from tests.conftest import TEST_ENV, make_settings, sign_in_api, snapshot_file
from tests.customers.test_customer_files import PNG, upload
from tests.customers.test_customer_record import add_contact, create, primaries, row, unchanged
from tests.customers.test_secure_access import KEY_B
from tests.leads.test_leads_queue import make_lead

TABLES = ("customer_contacts", "customer_addresses", "customer_notes", "customer_tags", "leads")


async def counts(db):
    return {t: (await db.first(f"SELECT COUNT(*) AS n FROM {t}"))["n"] for t in TABLES}


async def owned_by(db, table, display):
    found = await db.first(
        f"SELECT COUNT(*) AS n FROM {table} t JOIN customers c ON c.id = t.customer_id WHERE c.display_id = ?",
        display,
    )
    return found["n"]


async def two_customers(client, bindings, people):
    """C-1001 (Rosa, converted from a lead) and C-1002 (Ross, the same family under another record),
    each with contacts, a billing address, a site, notes and tags."""
    lead = await make_lead(
        bindings, people.office_a, name="Rosa Diaz", phone="3054172290", address="12 Palm Way", zip="33139"
    )
    csrf = await sign_in_api(client, bindings, people.admin)
    assert (await client.post(f"/api/leads/{lead}/convert")).status_code == 200  # C-1001
    await add_contact(client, "C-1001", name="Sam Diaz")
    await client.post("/api/customers/C-1001/notes", json={"text": "Rosa's note", "pinned": True})
    await client.post("/clients/C-1001/tags", data={"csrf_token": csrf, "tag": "vip"})
    other = await create(
        client,
        name="Ross Diaz",
        source="yelp",
        company="Diaz Boats",
        contact={"name": "Ross Diaz", "phone": "786 555 0177", "email": "ross@example.com"},
        billing_address={"line1": "40 Ocean Dr", "city": "Miami", "zip": "33139"},
    )
    assert other["id"] == "C-1002"
    await add_contact(client, "C-1002", name="Tia Diaz", phone="786 555 0188")
    await client.post("/api/customers/C-1002/addresses", json={"label": "Boat house", "line1": "2 Pier Rd"})
    await client.post("/api/customers/C-1002/notes", json={"text": "Ross's note"})
    await client.post("/clients/C-1002/tags", data={"csrf_token": csrf, "tag": "vip"})
    await client.post("/clients/C-1002/tags", data={"csrf_token": csrf, "tag": "boat"})
    await client.patch(
        "/api/customers/C-1002/billing",
        json={"payment_token": "pm_ross", "payment_brand": "amex", "payment_last4": "0005", "payment_exp": "2029-01"},
    )
    return lead, csrf


async def test_merge_moves_everything_to_the_keeper_and_loses_nothing(client, bindings, people, database):
    lead, _ = await two_customers(client, bindings, people)
    # the other customer's own lead, converted into it
    second = await make_lead(bindings, people.office_a, name="Ross again", phone="7865550177")
    assert (await client.post(f"/api/leads/{second}/convert", json={"customer_id": "C-1002"})).status_code == 200
    before = await counts(database)
    entries_before = (await database.first("SELECT COUNT(*) AS n FROM timeline_entries"))["n"]

    r = await client.post("/api/customers/C-1001/merge", json={"merge": "C-1002"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["merged"] == "C-1002"
    assert body["moved"]["contacts"] == 2 and body["moved"]["addresses"] == 2 and body["moved"]["leads"] == 1

    # nothing lost: the same rows, all on the keeper now (two "vip" tags become one)
    after = await counts(database)
    assert after == {**before, "customer_tags": before["customer_tags"] - 1}
    for table in ("customer_contacts", "customer_addresses", "customer_notes", "customer_tags", "leads"):
        assert await owned_by(database, table, "C-1002") == 0, table
    assert sorted(c["name"] for c in body["contacts"]) == ["Rosa Diaz", "Ross Diaz", "Sam Diaz", "Tia Diaz"]
    assert await primaries(database, "C-1001") == ["Rosa Diaz"]  # the other's primary is an ordinary contact now
    kinds = sorted((a["kind"], a["label"]) for a in body["addresses"])
    assert kinds == [("billing", ""), ("work", "Billing address of C-1002"), ("work", "Boat house")]
    assert sorted(body["tags"]) == ["boat", "vip"]
    assert {n["body"] for n in body["notes"]} == {
        "Rosa's note",
        "Ross's note",
        "From lead L-1001 (Website):\nAddress: 12 Palm Way\nZIP: 33139",  # its conversion kept the lead's intake
    }
    assert {lead_["display_id"] for lead_ in body["leads"]} == {lead, second}
    # blanks on the keeper are filled from the other; its own values stay
    assert (body["source"], body["company"]) == ("website", "Diaz Boats")
    assert body["billing"]["payment_profile"]["token"] == "pm_ross"
    keeper = await row(database, "C-1001")
    assert (keeper["phone"], keeper["address"]) == ("+13054172290", "12 Palm Way")

    # the other is archived, points at the keeper, and both say so; its history moved with it
    merged = await row(database, "C-1002")
    assert merged["archived_at"] and merged["merged_into_id"] == keeper["id"]
    mine = [e["body"] for e in (await client.get("/api/customers/C-1002/timeline")).json()]
    assert mine == [
        "Merged into C-1001 by Admin; its contacts, addresses, notes, leads, files, secure-access items and history"
        " moved there"
    ]
    theirs = [e["body"] for e in (await client.get("/api/customers/C-1001/timeline?type=merge")).json()]
    assert theirs[0].startswith("Merged from C-1002 (Ross Diaz) by Admin: 2 contacts, 2 addresses, 1 note")
    assert "Customer created by Admin" in [
        e["body"] for e in (await client.get("/api/customers/C-1001/timeline")).json()
    ]
    assert (await database.first("SELECT COUNT(*) AS n FROM timeline_entries"))["n"] == entries_before + 2
    audit = await database.first("SELECT * FROM audit_log WHERE action = 'customer.merged'")
    assert audit["summary"] == "C-1002 merged into C-1001"

    # the merged record still opens, says where it went, and takes no more changes
    page = (await client.get("/clients/C-1002")).text
    assert 'Merged into <a href="/clients/C-1001">C-1001</a>' in page and "Add contact" not in page
    assert (await client.post("/api/customers/C-1002/notes", json={"text": "late"})).status_code == 422
    assert (await client.post("/api/customers/C-1002/restore")).status_code == 422
    assert (await client.post("/api/customers/C-1001/merge", json={"merge": "C-1002"})).status_code == 422
    # converting the same person again offers the keeper, never the merged record
    again = await make_lead(bindings, people.office_a, name="Ross 3", phone="7865550177")
    offered = (await client.get(f"/api/leads/{again}/candidates")).json()
    assert [c["id"] for c in offered["items"]] == ["C-1001"]


async def test_the_page_form_keeps_the_chosen_customer(client, bindings, people, database):
    _, csrf = await two_customers(client, bindings, people)
    r = await client.post("/clients/C-1001/merge", data={"csrf_token": csrf, "other": "C-1002", "keep": "other"})
    assert r.status_code == 303 and r.headers["location"] == "/clients/C-1002"
    assert (await row(database, "C-1001"))["merged_into_id"] == (await row(database, "C-1002"))["id"]
    assert await primaries(database, "C-1002") == ["Ross Diaz"]


async def test_merge_refuses_itself_missing_other_office_and_a_lost_race(client, bindings, people, database, db_path):
    await two_customers(client, bindings, people)
    await sign_in_api(client, bindings, people.owner)
    await create(client, name="Bea West", office_id=people.office_b.id)  # C-1003, office B
    await sign_in_api(client, bindings, people.admin)  # office A only
    before = snapshot_file(db_path)
    assert (await client.post("/api/customers/C-1001/merge", json={"merge": "C-1001"})).status_code == 422
    assert (await client.post("/api/customers/C-1001/merge", json={"merge": "C-9999"})).status_code == 404
    hidden = await client.post("/api/customers/C-1001/merge", json={"merge": "C-1003"})
    assert hidden.status_code == 404 and "C-1003" in hidden.json()["detail"]  # the same words as for a missing one
    assert unchanged(before, snapshot_file(db_path))

    keeper = await customers.customer_for_user(database, people.admin, "C-1001")
    other = await customers.customer_for_user(database, people.admin, "C-1002")
    ring = vault.KeyRing.from_settings(bindings.settings)
    await client.patch("/api/customers/C-1002", json={"rating": 3})  # someone edits it meanwhile
    before = snapshot_file(db_path)
    with pytest.raises(Conflict):
        await customer_merge.merge_customers(database, bindings.clock.now(), people.admin, keeper, other, ring=ring)
    assert unchanged(before, snapshot_file(db_path))


# --- secure-access items and files ----------------------------------------------------------------

WIFI, ALARM, OWN = "canary-W1Fi-pa55-7f3a9", "alarm-code-Zx81-pass", "keepers-own-secret-42"


async def add_secret(client, display: str, label: str, secret: str) -> int:
    r = await client.post(
        f"/api/customers/{display}/secure-access", json={"label": label, "kind": "wifi", "secret": secret}
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def reveal(client, display: str, item_id: int):
    return await client.post(f"/api/customers/{display}/secure-access/{item_id}/reveal")


async def test_merge_reseals_secure_access_items_for_the_keeper_and_moves_files(client, bindings, people, database):
    await two_customers(client, bindings, people)
    own = await add_secret(client, "C-1001", "Office WiFi", OWN)
    wifi = await add_secret(client, "C-1002", "Boat WiFi", WIFI)
    alarm = await add_secret(client, "C-1002", "Alarm panel", ALARM)
    assert (await upload(client, "C-1002", "boat.png", PNG)).status_code == 201
    loser_bound = await database.first("SELECT secret_sealed FROM customer_secure_access WHERE id = ?", wifi)

    r = await client.post("/api/customers/C-1001/merge", json={"merge": "C-1002"})
    assert r.status_code == 200, r.text
    assert r.json()["moved"]["secure_access"] == 2 and r.json()["moved"]["files"] == 1

    # the keeper holds every item, and each reveals the same secret as before; the other holds none
    listed = (await client.get("/api/customers/C-1001/secure-access")).json()["items"]
    assert sorted(i["label"] for i in listed) == ["Alarm panel", "Boat WiFi", "Office WiFi"]
    for item_id, secret in ((wifi, WIFI), (alarm, ALARM), (own, OWN)):
        opened = await reveal(client, "C-1001", item_id)
        assert opened.status_code == 200 and opened.json()["secret"] == secret
    assert (await client.get("/api/customers/C-1002/secure-access")).json()["items"] == []
    assert (await reveal(client, "C-1002", wifi)).status_code == 404
    moved = await database.first("SELECT * FROM customer_secure_access WHERE id = ?", wifi)
    assert moved["key_id"] == "k1" and moved["version"] == 2 and moved["secret_sealed"] != loser_bound["secret_sealed"]

    # sealed for its new row: the old ciphertext, or one copied from another row, still refuses to open
    copy = "UPDATE customer_secure_access SET secret_sealed = ? WHERE id = ?"
    await database.run(copy, loser_bound["secret_sealed"], wifi)
    assert (await reveal(client, "C-1001", wifi)).status_code == 409
    await database.run(copy, moved["secret_sealed"], alarm)
    refused = await reveal(client, "C-1001", alarm)
    assert refused.status_code == 409 and "moved from another row" in refused.json()["detail"]

    # the file is listed, and downloads, under the keeper
    files = (await client.get("/api/customers/C-1001/files")).json()["items"]
    assert [f["filename"] for f in files] == ["boat.png"]
    assert (await client.get(f"/api/customers/C-1001/files/{files[0]['id']}")).content == PNG
    assert (await client.get("/api/customers/C-1002/files")).json()["items"] == []

    # the timeline says what moved, by name; no secret anywhere in the records
    entry = (await client.get("/api/customers/C-1001/timeline?type=merge")).json()[0]
    assert entry["body"].endswith(": 2 contacts, 2 addresses, 1 note, 2 tags, 1 file, 2 secure-access items")
    row = await database.first("SELECT meta FROM timeline_entries WHERE kind = 'merge' AND body LIKE 'Merged from%'")
    assert json.loads(row["meta"])["secure_access"] == ["Boat WiFi", "Alarm panel"]
    for table in ("timeline_entries", "audit_log"):
        dump = json.dumps(await database.all(f"SELECT * FROM {table}"))
        assert WIFI not in dump and ALARM not in dump and OWN not in dump, table


async def test_merge_reseals_items_of_a_retired_key_under_the_current_one(client, bindings, people, database):
    await two_customers(client, bindings, people)
    wifi = await add_secret(client, "C-1002", "Boat WiFi", WIFI)
    bindings.settings = make_settings(
        ENCRYPTION_KEY=KEY_B, ENCRYPTION_KEY_ID="k2", ENCRYPTION_KEYS_OLD=f"k1:{TEST_ENV['ENCRYPTION_KEY']}"
    )
    assert (await client.post("/api/customers/C-1001/merge", json={"merge": "C-1002"})).status_code == 200
    assert (await database.first("SELECT key_id FROM customer_secure_access WHERE id = ?", wifi))["key_id"] == "k2"
    bindings.settings = make_settings(ENCRYPTION_KEY=KEY_B, ENCRYPTION_KEY_ID="k2")  # k1 gone for good
    assert (await reveal(client, "C-1001", wifi)).json()["secret"] == WIFI


@pytest.mark.parametrize("damage", ["unknown key", "altered"])
async def test_an_item_that_cannot_be_opened_blocks_the_merge_and_nothing_is_written(
    client, bindings, people, database, db_path, damage
):
    csrf = await sign_in_api(client, bindings, people.admin)
    await two_customers(client, bindings, people)
    await add_secret(client, "C-1002", "Boat WiFi", WIFI)
    bad = await add_secret(client, "C-1002", "Old router", ALARM)
    if damage == "unknown key":
        await database.run("UPDATE customer_secure_access SET key_id = 'k0' WHERE id = ?", bad)
    else:
        await database.run(
            "UPDATE customer_secure_access SET secret_sealed = 'AAAA' || secret_sealed WHERE id = ?", bad
        )
    before = snapshot_file(db_path)
    r = await client.post("/api/customers/C-1001/merge", json={"merge": "C-1002"})
    assert r.status_code == 409
    detail = r.json()["detail"]
    assert "“Old router”" in detail and "Nothing was merged" in detail and "Boat WiFi" not in detail
    assert WIFI not in r.text and ALARM not in r.text
    page = await client.post("/clients/C-1001/merge", data={"csrf_token": csrf, "other": "C-1002"})
    assert page.status_code == 409 and "Old router" in page.text
    assert unchanged(before, snapshot_file(db_path))


async def test_items_changed_after_resealing_make_the_batch_write_nothing(client, bindings, people, database, db_path):
    """The race the merge batch guards against: an item edited (moving the old secret over it would undo
    the edit) or added (it would stay behind on the archived record) between re-sealing and the batch."""
    await two_customers(client, bindings, people)
    wifi = await add_secret(client, "C-1002", "Boat WiFi", WIFI)
    keeper = await customers.customer_for_user(database, people.admin, "C-1001")
    other = await customers.customer_for_user(database, people.admin, "C-1002")
    ring = vault.KeyRing.from_settings(bindings.settings)
    edit = client.patch(f"/api/customers/C-1002/secure-access/{wifi}", json={"secret": OTHER})
    for meanwhile in (edit, add_secret(client, "C-1002", "New camera", ALARM)):
        handover = await secure_access.hand_over(database, bindings.clock.now(), ring, other, keeper)
        await meanwhile
        before = snapshot_file(db_path)
        with pytest.raises(LostRace):
            await database.batch(handover.statements)
        assert snapshot_file(db_path) == before
    assert (await reveal(client, "C-1002", wifi)).json()["secret"] == OTHER
    # even when the other had no items when the merge read them
    third = await create(client, name="Empty Diaz")
    empty = await customers.customer_for_user(database, people.admin, third["id"])
    handover = await secure_access.hand_over(database, bindings.clock.now(), ring, empty, keeper)
    await add_secret(client, third["id"], "Late WiFi", WIFI)
    with pytest.raises(LostRace):
        await database.batch(handover.statements)


OTHER = "replaced-secret-Qq77"

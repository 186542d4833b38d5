"""Secure access: sealing (AES-GCM, row binding, key ids), masking everywhere, audited reveals, and
the roles and offices that may see, change or reveal an item."""

from __future__ import annotations

import base64
import json
import logging

import pytest

from core import config, errors, vault
from customers import secure_access
from tests.conftest import TEST_ENV, make_settings, sign_in_api, snapshot_file

CANARY = "canary-W1Fi-pa55-7f3a9"
OTHER = "second-secret-Qx81"
KEY_B = base64.b64encode(b"B" * 32).decode()


async def make_customer(db, office_id: int, name: str = "Dana Client") -> str:
    row = await db.first("SELECT COALESCE(MAX(id), 1000) + 1 AS id FROM customers")
    cid = int(row["id"])
    await db.run(
        "INSERT INTO customers (id, display_id, office_id, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        cid,
        f"C-{cid}",
        office_id,
        name,
        "2026-11-22T15:00:00.000Z",
        "2026-11-22T15:00:00.000Z",
    )
    return f"C-{cid}"


async def add_item(client, bindings, user, customer: str, secret: str = CANARY, label: str = "Home WiFi") -> dict:
    await sign_in_api(client, bindings, user)
    response = await client.post(
        f"/api/customers/{customer}/secure-access",
        json={"label": label, "kind": "wifi", "username": "HomeNet-5G", "secret": secret, "notes": "router in hall"},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def audit_rows(db, action: str) -> list[dict]:
    return await db.all("SELECT * FROM audit_log WHERE action = ? ORDER BY id", action)


# --- the vault --------------------------------------------------------------------------------


def ring(**overrides: str) -> vault.KeyRing:
    return vault.KeyRing.from_settings(make_settings(**overrides))


@pytest.mark.parametrize("plain", ["", "x", "pässwörd 🔑", "a" * 10_000])
def test_it_round_trips_and_never_reuses_a_nonce(plain):
    keys = ring()
    first, second = keys.seal(plain, "secure_access:1:1001"), keys.seal(plain, "secure_access:1:1001")
    assert first.ciphertext != second.ciphertext  # a fresh nonce each time
    assert first.key_id == "k1"
    assert keys.open(first, "secure_access:1:1001") == plain == keys.open(second, "secure_access:1:1001")
    assert len(plain) < 8 or plain not in first.ciphertext


def test_it_refuses_a_flipped_bit_anywhere():
    keys = ring()
    sealed = keys.seal(CANARY, "secure_access:1:1001")
    raw = base64.b64decode(sealed.ciphertext)
    for position in (0, 11, 12, len(raw) // 2, len(raw) - 1):  # nonce, ciphertext, tag
        bent = bytearray(raw)
        bent[position] ^= 0x01
        with pytest.raises(vault.TamperedValue, match="failed authentication"):
            keys.open(vault.Sealed(base64.b64encode(bytes(bent)).decode(), "k1"), "secure_access:1:1001")


def test_it_refuses_a_value_moved_to_another_row_or_customer():
    keys = ring()
    sealed = keys.seal(CANARY, secure_access.associated(1, 1001))
    for elsewhere in (secure_access.associated(2, 1001), secure_access.associated(1, 1002)):
        with pytest.raises(vault.TamperedValue, match="moved from another row"):
            keys.open(sealed, elsewhere)


def test_an_unknown_key_id_fails_clearly_and_an_old_key_still_opens():
    old = ring()  # seals under k1
    sealed = old.seal(CANARY, "secure_access:1:1001")
    rotated = ring(ENCRYPTION_KEY=KEY_B, ENCRYPTION_KEY_ID="k2")
    with pytest.raises(vault.UnknownKey, match="'k1', which is not in the key ring"):
        rotated.open(sealed, "secure_access:1:1001")
    kept = ring(ENCRYPTION_KEY=KEY_B, ENCRYPTION_KEY_ID="k2", ENCRYPTION_KEYS_OLD=f"k1:{TEST_ENV['ENCRYPTION_KEY']}")
    assert kept.open(sealed, "secure_access:1:1001") == CANARY
    assert kept.needs_rewrap(sealed) and kept.seal("x", "a").key_id == "k2"
    # the same id with a different key is not mistaken for the right one
    with pytest.raises(vault.TamperedValue):
        ring(ENCRYPTION_KEY=KEY_B).open(sealed, "secure_access:1:1001")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ENCRYPTION_KEY_ID": "has space"}, "ENCRYPTION_KEY_ID"),
        ({"ENCRYPTION_KEYS_OLD": "no-colon"}, "KEY_ID:base64"),
        ({"ENCRYPTION_KEYS_OLD": f"k1:{KEY_B}"}, "repeats key id"),
        ({"ENCRYPTION_KEYS_OLD": "k0:c2hvcnQ="}, "32 bytes"),
    ],
)
def test_bad_key_ring_settings_are_named(change, message):
    with pytest.raises(config.SettingsError, match=message):
        config.load({**TEST_ENV, **change})


def test_the_key_ring_never_prints_its_keys():
    keys = ring(ENCRYPTION_KEYS_OLD=f"k0:{KEY_B}")
    assert TEST_ENV["ENCRYPTION_KEY"] not in repr(keys) and KEY_B not in repr(keys)
    assert KEY_B not in repr(make_settings(ENCRYPTION_KEYS_OLD=f"k0:{KEY_B}"))


# --- items through the app --------------------------------------------------------------------


async def test_it_saves_sealed_and_answers_masked(client, bindings, people, database, db_path):
    customer = await make_customer(database, people.office_a.id)
    item = await add_item(client, bindings, people.agent, customer)
    assert item["secret"] == secure_access.MASK and item["label"] == "Home WiFi"
    row = await database.first("SELECT * FROM customer_secure_access WHERE id = ?", item["id"])
    assert row["key_id"] == "k1" and CANARY not in row["secret_sealed"]
    # S-1: a dump of the whole database holds no plaintext
    assert CANARY not in repr(snapshot_file(db_path))
    audit = await audit_rows(database, "secure_access.create")
    assert len(audit) == 1 and audit[0]["office_id"] == people.office_a.id


@pytest.mark.parametrize("persona", ["owner", "admin", "finance", "agent", "viewer"])
async def test_every_listing_shows_the_secret_masked(client, bindings, people, database, persona):
    customer = await make_customer(database, people.office_a.id)
    await add_item(client, bindings, people.agent, customer)
    await sign_in_api(client, bindings, getattr(people, persona))
    seen = 0
    for url in (
        f"/api/customers/{customer}/secure-access",
        f"/clients/{customer}/secure-access",
        f"/clients/{customer}",
        f"/api/customers/{customer}",
        "/clients?q=Dana",
        "/api/customers?q=Dana",
        "/openapi.json",
    ):
        response = await client.get(url)
        assert CANARY not in response.text, url
        seen += response.status_code == 200
    listing = (await client.get(f"/api/customers/{customer}/secure-access")).json()
    assert [i["secret"] for i in listing["items"]] == [secure_access.MASK]
    assert listing["can_reveal"] is (persona in ("owner", "admin", "agent"))
    panel = (await client.get(f"/clients/{customer}/secure-access")).text
    assert secure_access.MASK in panel and ("Reveal" in panel) is (persona in ("owner", "admin", "agent"))
    assert seen >= 3


async def test_a_reveal_answers_once_uncached_and_writes_exactly_one_audit_row(client, bindings, people, database):
    customer = await make_customer(database, people.office_a.id)
    item = await add_item(client, bindings, people.agent, customer)
    response = await client.post(f"/api/customers/{customer}/secure-access/{item['id']}/reveal")
    assert response.status_code == 200
    assert response.json()["secret"] == CANARY
    assert response.headers["cache-control"] == "no-store"
    rows = await audit_rows(database, "secure_access.reveal")
    assert len(rows) == 1
    assert rows[0]["actor_user_id"] == people.agent.id and rows[0]["office_id"] == people.office_a.id
    assert json.loads(rows[0]["meta"]) == {"customer": customer, "item_id": item["id"], "label": "Home WiFi"}

    page = await client.post(f"/clients/{customer}/secure-access/{item['id']}/reveal", headers={"hx-request": "true"})
    assert page.status_code == 200 and CANARY in page.text and 'id="sa-secret-' in page.text
    assert page.headers["cache-control"] == "no-store"
    assert len(await audit_rows(database, "secure_access.reveal")) == 2
    plain = await client.post(f"/clients/{customer}/secure-access/{item['id']}/reveal")
    assert plain.status_code == 200 and CANARY in plain.text and "<html" in plain.text
    assert len(await audit_rows(database, "secure_access.reveal")) == 3
    # a reveal is never a GET: nothing can prefetch or cache it
    assert (await client.get(f"/api/customers/{customer}/secure-access/{item['id']}/reveal")).status_code == 405


@pytest.mark.parametrize("persona", ["viewer", "finance", "partner"])
async def test_roles_without_reveal_are_refused_and_nothing_is_recorded(client, bindings, people, database, persona):
    customer = await make_customer(database, people.office_a.id)
    item = await add_item(client, bindings, people.admin, customer)
    await sign_in_api(client, bindings, getattr(people, persona))
    for url in (
        f"/api/customers/{customer}/secure-access/{item['id']}/reveal",
        f"/clients/{customer}/secure-access/{item['id']}/reveal",
    ):
        response = await client.post(url)
        assert response.status_code == 403, url
        assert CANARY not in response.text
    created = await client.post(
        f"/api/customers/{customer}/secure-access", json={"label": "x", "secret": "y", "kind": "other"}
    )
    assert created.status_code == 403
    assert await audit_rows(database, "secure_access.reveal") == []


async def test_another_offices_agent_gets_404_as_for_a_missing_item(client, bindings, people, database):
    customer = await make_customer(database, people.office_a.id)
    item = await add_item(client, bindings, people.agent, customer)
    await sign_in_api(client, bindings, people.agent_b)
    other = await client.post(f"/api/customers/{customer}/secure-access/{item['id']}/reveal")
    missing = await client.post(f"/api/customers/C-999999/secure-access/{item['id']}/reveal")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert (await client.get(f"/api/customers/{customer}/secure-access")).status_code == 404
    patched = await client.patch(f"/api/customers/{customer}/secure-access/{item['id']}", json={"label": "mine"})
    assert patched.status_code == 404
    # an item id of another customer, under a customer the caller does see, is not found either
    own = await make_customer(database, people.office_b.id, "Bea B")
    assert (await client.post(f"/api/customers/{own}/secure-access/{item['id']}/reveal")).status_code == 404
    assert await audit_rows(database, "secure_access.reveal") == []


async def test_a_ciphertext_copied_to_another_row_refuses_to_open(client, bindings, people, database):
    first = await make_customer(database, people.office_a.id, "First")
    second = await make_customer(database, people.office_a.id, "Second")
    a = await add_item(client, bindings, people.agent, first)
    b = await add_item(client, bindings, people.agent, second, secret=OTHER)
    await database.run(
        "UPDATE customer_secure_access SET secret_sealed = (SELECT secret_sealed FROM customer_secure_access"
        " WHERE id = ?) WHERE id = ?",
        a["id"],
        b["id"],
    )
    response = await client.post(f"/api/customers/{second}/secure-access/{b['id']}/reveal")
    assert response.status_code == 409
    assert "moved from another row" in response.json()["detail"]
    assert CANARY not in response.text and OTHER not in response.text
    assert await audit_rows(database, "secure_access.reveal") == []


async def test_edit_keeps_or_replaces_the_secret_and_refuses_a_stale_version(client, bindings, people, database):
    customer = await make_customer(database, people.office_a.id)
    item = await add_item(client, bindings, people.agent, customer)
    url = f"/api/customers/{customer}/secure-access/{item['id']}"
    changed = await client.patch(url, json={"label": "Garage WiFi", "kind": "device"})
    assert changed.status_code == 200 and changed.json()["label"] == "Garage WiFi"
    assert changed.json()["secret"] == secure_access.MASK
    assert (await client.post(f"{url}/reveal")).json()["secret"] == CANARY  # kept
    assert (await client.patch(url, json={"secret": OTHER})).status_code == 200
    assert (await client.post(f"{url}/reveal")).json()["secret"] == OTHER  # replaced
    assert len(await audit_rows(database, "secure_access.update")) == 2
    # a concurrent edit: the version read is no longer the version stored
    stale = await secure_access.item_for(database, int(customer[2:]), item["id"])
    assert stale is not None
    await database.run("UPDATE customer_secure_access SET version = version + 1 WHERE id = ?", item["id"])
    cust = await database.first("SELECT * FROM customers WHERE display_id = ?", customer)
    with pytest.raises(errors.Conflict):
        await secure_access.update_item(
            database,
            bindings.clock.now(),
            people.agent.actor,
            vault.KeyRing.from_settings(bindings.settings),
            cust,
            stale,
            secure_access.check_input("x", "wifi"),
            None,
        )
    assert len(await audit_rows(database, "secure_access.update")) == 2
    deleted = await client.delete(url)
    assert deleted.status_code == 200
    assert len(await audit_rows(database, "secure_access.delete")) == 1
    assert (await client.post(f"{url}/reveal")).status_code == 404


async def test_the_panel_forms_add_edit_and_delete(client, bindings, people, database):
    customer = await make_customer(database, people.office_a.id)
    await sign_in_api(client, bindings, people.agent)
    hx = {"hx-request": "true"}
    form = {"label": "Alarm panel", "kind": "device", "username": "installer", "secret": CANARY, "notes": ""}
    added = await client.post(f"/clients/{customer}/secure-access", data=form, headers=hx)
    assert added.status_code == 200 and "Alarm panel" in added.text and CANARY not in added.text
    item_id = (await database.first("SELECT id FROM customer_secure_access"))["id"]
    refused = await client.post(f"/clients/{customer}/secure-access", data={**form, "label": " "}, headers=hx)
    assert "Give the item a label" in refused.text and CANARY not in refused.text
    plain = await client.post(f"/clients/{customer}/secure-access/{item_id}", data={**form, "secret": ""})
    assert plain.status_code == 303 and plain.headers["location"].endswith("#secure-access")
    gone = await client.post(f"/clients/{customer}/secure-access/{item_id}/delete", headers=hx)
    assert "No saved WiFi" in gone.text


CARD = "4111 1111 1111 1111"


@pytest.mark.parametrize("field", ["label", "username", "notes"])
@pytest.mark.parametrize("how", ["api_create", "api_update", "form_create", "form_update"])
async def test_a_card_number_in_a_plain_field_is_refused_and_nothing_is_stored(
    client, bindings, people, database, db_path, field, how
):
    customer = await make_customer(database, people.office_a.id)
    item = await add_item(client, bindings, people.agent, customer)
    fields = {"label": "Home WiFi", "kind": "wifi", "username": "HomeNet-5G", "notes": "", "secret": OTHER}
    fields[field] = f"card {CARD} exp 04/28"
    before = snapshot_file(db_path)
    api, form = f"/api/customers/{customer}/secure-access", f"/clients/{customer}/secure-access"
    if how == "api_create":
        r = await client.post(api, json=fields)
    elif how == "api_update":
        r = await client.patch(f"{api}/{item['id']}", json={field: fields[field]})
    else:
        r = await client.post(form if how == "form_create" else f"{form}/{item['id']}", data=fields)
    assert r.status_code == 422, r.text
    assert "looks like a payment card number" in r.text
    assert CARD not in r.text and OTHER not in r.text
    after = snapshot_file(db_path)
    before.pop("sessions"), after.pop("sessions")  # each request refreshes the caller's last_seen_at
    assert after == before


def test_the_input_check_refuses_a_card_itself():
    """Not left to the routes: the module's own check refuses, naming the field only."""
    with pytest.raises(errors.Invalid, match=r"^Username looks like a payment card number"):
        secure_access.check_input("Router", "device", username="4111-1111-1111-1111")
    # a secret may be all digits (a PIN, a door code): it is sealed, never checked
    assert secure_access.check_secret("4111111111111111") == "4111111111111111"


async def test_secrets_never_reach_the_logs_or_the_records(client, bindings, people, database, caplog):
    caplog.set_level(logging.DEBUG)
    customer = await make_customer(database, people.office_a.id)
    item = await add_item(client, bindings, people.agent, customer)
    url = f"/api/customers/{customer}/secure-access/{item['id']}"
    await client.post(f"{url}/reveal")
    await client.patch(url, json={"secret": OTHER})
    await client.patch(url, json={"secret": OTHER, "label": "x" * 500})  # refused: a 422 that must not echo it
    await client.post(
        f"/api/customers/{customer}/secure-access", json={"label": "y", "secret": CANARY, "unknown": CANARY}
    )
    await client.post(f"/clients/{customer}/secure-access", data={"label": "z" * 500, "secret": CANARY})
    assert CANARY not in caplog.text and OTHER not in caplog.text
    for table in ("audit_log", "timeline_entries"):
        dump = json.dumps(await database.all(f"SELECT * FROM {table}"))
        assert CANARY not in dump and OTHER not in dump, table


async def test_a_rotated_key_still_reveals_and_saving_moves_the_item_to_the_new_key(client, bindings, people, database):
    customer = await make_customer(database, people.office_a.id)
    item = await add_item(client, bindings, people.agent, customer)
    url = f"/api/customers/{customer}/secure-access/{item['id']}"
    bindings.settings = make_settings(
        ENCRYPTION_KEY=KEY_B, ENCRYPTION_KEY_ID="k2", ENCRYPTION_KEYS_OLD=f"k1:{TEST_ENV['ENCRYPTION_KEY']}"
    )
    assert (await client.post(f"{url}/reveal")).json()["secret"] == CANARY
    assert (await client.patch(url, json={"notes": "moved"})).status_code == 200
    row = await database.first("SELECT key_id FROM customer_secure_access WHERE id = ?", item["id"])
    assert row["key_id"] == "k2"
    bindings.settings = make_settings(ENCRYPTION_KEY=KEY_B, ENCRYPTION_KEY_ID="k2")  # k1 retired for good
    assert (await client.post(f"{url}/reveal")).json()["secret"] == CANARY
    other = await add_item(client, bindings, people.agent, customer, secret=OTHER, label="Old")
    await database.run("UPDATE customer_secure_access SET key_id = 'k1' WHERE id = ?", other["id"])
    refused = await client.patch(f"/api/customers/{customer}/secure-access/{other['id']}", json={"notes": "x"})
    assert refused.status_code == 409 and "ENCRYPTION_KEYS_OLD" in refused.json()["detail"]

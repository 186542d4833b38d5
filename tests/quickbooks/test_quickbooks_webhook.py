"""POST /webhook/quickbooks: Intuit's signature over the raw body, both payload shapes (recorded and
built), nothing written on a bad signature, and the next sync tick fetching what was reported."""

from __future__ import annotations

import json

import pytest

from core.config import Secret
from core.records import Actor
from quickbooks import importer, sync, webhook
from tests.conftest import snapshot_file
from tests.fakes.quickbooks import (
    FIXTURES,
    REALM,
    VERIFIER_TOKEN,
    cloudevents_payload,
    legacy_payload,
    sign,
    webhook_headers,
)
from tests.quickbooks_support import (  # noqa: F401 (fixtures)
    connect,
    fake_fixture,
    rows,
    run_import,
    settings_fixture,
)


def recorded(name: str) -> bytes:
    """A recorded-shape payload, compacted as Intuit sends it (the signature covers these bytes)."""
    return json.dumps(json.loads((FIXTURES / name).read_text()), separators=(",", ":")).encode()


def pending(db_path) -> list[tuple]:
    return rows(db_path, "SELECT entity, qbo_id, operation FROM quickbooks_changes ORDER BY entity, qbo_id")


@pytest.fixture
async def connected(client, bindings, people, fake):
    await connect(client, bindings, people.owner)
    client.cookies.clear()  # Intuit has no session
    client.headers.pop("x-csrf-token", None)


def test_the_signature_matches_intuits_published_vectors():
    assert webhook.signature_ok(b'{"stuff":"5"}', "nfPLN16u3vMvv08ghDs+dOkLuirEVDy5wAeG/lmM2OA=", Secret("verify_me"))
    dotnet = (
        b'{"eventNotifications":[{"realmId":"1269959970","dataChangeEvent":{"entities":['
        b'{"name":"Vendor","id":"40","operation":"Update","lastUpdated":"2016-10-05T03:09:04.000Z"},'
        b'{"name":"Customer","id":"43","operation":"Create","lastUpdated":"2016-10-05T03:07:04.000Z"}]}}]}'
    )
    token = Secret("00faeec4-08d0-4996-bb37-698ae19f0149")
    assert webhook.signature_ok(dotnet, "6q+xGyMirJupwKTh2/WBl2NcdxzxqdIbk3sneKTxLWM=", token)
    assert not webhook.signature_ok(dotnet + b" ", "6q+xGyMirJupwKTh2/WBl2NcdxzxqdIbk3sneKTxLWM=", token)
    assert not webhook.signature_ok(dotnet, None, token)
    assert not webhook.signature_ok(dotnet, "6q+xGyMirJupwKTh2/WBl2NcdxzxqdIbk3sneKTxLWM=", None)


async def test_a_legacy_notification_is_recorded(client, connected, db_path):
    body = recorded("webhook_legacy.json")
    answer = await client.post("/webhook/quickbooks", content=body, headers=webhook_headers(body))
    assert answer.status_code == 200 and answer.json() == {"status": "ok", "recorded": 5}
    assert pending(db_path) == [
        ("Customer", "3", "Merge"),
        ("Customer", "5", "Delete"),  # the merge's loser
        ("Customer", "6", "Create"),
        ("Estimate", "103", "Delete"),
        ("Invoice", "131", "Update"),
    ]  # the Vendor event is not ours


async def test_a_cloudevents_array_is_recorded(client, connected, db_path):
    body = recorded("webhook_cloudevents.json")
    answer = await client.post("/webhook/quickbooks", content=body, headers=webhook_headers(body))
    assert answer.json()["recorded"] == 3
    assert pending(db_path) == [
        ("Estimate", "103", "Delete"),
        ("Invoice", "131", "Update"),
        ("Payment", "203", "Create"),
    ]
    # The same ids again only refresh the rows.
    built = cloudevents_payload(REALM, [("Invoice", "131", "updated"), ("SalesReceipt", "300", "voided")])
    await client.post("/webhook/quickbooks", content=built, headers=webhook_headers(built))
    assert len(pending(db_path)) == 4 and ("SalesReceipt", "300", "Void") in pending(db_path)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"intuit-signature": ""},
        {"intuit-signature": "not base64 at all"},
        {"intuit-signature": sign(b"some other body")},
        {"intuit-signature": sign(b"", "wrong-verifier")},
    ],
    ids=["missing", "empty", "garbage", "other-body", "other-token"],
)
async def test_a_bad_signature_is_refused_and_writes_nothing(client, connected, db_path, headers):
    body = legacy_payload(REALM, [{"name": "Invoice", "id": "131", "operation": "Update"}])
    if headers.get("intuit-signature") == sign(b"", "wrong-verifier"):
        headers = {"intuit-signature": sign(body, "wrong-verifier")}
    before = snapshot_file(db_path)
    answer = await client.post(
        "/webhook/quickbooks", content=body, headers={"content-type": "application/json", **headers}
    )
    assert answer.status_code == 401
    assert snapshot_file(db_path) == before


async def test_a_tampered_body_is_refused(client, connected, db_path):
    body = legacy_payload(REALM, [{"name": "Invoice", "id": "131", "operation": "Update"}])
    headers = webhook_headers(body)
    tampered = body.replace(b"131", b"132")
    assert (await client.post("/webhook/quickbooks", content=tampered, headers=headers)).status_code == 401
    assert pending(db_path) == []


async def test_other_companies_and_unknown_shapes_are_acknowledged_and_ignored(client, connected, db_path):
    for body in (
        legacy_payload("1111", [{"name": "Invoice", "id": "131", "operation": "Update"}]),
        cloudevents_payload("1111", [("Invoice", "131", "updated")]),
        b'{"something": "else"}',
        b"not json",
    ):
        answer = await client.post("/webhook/quickbooks", content=body, headers=webhook_headers(body))
        assert answer.status_code == 200 and answer.json()["recorded"] == 0
    assert pending(db_path) == []


async def test_without_a_verifier_token_nothing_is_accepted(client, bindings, db_path):
    from tests.conftest import make_settings

    bindings.settings = make_settings()
    body = legacy_payload(REALM, [{"name": "Invoice", "id": "131", "operation": "Update"}])
    answer = await client.post("/webhook/quickbooks", content=body, headers=webhook_headers(body, VERIFIER_TOKEN))
    assert answer.status_code == 401


async def test_the_next_sync_fetches_the_reported_ids(client, bindings, connected, fake, clock, db_path):
    await importer.start_import(bindings, Actor(None, "test"))
    await run_import(bindings)
    clock.advance(minutes=10)
    fake.update("Invoice", "131", Balance=500.0)
    fake.delete("Estimate", "103")
    created = fake.put("Payment", {"TxnDate": "2026-11-22", "TotalAmt": 580.0, "CustomerRef": {"value": "2"}})
    body = cloudevents_payload(
        REALM,
        [("Invoice", "131", "updated"), ("Estimate", "103", "deleted"), ("Payment", created["Id"], "created")],
    )
    await client.post("/webhook/quickbooks", content=body, headers=webhook_headers(body))
    result = await sync.tick(bindings, clock.now())
    assert result["reported"] == 3
    assert pending(db_path) == []
    assert rows(
        db_path, "SELECT balance_cents FROM quickbooks_objects WHERE entity = 'Invoice' AND qbo_id = '131'"
    ) == [(50000,)]
    assert rows(db_path, "SELECT deleted_at IS NOT NULL FROM quickbooks_objects WHERE qbo_id = '103'") == [(1,)]
    assert rows(db_path, "SELECT total_cents FROM quickbooks_objects WHERE qbo_id = ?", created["Id"]) == [(58000,)]

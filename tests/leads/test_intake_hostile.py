"""Intake under bodies partners and bots really send: multipart forms, broken Unicode, absurd nesting.

Each of these was a 500 and a lost lead (issue 16, items 2–4); now a lead is kept or the body is
refused with a 4xx that says why, and a refusal writes nothing.
"""

from __future__ import annotations

import json

import pytest

from leads import intake
from tests.conftest import TEST_ENV, sign_in_api, snapshot_file

SECRET = {"x-webhook-secret": TEST_ENV["WEBHOOK_SECRET"]}


async def lead(db, display_id: str) -> dict:
    row = await db.first("SELECT * FROM leads WHERE display_id = ?", display_id)
    assert row is not None, display_id
    return row


# --- multipart/form-data (docs/webhooks.md promises form posts; multipart is one) -------------------


async def test_a_multipart_webhook_becomes_a_lead(client, database):
    fields = {"full_name": (None, "Maria Multipart"), "phone": (None, "(305) 555-0142"), "zip": (None, "33130")}
    r = await client.post("/webhook/leads", files=fields, headers=SECRET)
    assert r.status_code == 200, r.text
    row = await lead(database, r.json()["lead_id"])
    assert (row["name"], row["phone"], row["zip"]) == ("Maria Multipart", "+13055550142", "33130")


async def test_a_multipart_webhook_with_a_file_part_keeps_the_text_fields(client, database):
    parts = {"name": (None, "Fiona File"), "email": (None, "fiona@example.com"), "photo": ("a.jpg", b"\xff\xd8x")}
    r = await client.post("/webhook/leads", files=parts, headers=SECRET)
    assert r.status_code == 200, r.text
    assert (await lead(database, r.json()["lead_id"]))["email"] == "fiona@example.com"


async def test_a_multipart_request_help_form_becomes_a_lead(client, database, people):
    parts = {"name": (None, "Rita Request"), "phone": (None, "212-555-0199"), "message": (None, "Door stuck")}
    r = await client.post("/request-help", files=parts, headers={"accept": "application/json"})
    assert r.status_code == 200, r.text
    row = await lead(database, r.json()["lead_id"])
    assert (row["name"], row["source_key"]) == ("Rita Request", "website")


async def test_a_broken_multipart_body_is_a_400_that_writes_nothing(client, db_path):
    before = snapshot_file(db_path)
    headers = {**SECRET, "content-type": "multipart/form-data; boundary=xyz"}
    r = await client.post("/webhook/leads", content=b"--xyz\r\nContent-Disposition: form-data\r\n\r\n", headers=headers)
    assert r.status_code == 400 and "multipart" in r.json()["detail"].lower()
    assert snapshot_file(db_path) == before


# --- lone surrogates ----------------------------------------------------------------------------


async def test_a_lone_surrogate_is_stored_replaced_and_the_lead_kept(client, database):
    body = '{"full_name": "Sam \\ud800 Surrogate", "phone": "3055550143", "notes": "tail \\udfff"}'
    r = await client.post("/webhook/leads", content=body, headers={**SECRET, "content-type": "application/json"})
    assert r.status_code == 200, r.text
    row = await lead(database, r.json()["lead_id"])
    assert row["name"] == "Sam \ufffd Surrogate"
    assert "tail \ufffd" in row["notes"]


async def test_a_real_surrogate_pair_is_one_character(client, database):
    body = '{"full_name": "Pat \\ud83d\\ude00", "phone": "3055550144"}'
    r = await client.post("/webhook/leads", content=body, headers={**SECRET, "content-type": "application/json"})
    assert r.status_code == 200, r.text
    assert (await lead(database, r.json()["lead_id"]))["name"] == "Pat \U0001f600"


async def test_a_lone_surrogate_in_the_json_api_is_a_422_naming_the_field(client, bindings, people, db_path):
    await sign_in_api(client, bindings, people.owner)
    before = snapshot_file(db_path)
    body = '{"name": "Lone \\ud800 Customer", "office_id": ' + str(people.office_a.id) + "}"
    r = await client.post("/api/customers", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0].startswith("name:"), r.text
    assert snapshot_file(db_path) == before


def test_the_storage_layer_replaces_lone_surrogates_for_both_runtimes():
    from core.storage import check_params

    assert check_params(["a\ud800b", "plain", "café", 3]) == ("a\ufffdb", "plain", "café", 3)


# --- nesting ------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [20_000, 990, intake.MAX_JSON_DEPTH + 1])
async def test_json_nested_too_deep_is_a_400_that_writes_nothing(client, db_path, depth):
    before = snapshot_file(db_path)
    body = '{"full_name": "Nested Ned", "x": ' + "[" * depth + "]" * depth + "}"
    r = await client.post("/webhook/leads", content=body, headers={**SECRET, "content-type": "application/json"})
    assert r.status_code == 400, r.text
    assert "nested" in r.json()["detail"]
    assert snapshot_file(db_path) == before


async def test_json_as_deep_as_allowed_is_taken(client, database):
    nested: object = "x"
    for _ in range(intake.MAX_JSON_DEPTH - 1):
        nested = [nested]
    body = json.dumps({"full_name": "Deep Dana", "phone": "3055550145", "extra": nested})
    r = await client.post("/webhook/leads", content=body, headers={**SECRET, "content-type": "application/json"})
    assert r.status_code == 200, r.text


async def test_json_nested_20000_deep_to_request_help_is_a_400(client, db_path):
    before = snapshot_file(db_path)
    body = "[" * 20_000 + "]" * 20_000
    r = await client.post("/request-help", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert snapshot_file(db_path) == before


@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/api/customers"), ("POST", "/api/leads"), ("PATCH", "/api/sources/order"), ("POST", "/api/users")],
)
async def test_json_nested_20000_deep_to_the_api_is_a_4xx(client, bindings, people, db_path, method, path):
    await sign_in_api(client, bindings, people.owner)
    before = snapshot_file(db_path)
    body = '{"a":' * 20_000 + "1" + "}" * 20_000
    r = await client.request(method, path, content=body, headers={"content-type": "application/json"})
    assert 400 <= r.status_code < 500, r.text
    assert snapshot_file(db_path) == before


# --- digits that are not ASCII -----------------------------------------------------------------


async def test_a_zip_of_superscript_digits_is_kept_and_the_lead_still_shows(client, bindings, people):
    # str.isdigit passes "³", which int() refuses: the lead's page and the queue answered 500.
    r = await client.post(
        "/webhook/leads", json={"full_name": "Sup Erscript", "phone": "3055550146", "zip": "³³¹³⁰"}, headers=SECRET
    )
    assert r.status_code == 200, r.text
    display_id = r.json()["lead_id"]
    assert (await lead(bindings.db, display_id))["zip"] == "³³¹³⁰"
    await sign_in_api(client, bindings, people.owner)
    shown = await client.get(f"/api/leads/{display_id}")
    assert shown.status_code == 200, shown.text
    assert (await client.get("/api/leads")).status_code == 200

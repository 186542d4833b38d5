"""Lead sources: who sees tokens, create, change, rotate, reorder."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in_api, snapshot_file


async def test_only_the_owner_sees_webhook_tokens(client, bindings, people):
    await sign_in_api(client, bindings, people.agent)
    listed = (await client.get("/api/sources")).json()
    assert [s["key"] for s in listed][:3] == ["facebook", "google", "lsa"] and len(listed) == 11
    assert all("webhook_token" not in s for s in listed)
    await sign_in_api(client, bindings, people.owner)
    assert all(len(s["webhook_token"]) == 48 for s in (await client.get("/api/sources")).json())


async def test_the_owner_adds_a_source_with_rules(client, bindings, people, db_path):
    await sign_in_api(client, bindings, people.owner)
    r = await client.post(
        "/api/sources",
        json={
            "key": "homeadvisor",
            "label": "HomeAdvisor",
            "color": "#F68315",
            "default_office_id": people.office_b.id,
            "snooze_sequence": "aggressive",
        },
    )
    assert r.status_code == 201 and r.json()["color"] == "#f68315" and r.json()["webhook_token"]
    before = snapshot_file(db_path)
    assert (await client.post("/api/sources", json={"key": "homeadvisor", "label": "Again"})).status_code == 409
    assert (await client.post("/api/sources", json={"key": "Bad Key!", "label": "X"})).status_code == 422
    assert (await client.post("/api/sources", json={"key": "ok_key", "label": "X", "color": "red"})).status_code == 422
    assert (
        await client.post("/api/sources", json={"key": "ok_key", "label": "X", "snooze_sequence": "nope"})
    ).status_code == 422
    assert snapshot_file(db_path) == before
    # the new source routes its leads to its default office
    lead = await client.post(f"/webhook/s/{r.json()['webhook_token']}", json={"name": "HA lead", "phone": "3057942213"})
    assert (await client.get(f"/api/leads/{lead.json()['lead_id']}")).json()["office"] == "Sliding"


async def test_rotating_a_token_retires_the_old_one(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    old = next(s for s in (await client.get("/api/sources")).json() if s["key"] == "yelp")["webhook_token"]
    new = (await client.patch("/api/sources/yelp", json={"rotate_token": True})).json()["webhook_token"]
    assert new != old
    assert (await client.post(f"/webhook/s/{old}", json={"name": "Old"})).status_code == 401
    assert (await client.post(f"/webhook/s/{new}", json={"name": "New", "phone": "3057942213"})).status_code == 200


async def test_settings_and_a_new_token_are_one_batch(client, bindings, people, database):
    """One request, one batch: a PATCH that edits a source and rotates its token writes both together
    (they were two batches, so a failure between them kept the edit with the old token)."""
    await sign_in_api(client, bindings, people.owner)
    old = next(s for s in (await client.get("/api/sources")).json() if s["key"] == "yelp")["webhook_token"]
    batches: list[list[str]] = []
    real_batch = database.batch

    async def counted(statements):
        batches.append([st.sql for st in statements])
        return await real_batch(statements)

    database.batch = counted  # a pass-through that notes each batch; the database does the work
    try:
        r = await client.patch("/api/sources/yelp", json={"label": "Yelp Ads", "rotate_token": True})
    finally:
        del database.batch
    assert r.status_code == 200 and r.json()["label"] == "Yelp Ads" and r.json()["webhook_token"] != old
    # (the D1 adapter also sends reads made together as a batch: only batches that write count here)
    writes = [sqls for sqls in batches if any(sql.lstrip().startswith(("INSERT", "UPDATE")) for sql in sqls)]
    assert len(writes) == 1
    assert sum("INSERT INTO audit_log" in sql for sql in writes[0]) == 2  # source.updated, source.token_rotated


async def test_changing_and_reordering_sources(client, bindings, people, database):
    csrf = await sign_in_api(client, bindings, people.owner)
    r = await client.patch("/api/sources/yelp", json={"label": "Yelp Ads", "active": False})
    assert r.json()["label"] == "Yelp Ads" and r.json()["active"] is False
    assert (await client.patch("/api/sources/nope", json={"label": "x"})).status_code == 404
    r = await client.post("/maintenance/sources/google/move", data={"csrf_token": csrf, "direction": "up"})
    assert r.status_code == 303
    keys = [s["key"] for s in (await client.get("/api/sources")).json()]
    assert keys[:2] == ["google", "facebook"]
    page = await client.get("/maintenance/sources")
    assert page.status_code == 200 and "/webhook/s/" in page.text and "Yelp Ads" in page.text
    assert await database.first("SELECT id FROM audit_log WHERE action = 'source.reordered'")


@pytest.mark.parametrize("field", ["label", "color", "snooze_sequence", "active"])
async def test_a_null_for_a_field_that_cannot_be_empty_is_a_422(client, bindings, people, db_path, field):
    # Found by `make fuzz`: {"label": null} reached the label check and answered 500.
    await sign_in_api(client, bindings, people.owner)
    before = snapshot_file(db_path)
    r = await client.patch("/api/sources/yelp", json={field: None})
    assert r.status_code == 422 and f"{field}:" in r.text, r.text  # the field is named
    assert snapshot_file(db_path) == before


async def test_a_null_default_office_clears_it(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    r = await client.patch("/api/sources/yelp", json={"default_office_id": people.office_a.id})
    assert r.status_code == 200 and r.json()["default_office_id"] == people.office_a.id
    r = await client.patch("/api/sources/yelp", json={"default_office_id": None})
    assert r.status_code == 200 and r.json()["default_office_id"] is None

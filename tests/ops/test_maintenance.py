"""Owner pages: users, offices and the audit log, through the real forms."""

from __future__ import annotations

import json

import pytest

from accounts import users
from core import records
from core.storage import DatabaseError, q
from tests.conftest import login_form, sign_in, snapshot_file


@pytest.fixture
async def owner(client, bindings, people):
    return await sign_in(client, bindings, people.owner)


async def audit_actions(db) -> list[str]:
    return [r["action"] for r in await db.all("SELECT action FROM audit_log ORDER BY id")]


async def test_it_creates_a_user_who_can_then_sign_in(client, owner, people, database):
    r = await client.post(
        "/maintenance/users",
        data={
            "csrf_token": owner,
            "name": "Dana Dispatcher",
            "email": "Dana@Example.Test",
            "role": "admin",
            "office_ids": [str(people.office_b.id)],
            "password": "a perfectly long phrase",
        },
    )
    assert r.status_code == 303
    dana = await users.by_email(database, "dana@example.test")
    assert dana and dana.role == "admin" and dana.office_ids == {people.office_b.id}
    assert (await audit_actions(database))[-1] == "user.created"
    page = await client.get(r.headers["location"])
    assert "Dana Dispatcher" in page.text and "can now sign in" in page.text
    client.cookies.clear()
    assert (await login_form(client, "dana@example.test", "a perfectly long phrase")).status_code == 303


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not-an-email"}, "valid email"),
        ({"password": "short"}, "at least 12"),
        ({"office_ids": []}, "at least one office"),
        ({"role": "superuser"}, "Role must be"),
        ({"role": "partner"}, "partner name"),
        ({"email": "agent@example.test"}, "already exists"),
        ({"name": "   "}, "Name must be"),
    ],
)
async def test_bad_user_input_gets_a_clear_400_and_changes_nothing(client, owner, people, db_path, fields, message):
    data = {
        "csrf_token": owner,
        "name": "New Person",
        "email": "new@example.test",
        "role": "agent",
        "office_ids": [str(people.office_a.id)],
        "password": "a perfectly long phrase",
        **fields,
    }
    before = snapshot_file(db_path)
    r = await client.post("/maintenance/users", data=data)
    assert r.status_code == 400
    assert message in r.text
    assert snapshot_file(db_path) == before


async def test_it_changes_a_role_and_offices_and_records_it(client, owner, people, database):
    r = await client.post(
        f"/maintenance/users/{people.agent.id}",
        data={
            "csrf_token": owner,
            "name": "Agent",
            "role": "admin",
            "office_ids": [str(people.office_a.id), str(people.office_b.id)],
        },
    )
    assert r.status_code == 303
    updated = await users.get(database, people.agent.id)
    assert updated.role == "admin" and updated.office_ids == {people.office_a.id, people.office_b.id}
    timeline = await records.timeline_for(database, "user", people.agent.id)
    assert timeline[0]["body"].startswith("Role changed from Agent to Admin")
    row = await database.first("SELECT meta FROM audit_log WHERE action = 'user.updated'")
    assert json.loads(row["meta"])["role"] == ["agent", "admin"]


async def test_it_deactivates_and_resets_passwords(client, owner, people, database):
    r = await client.post(
        f"/maintenance/users/{people.viewer.id}/active", data={"csrf_token": owner, "active": "false"}
    )
    assert r.status_code == 303
    assert not (await users.get(database, people.viewer.id)).active
    r = await client.post(
        f"/maintenance/users/{people.admin.id}/password", data={"csrf_token": owner, "password": "brand new passphrase"}
    )
    assert r.status_code == 303
    client.cookies.clear()
    assert (await login_form(client, "admin@example.test", "brand new passphrase")).status_code == 303
    assert (await login_form(client, "viewer@example.test")).status_code == 401


async def test_the_last_owner_cannot_be_demoted_or_deactivated(client, owner, people, database):
    r = await client.post(
        f"/maintenance/users/{people.owner.id}",
        data={"csrf_token": owner, "name": "Owner", "role": "admin", "all_offices": "true"},
    )
    assert r.status_code == 400 and "only active owner" in r.text
    assert (await users.get(database, people.owner.id)).role == "owner"


async def test_unknown_user_ids_are_404(client, owner):
    assert (await client.get("/maintenance/users/99999")).status_code == 404
    assert (await client.get("/maintenance/users/not-a-number")).status_code == 422


async def test_it_manages_offices(client, owner, people, database):
    r = await client.post(
        "/maintenance/offices", data={"csrf_token": owner, "name": "Joes Doors FL", "time_zone": "America/New_York"}
    )
    assert r.status_code == 303
    office = await database.first("SELECT * FROM offices WHERE name = 'Joes Doors FL'")
    r = await client.post(
        f"/maintenance/offices/{office['id']}",
        data={
            "csrf_token": owner,
            "name": "Joes Doors FL",
            "time_zone": "America/Chicago",
            "jobs_enabled": "true",
            "active": "true",
        },
    )
    assert r.status_code == 303
    assert (await database.first("SELECT time_zone, jobs_enabled FROM offices WHERE id = ?", office["id"])) == {
        "time_zone": "America/Chicago",
        "jobs_enabled": 1,
    }
    r = await client.post(f"/maintenance/offices/{office['id']}/delete", data={"csrf_token": owner})
    assert r.status_code == 303
    assert await database.first("SELECT id FROM offices WHERE id = ?", office["id"]) is None
    assert (await audit_actions(database))[-3:] == ["office.created", "office.updated", "office.deleted"]


async def test_offices_with_people_cannot_be_deleted(client, owner, people, database):
    r = await client.post(f"/maintenance/offices/{people.office_a.id}/delete", data={"csrf_token": owner})
    assert r.status_code == 409 and "deactivate" in r.text
    assert await database.first("SELECT id FROM offices WHERE id = ?", people.office_a.id)


@pytest.mark.parametrize(
    ("name", "zone", "message"),
    [
        ("", "America/New_York", "1–80"),
        ("Garage", "America/New_York", "already exists"),
        ("X", "Mars/Base", "Unknown time zone"),
    ],
)
async def test_bad_office_input_is_refused(client, owner, db_path, name, zone, message):
    before = snapshot_file(db_path)
    r = await client.post("/maintenance/offices", data={"csrf_token": owner, "name": name, "time_zone": zone})
    assert r.status_code == 400 and message in r.text
    assert snapshot_file(db_path) == before


async def test_the_audit_log_filters_by_type_person_and_date(client, owner, people, database):
    page = await client.get("/maintenance/audit")
    assert page.status_code == 200 and "user.created" in page.text
    filtered = await client.get("/maintenance/audit", params={"action": "office.created"})
    assert "Office Garage added" in filtered.text and "User Agent B" not in filtered.text
    none = await client.get("/maintenance/audit", params={"since": "2030-01-01"})
    assert "No events match" in none.text
    bad = await client.get("/maintenance/audit", params={"since": "2026-13-45"})
    assert bad.status_code == 400
    empty = await client.get("/maintenance/audit", params={"action": "", "actor": "", "office": "", "since": ""})
    assert empty.status_code == 200


async def test_a_failed_batch_leaves_no_audit_row(database, clock, people):
    """The audit row travels in the same batch as its change: if the change fails, so does the row."""
    before = await audit_actions(database)
    with pytest.raises(DatabaseError):
        await database.batch(
            [
                records.audit(clock.now(), people.owner.actor, "office.created", "should vanish"),
                q(
                    "INSERT INTO offices (slug, name, time_zone, created_at, updated_at)"
                    " VALUES ('garage', 'Dup', 'UTC', '', '')"
                ),
            ]
        )
    assert await audit_actions(database) == before


async def test_the_audit_api_pages_newest_first(client, owner):
    rows = (await client.get("/api/audit", params={"limit": 3})).json()
    assert len(rows) == 3 and rows[0]["id"] > rows[1]["id"] > rows[2]["id"]
    older = (await client.get("/api/audit", params={"limit": 3, "before": rows[-1]["id"]})).json()
    assert older[0]["id"] < rows[-1]["id"]

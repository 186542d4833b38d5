"""Passwords (issue 17, ASVS 5 6.2): change one's own (current required, other sessions end, audited),
an owner/admin reset that forces a change at next sign-in, and the breached/common-password list."""

from __future__ import annotations

import re

import pytest

from accounts import common_passwords, passwords, sessions
from core.errors import Invalid
from tests.conftest import PASSWORD, login_form, sign_in, sign_in_api, snapshot_file

NEW = "a porch light left on for late visitors"


async def count(db, table: str, where: str = "1 = 1", *params) -> int:
    row = await db.first(f"SELECT COUNT(*) AS n FROM {table} WHERE {where}", *params)
    return row["n"]


async def test_changing_the_password_ends_every_other_session(client, bindings, people, database):
    other = await sessions.start(
        bindings.db, bindings.clock.now(), bindings.settings, people.agent, ip=None, user_agent="phone"
    )
    csrf = await sign_in(client, bindings, people.agent)
    r = await client.post(
        "/account/password", data={"csrf_token": csrf, "current_password": PASSWORD, "new_password": NEW}
    )
    assert r.status_code == 303 and r.headers["location"] == "/account/security"
    assert await sessions.resume(bindings.db, bindings.clock.now(), bindings.settings, other) is None
    assert (await client.get("/leads")).status_code == 200  # this one stays
    assert (
        await count(database, "audit_log", "action = 'auth.password_changed' AND actor_user_id = ?", people.agent.id)
        == 1
    )
    client.cookies.clear()
    assert (await login_form(client, "agent@example.test", PASSWORD)).status_code == 401
    assert (await login_form(client, "agent@example.test", NEW)).status_code == 303


async def test_the_current_password_is_required(client, bindings, people, db_path):
    csrf = await sign_in(client, bindings, people.agent)
    before = snapshot_file(db_path)
    r = await client.post(
        "/account/password", data={"csrf_token": csrf, "current_password": "not my password", "new_password": NEW}
    )
    assert r.status_code == 422 and "isn&#39;t your current password" in r.text
    after = snapshot_file(db_path)
    after.pop("rate_counters"), before.pop("rate_counters")  # the wrong guess is counted, nothing else
    assert after == before


@pytest.mark.parametrize(
    "new", ["qwertyuiop123", "dragon2024!!!", "shadowshadow", "password1234", "agent@example.test"]
)
async def test_a_common_or_padded_password_is_refused_naming_the_field(client, bindings, people, database, new):
    csrf = await sign_in(client, bindings, people.agent)
    r = await client.post(
        "/account/password", data={"csrf_token": csrf, "current_password": PASSWORD, "new_password": new}
    )
    assert r.status_code == 422 and 'id="err-new"' in r.text
    row = await database.first("SELECT password_hash FROM users WHERE id = ?", people.agent.id)
    assert await passwords.verify(row["password_hash"], PASSWORD)  # unchanged


async def test_the_api_names_the_password_field_in_its_422(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    r = await client.post(
        "/api/users",
        json={
            "email": "new@example.test",
            "name": "New",
            "role": "agent",
            "office_ids": [people.office_a.id],
            "password": "1qaz2wsx3edc",
        },
    )
    assert r.status_code == 422
    assert "password" in r.json()["fields"]


def test_the_list_comes_from_the_bundled_package_and_catches_padding():
    read = common_passwords._read_listed()  # the fast path: one line of zxcvbn's file, not an import
    assert read is not None and len(read) == 30_000 and read[:2] == ["123456", "password"]
    assert common_passwords.size() >= 30_000
    for weak in ("baseball2024", "!!monkey1234", "football football", "121212121212", "Letmein123456"):
        assert common_passwords.is_common(weak), weak
    for fine in (PASSWORD, NEW, "owner-demo-pass", "agent-demo-pass", "finance-admin-demo-pass"):
        assert not common_passwords.is_common(fine), fine
    with pytest.raises(Invalid) as refused:
        passwords.check_policy("sunshine12345", field="new_password")
    assert refused.value.fields == {"new_password": refused.value.message}


async def test_an_admin_reset_forces_a_new_password_at_next_sign_in(client, bindings, people, database):
    other = await sessions.start(
        bindings.db, bindings.clock.now(), bindings.settings, people.agent, ip=None, user_agent="x"
    )
    csrf = await sign_in(client, bindings, people.admin)
    temporary = "temporary porch key 7"
    r = await client.post(f"/people/{people.agent.id}/password", data={"csrf_token": csrf, "password": temporary})
    assert r.status_code == 303
    assert await sessions.resume(bindings.db, bindings.clock.now(), bindings.settings, other) is None
    assert await count(database, "audit_log", "action = 'user.password_reset'") == 1

    client.cookies.clear()
    signed = await login_form(client, "agent@example.test", temporary)
    assert signed.status_code == 303 and signed.headers["location"] == "/account/security"
    blocked = await client.get("/leads")
    assert blocked.status_code == 303 and blocked.headers["location"] == "/account/security"
    page = await client.get("/account/security")
    assert "Choose a new password to continue" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = await client.post(
        "/account/password", data={"csrf_token": csrf, "current_password": temporary, "new_password": NEW}
    )
    assert done.status_code == 303
    assert (await client.get("/leads")).status_code == 200
    row = await database.first("SELECT must_change_password FROM users WHERE id = ?", people.agent.id)
    assert row["must_change_password"] == 0


async def test_an_admin_cannot_reset_an_owner_and_nobody_resets_themselves_there(client, bindings, people, db_path):
    csrf = await sign_in(client, bindings, people.admin)
    before = snapshot_file(db_path)
    for target in (people.owner, people.admin, people.agent_b):
        r = await client.post(
            f"/people/{target.id}/password", data={"csrf_token": csrf, "password": "temporary porch key 7"}
        )
        assert r.status_code == 404, target.email
    assert snapshot_file(db_path) == before
    csrf = await sign_in(client, bindings, people.owner)
    r = await client.post(
        f"/people/{people.admin.id}/password", data={"csrf_token": csrf, "password": "temporary porch key 7"}
    )
    assert r.status_code == 303  # the owner resets anyone else


async def test_the_owners_maintenance_reset_forces_a_change_too(client, bindings, people, database):
    csrf = await sign_in(client, bindings, people.owner)
    r = await client.post(
        f"/maintenance/users/{people.viewer.id}/password",
        data={"csrf_token": csrf, "password": "temporary porch key 7"},
    )
    assert r.status_code == 303
    row = await database.first("SELECT must_change_password FROM users WHERE id = ?", people.viewer.id)
    assert row["must_change_password"] == 1
    mine = await client.post(
        f"/maintenance/users/{people.owner.id}/password", data={"csrf_token": csrf, "password": "temporary porch key 7"}
    )
    assert mine.status_code == 400 and "Account security" in mine.text

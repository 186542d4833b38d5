"""TOTP second factor (issue 17, ASVS 5 6.5/6.6): enrol, sign in with a code or a recovery code, replay
refused, throttling over the second step, turn off, owner/admin reset, per-role enforcement, the
secret sealed and never shown again. Codes are computed here with pyotp at the fixed test clock."""

from __future__ import annotations

import re

import pyotp

from accounts import sessions, two_factor
from core.records import SYSTEM
from tests.accounts.security_support import challenge_cookie, code_at, code_step, enrol, password_step, ring
from tests.conftest import PASSWORD, sign_in


async def count(db, table: str, where: str = "1 = 1", *params) -> int:
    row = await db.first(f"SELECT COUNT(*) AS n FROM {table} WHERE {where}", *params)
    return row["n"]


async def test_enrolment_shows_the_secret_once_and_a_code_turns_it_on(client, bindings, people, database):
    csrf = await sign_in(client, bindings, people.agent)
    r = await client.post("/account/two-factor/start", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/account/two-factor/enrol"
    page = await client.get("/account/two-factor/enrol")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    assert "<svg" in page.text  # the QR code, inline
    shown = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text)
    assert shown
    secret = shown.group(1).replace(" ", "")
    row = await database.first("SELECT * FROM user_totp WHERE user_id = ?", people.agent.id)
    assert secret not in row["secret"] and row["confirmed_at"] is None  # sealed, pending

    wrong = await client.post("/account/two-factor/confirm", data={"csrf_token": csrf, "code": "000000"})
    assert wrong.status_code == 422 and not await two_factor.enrolled(database, people.agent.id)

    done = await client.post(
        "/account/two-factor/confirm", data={"csrf_token": csrf, "code": pyotp.TOTP(secret).at(bindings.clock.now())}
    )
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9-]+)</code></li>", done.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert await two_factor.enrolled(database, people.agent.id)
    stored = [r["code_hash"] for r in await database.all("SELECT code_hash FROM user_recovery_codes")]
    assert len(stored) == 10 and not set(codes) & set(stored)  # hashed, not kept
    assert await count(database, "audit_log", "action = 'auth.two_factor_enrolled'") == 1

    # never shown again: not on the enrol page, the security page, the API, or any audit row
    again = await client.get("/account/two-factor/enrol")
    assert again.status_code == 303 and secret not in again.text
    for path in ("/account/security", "/account", "/api/me"):
        assert secret not in (await client.get(path)).text
    audit = await database.all("SELECT summary, meta FROM audit_log")
    assert not any(secret in f"{a['summary']} {a['meta']}" for a in audit)


async def test_sign_in_takes_the_password_then_a_code(client, bindings, people, database):
    secret, _ = await enrol(bindings, people.agent)
    r = await password_step(client, "agent@example.test")
    assert r.status_code == 303 and r.headers["location"] == "/login/code"
    assert challenge_cookie(client) and not client.cookies.get(sessions.COOKIE)
    assert (await client.get("/leads")).status_code == 303  # the password alone reaches nothing

    bad = await code_step(client, "123456" if code_at(secret, bindings) != "123456" else "654321")
    assert bad.status_code == 401 and not client.cookies.get(sessions.COOKIE)

    ok = await code_step(client, code_at(secret, bindings))
    assert ok.status_code == 303 and ok.headers["location"] == "/"
    assert client.cookies.get(sessions.COOKIE)
    assert (await client.get("/leads")).status_code == 200
    row = await database.first("SELECT meta FROM audit_log WHERE action = 'auth.login' ORDER BY id DESC LIMIT 1")
    assert '"second_factor": "totp"' in row["meta"]


async def test_a_code_is_refused_the_second_time_within_its_window(client, bindings, people):
    secret, _ = await enrol(bindings, people.agent)
    code = code_at(secret, bindings)
    await password_step(client, "agent@example.test")
    assert (await code_step(client, code)).status_code == 303
    client.cookies.clear()
    await password_step(client, "agent@example.test")
    replay = await code_step(client, code)  # same clock, same code
    assert replay.status_code == 401 and "didn&#39;t work" in replay.text
    bindings.clock.advance(seconds=30)
    assert (await code_step(client, code_at(secret, bindings))).status_code == 303  # the next step's code


async def test_an_earlier_step_is_refused_after_a_later_one_was_used(bindings, people):
    secret, _ = await enrol(bindings, people.agent)
    later = code_at(secret, bindings, 30)
    earlier = code_at(secret, bindings)
    assert await two_factor.check(bindings.db, bindings.clock.now(), ring(bindings), SYSTEM, people.agent, later)
    assert not await two_factor.check(bindings.db, bindings.clock.now(), ring(bindings), SYSTEM, people.agent, earlier)


async def test_a_recovery_code_signs_in_once(client, bindings, people, database):
    _, codes = await enrol(bindings, people.agent)
    await password_step(client, "agent@example.test")
    ok = await code_step(client, codes[3].upper().replace("-", " "))  # typed loosely
    assert ok.status_code == 303 and client.cookies.get(sessions.COOKIE)
    assert await count(database, "audit_log", "action = 'auth.recovery_code_used'") == 1
    assert await count(database, "user_recovery_codes", "used_at IS NOT NULL") == 1
    client.cookies.clear()
    await password_step(client, "agent@example.test")
    assert (await code_step(client, codes[3])).status_code == 401
    page = await client.get("/login")
    assert page.status_code == 200


async def test_throttling_covers_the_second_step(client, bindings, people):
    secret, _ = await enrol(bindings, people.agent)
    wrong = "000000" if code_at(secret, bindings) != "000000" else "111111"
    await password_step(client, "agent@example.test")
    for _ in range(4):
        assert (await code_step(client, wrong)).status_code == 401
    fifth = await code_step(client, wrong)  # the challenge's last try: back to the password
    assert fifth.status_code == 303 and fifth.headers["location"] == "/login"
    assert (await client.get("/login/code")).status_code == 303
    # a right password does not reset the account's count while the code is still owed
    await password_step(client, "agent@example.test")
    for _ in range(5):
        await code_step(client, wrong)
    locked = await password_step(client, "agent@example.test")
    assert locked.status_code == 429
    # ... and a challenge still open when the window fills is refused too, even with the right code
    bindings.clock.advance(minutes=16)
    await password_step(client, "agent@example.test")
    for _ in range(4):
        await code_step(client, wrong)
    await password_step(client, "agent@example.test")  # fresh challenge; the account has 4 of 10
    for _ in range(4):
        await code_step(client, wrong)
    await password_step(client, "agent@example.test")
    for _ in range(2):
        await code_step(client, wrong)
    assert (await code_step(client, code_at(secret, bindings))).status_code == 429


async def test_turning_it_off_needs_the_password_and_a_code(client, bindings, people, database):
    secret, _ = await enrol(bindings, people.agent)
    csrf = await sign_in(client, bindings, people.agent)
    no_password = await client.post(
        "/account/two-factor/disable",
        data={"csrf_token": csrf, "password": "wrong password!", "code": code_at(secret, bindings)},
    )
    assert no_password.status_code == 422 and await two_factor.enrolled(database, people.agent.id)
    no_code = await client.post(
        "/account/two-factor/disable", data={"csrf_token": csrf, "password": PASSWORD, "code": "12345"}
    )
    assert no_code.status_code == 422 and await two_factor.enrolled(database, people.agent.id)
    r = await client.post(
        "/account/two-factor/disable",
        data={"csrf_token": csrf, "password": PASSWORD, "code": code_at(secret, bindings)},
    )
    assert r.status_code == 303 and not await two_factor.enrolled(database, people.agent.id)
    assert await count(database, "user_recovery_codes") == 0
    assert await count(database, "audit_log", "action = 'auth.two_factor_disabled'") == 1


async def test_new_recovery_codes_replace_the_old_ones(client, bindings, people):
    secret, old = await enrol(bindings, people.agent)
    csrf = await sign_in(client, bindings, people.agent)
    r = await client.post(
        "/account/two-factor/recovery-codes", data={"csrf_token": csrf, "code": code_at(secret, bindings)}
    )
    new = re.findall(r"<li><code>([a-z2-9-]+)</code></li>", r.text)
    assert r.status_code == 200 and len(new) == 10 and not set(new) & set(old)
    client.cookies.clear()
    await password_step(client, "agent@example.test")
    assert (await code_step(client, old[0])).status_code == 401
    assert (await code_step(client, new[0])).status_code == 303


async def test_an_admin_resets_a_lost_phone_and_the_user_is_signed_out(client, bindings, people, database):
    await enrol(bindings, people.agent)
    other = await sessions.start(
        bindings.db, bindings.clock.now(), bindings.settings, people.agent, ip=None, user_agent="x"
    )
    csrf = await sign_in(client, bindings, people.admin)
    r = await client.post(f"/people/{people.agent.id}/two-factor/reset", data={"csrf_token": csrf})
    assert r.status_code == 303
    assert not await two_factor.enrolled(database, people.agent.id)
    assert await sessions.resume(bindings.db, bindings.clock.now(), bindings.settings, other) is None
    assert await count(database, "audit_log", "action = 'auth.two_factor_reset'") == 1


async def test_an_admin_cannot_reset_an_owner_or_another_offices_user(client, bindings, people, database):
    await enrol(bindings, people.owner)
    await enrol(bindings, people.agent_b)
    csrf = await sign_in(client, bindings, people.admin)
    for target in (people.owner, people.agent_b):
        r = await client.post(f"/people/{target.id}/two-factor/reset", data={"csrf_token": csrf})
        assert r.status_code == 404
        assert await two_factor.enrolled(database, target.id)
    listed = (await client.get("/people")).text
    assert "agent@example.test" in listed and "owner@example.test" not in listed and "agent_b@" not in listed
    assert (
        await client.post(f"/people/{people.agent.id}/two-factor/reset", data={"csrf_token": csrf})
    ).status_code == 303
    csrf = await sign_in(client, bindings, people.agent)  # an agent resets nobody
    assert (await client.get("/people")).status_code == 403


async def test_the_owner_requires_it_for_a_role_and_its_users_enrol_before_any_page(client, bindings, people, database):
    csrf = await sign_in(client, bindings, people.owner)
    r = await client.post("/maintenance/two-factor", data={"csrf_token": csrf, "roles": ["agent"]})
    assert r.status_code == 303 and await two_factor.required_roles(database) == {"agent"}
    assert await count(database, "audit_log", "action = 'settings.two_factor_roles'") == 1

    client.cookies.clear()
    signed = await password_step(client, "agent@example.test")
    assert signed.status_code == 303 and signed.headers["location"] == "/account/two-factor/enrol"
    for path in ("/leads", "/clients", "/account"):
        blocked = await client.get(path)
        assert blocked.status_code == 303 and blocked.headers["location"] == "/account/two-factor/enrol", path
    assert (await client.get("/api/leads", headers={"accept": "application/json"})).status_code == 403
    page = await client.get("/account/two-factor/enrol")
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text).group(1).replace(" ", "")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = await client.post(
        "/account/two-factor/confirm", data={"csrf_token": csrf, "code": code_at(secret, bindings)}
    )
    assert done.status_code == 200 and "recovery codes" in done.text
    assert (await client.get("/leads")).status_code == 200
    # and a required factor cannot be turned off
    bindings.clock.advance(seconds=30)
    off = await client.post(
        "/account/two-factor/disable",
        data={"csrf_token": csrf, "password": PASSWORD, "code": code_at(secret, bindings)},
    )
    assert off.status_code == 422 and await two_factor.enrolled(database, people.agent.id)


async def test_only_the_owner_sets_the_required_roles(client, bindings, people, database):
    csrf = await sign_in(client, bindings, people.admin)
    r = await client.post("/maintenance/two-factor", data={"csrf_token": csrf, "roles": ["agent"]})
    assert r.status_code == 403 and await two_factor.required_roles(database) == frozenset()
    csrf = await sign_in(client, bindings, people.owner)
    bad = await client.post("/maintenance/two-factor", data={"csrf_token": csrf, "roles": ["superuser"]})
    assert bad.status_code == 303 and await two_factor.required_roles(database) == frozenset()

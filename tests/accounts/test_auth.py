"""Sign-in, sessions (rotation, logout, idle and absolute expiry, deactivation), throttling, tokens."""

from __future__ import annotations

import httpx

from accounts import api_tokens, sessions, users
from app import create_app
from core.records import SYSTEM
from tests.conftest import PASSWORD, login_form, make_settings, sign_in


def session_cookie(client: httpx.AsyncClient) -> str | None:
    return client.cookies.get(sessions.COOKIE)


async def count(db, table: str, where: str = "1 = 1", *params) -> int:
    row = await db.first(f"SELECT COUNT(*) AS n FROM {table} WHERE {where}", *params)
    return row["n"]


async def test_it_signs_in_with_the_right_password(client, people, database):
    r = await login_form(client, "agent@example.test")
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert session_cookie(client)
    assert (await client.get("/leads")).status_code == 200
    assert await count(database, "audit_log", "action = 'auth.login' AND actor_user_id = ?", people.agent.id) == 1


async def test_it_answers_unknown_user_and_wrong_password_identically(client, people):
    wrong = await login_form(client, "agent@example.test", "not the password at all")
    unknown = await login_form(client, "nobody@example.test", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda r: r.text.replace("agent@example.test", "X").replace("nobody@example.test", "X")  # noqa: E731
    import re

    token = re.compile(r'value="[A-Za-z0-9_-]{20,}"')
    assert token.sub("", strip(wrong)) == token.sub("", strip(unknown))
    assert "don&#39;t match an active account" in wrong.text
    assert not session_cookie(client)


async def test_it_refuses_a_deactivated_user_at_the_door(client, people, bindings):
    await users.set_active(bindings.db, bindings.clock.now(), SYSTEM, people.viewer, False)
    r = await login_form(client, "viewer@example.test")
    assert r.status_code == 401


async def test_it_rotates_the_session_on_login(client, people, bindings):
    await login_form(client, "agent@example.test")
    first = session_cookie(client)
    await login_form(client, "admin@example.test")
    second = session_cookie(client)
    assert first and second and first != second
    # the old token is dead server-side, not just replaced in the browser
    assert await sessions.resume(bindings.db, bindings.clock.now(), bindings.settings, first) is None
    assert await sessions.resume(bindings.db, bindings.clock.now(), bindings.settings, second) is not None


async def test_it_ends_the_session_on_logout(client, people, bindings, database):
    csrf = await sign_in(client, bindings, people.agent)
    token = session_cookie(client)
    r = await client.post("/logout", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert await count(database, "sessions", "user_id = ?", people.agent.id) == 0
    client.cookies.set(sessions.COOKIE, token)  # replaying the old cookie gets nowhere
    r = await client.get("/leads")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


async def test_it_expires_an_idle_session(client, people, bindings, clock):
    await sign_in(client, bindings, people.agent)
    clock.advance(minutes=29)
    assert (await client.get("/leads")).status_code == 200  # touches the session
    clock.advance(minutes=29)
    assert (await client.get("/leads")).status_code == 200  # still within 30 min of the last request
    clock.advance(minutes=31)
    r = await client.get("/leads")
    assert r.status_code == 303 and "expired=1" in r.headers["location"]


async def test_it_expires_a_busy_session_at_the_absolute_limit(client, people, bindings, clock):
    await sign_in(client, bindings, people.agent)
    for _ in range(12 * 4 - 1):  # a request every 15 minutes for almost 12 hours
        clock.advance(minutes=15)
        assert (await client.get("/leads")).status_code == 200
    clock.advance(minutes=15)
    assert (await client.get("/leads")).status_code == 303


async def test_deactivating_a_user_kills_their_sessions_at_once(client, people, bindings, database):
    await sign_in(client, bindings, people.agent)
    assert (await client.get("/leads")).status_code == 200
    await users.set_active(bindings.db, bindings.clock.now(), people.owner.actor, people.agent, False)
    assert await count(database, "sessions", "user_id = ?", people.agent.id) == 0
    assert (await client.get("/leads")).status_code == 303


async def test_a_role_change_ends_existing_sessions(client, people, bindings):
    await sign_in(client, bindings, people.agent)
    profile = users.check_profile("Agent", "viewer", False, {people.office_a.id}, None)
    await users.update_user(bindings.db, bindings.clock.now(), people.owner.actor, people.agent, profile)
    assert (await client.get("/leads")).status_code == 303


async def test_it_throttles_repeated_failures_per_account(client, people, clock):
    for _ in range(10):
        assert (await login_form(client, "agent@example.test", "wrong password here")).status_code == 401
    locked = await login_form(client, "agent@example.test")  # even the right password now waits
    assert locked.status_code == 429
    assert "Too many sign-in attempts" in locked.text
    # an unknown account is throttled the same way, so the lock reveals nothing
    for _ in range(10):
        await login_form(client, "ghost@example.test", "wrong password here")
    assert (await login_form(client, "ghost@example.test", "x" * 12)).status_code == 429
    # other accounts are unaffected, and the window passes
    assert (await login_form(client, "admin@example.test")).status_code == 303
    clock.advance(minutes=15)
    assert (await login_form(client, "agent@example.test")).status_code == 303


async def test_the_throttle_lives_in_the_database(client, people, database):
    for _ in range(3):
        await login_form(client, "agent@example.test", "wrong password here")
    row = await database.first("SELECT count FROM rate_counters WHERE bucket = 'login:email:agent@example.test'")
    assert row["count"] == 3


async def test_the_login_form_needs_its_own_token(client, people, database):
    r = await client.post("/login", data={"email": "agent@example.test", "password": PASSWORD, "login_token": "x"})
    assert r.status_code == 403
    assert not session_cookie(client)
    assert await count(database, "sessions") == 0


async def test_it_never_redirects_off_site_after_login(client, people):
    r = await login_form(client, "agent@example.test", next="https://evil.test/")
    assert r.headers["location"] == "/"
    r = await login_form(client, "agent@example.test", next="//evil.test/x")
    assert r.headers["location"] == "/"


async def test_production_cookies_are_host_prefixed_secure_httponly_lax(bindings, people):
    bindings.settings = make_settings(PORCHLIGHT_ENV="production")
    app = create_app(bindings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://porchlight.test") as c:
        r = await login_form(c, "agent@example.test")
    set_cookie = [v for k, v in r.headers.multi_items() if k == "set-cookie" and v.startswith("__Host-")]
    assert set_cookie, r.headers
    cookie = set_cookie[0]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Domain" not in cookie
    assert "strict-transport-security" in r.headers


async def test_an_api_token_acts_as_its_user(client, people, bindings, database):
    token = await api_tokens.create_token(bindings.db, bindings.clock.now(), SYSTEM, people.agent, "script")
    assert token.startswith("plt_")
    stored = await database.first("SELECT token_hash FROM api_tokens")
    assert token not in str(stored)  # only a hash is stored
    r = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["email"] == "agent@example.test"
    # the token has the agent's powers, no more
    assert (await client.get("/api/users", headers={"Authorization": f"Bearer {token}"})).status_code == 403


async def test_a_bad_or_revoked_token_gets_401(client, people, bindings):
    r = await client.get("/api/me", headers={"Authorization": "Bearer plt_nope"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    token = await api_tokens.create_token(bindings.db, bindings.clock.now(), SYSTEM, people.agent, "script")
    tokens = await api_tokens.for_user(bindings.db, people.agent.id)
    await api_tokens.revoke_token(bindings.db, bindings.clock.now(), SYSTEM, people.agent, tokens[0]["id"])
    assert (await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401


async def test_a_deactivated_users_token_stops_working(client, people, bindings):
    token = await api_tokens.create_token(bindings.db, bindings.clock.now(), SYSTEM, people.agent, "script")
    await users.set_active(bindings.db, bindings.clock.now(), SYSTEM, people.agent, False)
    assert (await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401


async def test_token_requests_need_no_csrf_token(client, people, bindings):
    token = await api_tokens.create_token(bindings.db, bindings.clock.now(), SYSTEM, people.owner, "script")
    body = {
        "email": "new@example.test",
        "name": "New",
        "role": "agent",
        "office_ids": [people.office_a.id],
        "password": "a long enough password",
    }
    r = await client.post("/api/users", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 201, r.text


async def test_the_account_page_creates_and_shows_a_token_once(client, people, bindings, database):
    csrf = await sign_in(client, bindings, people.viewer)
    r = await client.post("/account/tokens", data={"name": "my script", "csrf_token": csrf})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    assert "plt_" in r.text
    again = await client.get("/account")
    assert "Copy your new token" not in again.text and "my script" in again.text
    assert await count(database, "api_tokens", "user_id = ?", people.viewer.id) == 1


async def test_revoking_twice_audits_once(client, people, bindings, database):
    await api_tokens.create_token(bindings.db, bindings.clock.now(), SYSTEM, people.agent, "script")
    token_id = (await api_tokens.for_user(bindings.db, people.agent.id))[0]["id"]
    assert await api_tokens.revoke_token(bindings.db, bindings.clock.now(), SYSTEM, people.agent, token_id)
    assert not await api_tokens.revoke_token(bindings.db, bindings.clock.now(), SYSTEM, people.agent, token_id)
    assert not await api_tokens.revoke_token(bindings.db, bindings.clock.now(), SYSTEM, people.admin, token_id)
    assert await count(database, "audit_log", "action = 'token.revoked'") == 1

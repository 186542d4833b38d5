"""Helpers for the account-security tests: enrol a user through the real verbs, compute codes with pyotp
at the test's fixed clock, and walk the two sign-in steps through the real forms."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pyotp

from accounts import second_step, two_factor
from core.records import Actor
from core.vault import KeyRing
from tests.conftest import PASSWORD, login_form


def ring(bindings) -> KeyRing:
    return KeyRing.from_settings(bindings.settings)


async def enrol(bindings, user) -> tuple[str, list[str]]:
    """Turn on TOTP for USER; answer (secret, recovery codes). Leaves the clock one step later, so the
    code used to confirm is not the next one the test computes."""
    await two_factor.begin(bindings.db, bindings.clock.now(), ring(bindings), user)
    setup = await two_factor.pending_setup(bindings.db, ring(bindings), user)
    assert setup is not None
    codes = await two_factor.confirm(
        bindings.db,
        bindings.clock.now(),
        ring(bindings),
        Actor(user.id, user.name),
        user,
        code_at(setup.secret, bindings),
    )
    bindings.clock.advance(seconds=two_factor.STEP_SECONDS)
    return setup.secret, codes


def code_at(secret: str, bindings, offset_seconds: int = 0) -> str:
    """The code an authenticator app shows at the test clock (plus OFFSET_SECONDS)."""
    return pyotp.TOTP(secret).at(bindings.clock.now() + timedelta(seconds=offset_seconds))


async def password_step(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await login_form(client, email, password)


async def code_step(client: httpx.AsyncClient, code: str) -> httpx.Response:
    page = await client.get("/login/code")
    match = re.search(r'name="login_token" value="([^"]+)"', page.text)
    assert match, f"no code form: {page.status_code} {page.headers.get('location')}"
    return await client.post("/login/code", data={"code": code, "login_token": match.group(1)})


def challenge_cookie(client: httpx.AsyncClient) -> str | None:
    return client.cookies.get(second_step.COOKIE)

"""CSRF: every unsafe route behind the session cookie refuses forged requests and changes nothing."""

from __future__ import annotations

import pytest

from accounts import authz
from app import route_keys
from tests.accounts.test_authz import _concrete
from tests.conftest import sign_in, snapshot_file

SAFE = {"GET", "HEAD", "OPTIONS"}


def unsafe_session_routes(app) -> list[tuple[str, str]]:
    return sorted((m, p) for m, p in route_keys(app) if m not in SAFE and (m, p) not in authz.CSRF_EXEMPT)


def test_the_exemptions_are_exactly_the_allowlist(app):
    exempt = {(m, p) for m, p in route_keys(app) if m not in SAFE and (m, p) in authz.CSRF_EXEMPT}
    assert exempt == {
        ("POST", "/login"),  # carries its own pre-session token
        ("POST", "/login/code"),  # the same pre-session token, and the second-step challenge cookie
        ("POST", "/webhook/leads"),
        ("POST", "/webhook/facebook"),
        ("POST", "/webhook/s/{token}"),
        ("POST", "/webhook/partner/{token}"),  # issue 22: a Job Partner's token
        ("POST", "/dev/webhook-receiver/{name}"),  # issue 22: development only, changes nothing
        ("POST", "/webhook/quickbooks"),  # Intuit's signature
        ("POST", "/request-help"),
        ("POST", "/book/{slug}"),
        ("POST", "/webhook/sms/{provider}"),  # the SMS provider's signature (issue 21)
        ("POST", "/webhook/sms/{provider}/status"),
    }


FORGERIES = {
    "no token": lambda csrf: ({}, {}),
    "wrong token": lambda csrf: ({"x-csrf-token": "forged"}, {"csrf_token": "forged"}),
    "cross-site fetch": lambda csrf: ({"sec-fetch-site": "cross-site", "x-csrf-token": csrf}, {}),
    "foreign origin": lambda csrf: ({"origin": "https://evil.test", "x-csrf-token": csrf}, {}),
}


@pytest.mark.parametrize("forgery", FORGERIES)
async def test_forged_requests_get_403_and_change_nothing(app, client, bindings, people, db_path, forgery):
    routes = unsafe_session_routes(app)
    assert len(routes) >= 10
    for method, path in routes:
        client.cookies.clear()
        csrf = await sign_in(client, bindings, people.owner)
        headers, form = FORGERIES[forgery](csrf)
        before = snapshot_file(db_path)
        data = {"name": "Forged", "password": "a long enough password", "email": "f@example.test", **form}
        r = await client.request(method, _concrete(path, people), headers=headers, data=data)
        assert r.status_code == 403, f"{forgery}: {method} {path} → {r.status_code}"
        after = snapshot_file(db_path)
        assert after == before, f"{forgery}: {method} {path} changed the database"


async def test_the_real_token_in_the_form_is_accepted(client, bindings, people, database):
    csrf = await sign_in(client, bindings, people.owner)
    r = await client.post(
        "/maintenance/offices",
        data={"name": "Joes Doors FL", "time_zone": "America/New_York", "csrf_token": csrf},
        headers={"origin": "http://testserver", "sec-fetch-site": "same-origin"},
    )
    assert r.status_code == 303
    assert await database.first("SELECT id FROM offices WHERE name = 'Joes Doors FL'")

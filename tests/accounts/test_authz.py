"""The permission table against every registered route, every role, and office scope."""

from __future__ import annotations

import re

import pytest

from accounts import authz
from app import route_keys
from tests.conftest import PERSONAS, sign_in, snapshot_file


def registered_routes(app) -> set[tuple[str, str]]:
    keys = route_keys(app)
    assert ("GET", "/healthz") in keys  # the walk really sees the routes
    return keys


def test_it_has_a_rule_for_every_route_and_no_stale_rules(app):
    routes = registered_routes(app)
    missing = routes - set(authz.ROUTES)
    stale = set(authz.ROUTES) - routes
    assert not missing, f"routes missing from authz.ROUTES: {sorted(missing)}"
    assert not stale, f"authz.ROUTES names routes that do not exist: {sorted(stale)}"


def test_it_only_uses_known_actions():
    for rule in authz.ROUTES.values():
        assert rule in (authz.PUBLIC, authz.SIGNED_IN) or rule in authz.ACTIONS


def test_the_matrix_follows_seed_002():
    # Spot checks against the seed's page-access table, so an edit to ACTIONS can't drift silently.
    assert authz.ACTIONS["maintenance.view"] == {"owner"}
    assert authz.ACTIONS["leads.view"] == {"owner", "admin", "finance_admin", "agent", "viewer", "partner"}
    assert "partner" not in authz.ACTIONS["clients.view"]
    assert authz.ACTIONS["billing.view"] == {"owner", "finance_admin", "viewer"}
    assert "viewer" not in authz.ACTIONS["leads.edit"]


def _concrete(path: str, people) -> str:
    values = {
        "user_id": str(people.agent.id),
        "office_id": str(people.office_a.id),
        "slug": people.office_a.slug,
        "token_id": "999999",
        "token": "not-a-real-source-token",
        "display_id": "L-1001",
        "item_id": "1",
        "file_id": "1",
        "photo_id": "1",
        "contact_id": "1",
        "address_id": "1",
        "note_id": "1",
        "key": "yelp",
        "state": "FL",
        "kind": "lead",
        "sequence": "standard",
        "embed_id": "1",
        "name": "logo",
        "table": "agents",
        "qbo_id": "101",
        "label": "Brooklyn Ads",  # issue 17: a tracking source
        "fmt": "csv",  # issue 17: a list export
        # issue 21
        "message_id": "msg_none",
        "which": "finance",
        # issue 24
        "number": "T-999999",
        "entry_id": "1",
        "summary_id": "1",
        "conversation_id": "1",
        "job_id": "1",  # issue 24: a ticket's linked job
        "mailbox_id": "1",  # issue 24: a development-mailbox attachment
        # The contractor network (issue 19).
        "value_id": "1",
        "area_id": "1",
        "contractor_id": "1",
        "zone_id": "1",
        # SMS (issue 21)
        "provider": "twilio",
        "uid": "sms_0",
        "index": "0",
        "thread_id": "1",
        "line_id": "1",
        "template_id": "1",
        # Jobs, second half (issue 20): a Workiz import batch.
        "import_id": "00000000-0000-0000-0000-000000000000",
        "task_id": "999999",  # issue 23
        "rule_id": "1",  # issue 22: an automation rule
        # issue 22: webhooks
        "endpoint_id": "1",
        "partner_id": "1",
    }
    return re.sub(r"{(\w+)}", lambda m: values[m.group(1)], path)


async def _request(client, method: str, url: str, csrf: str | None):
    headers = {"x-csrf-token": csrf} if csrf else {}
    return await client.request(method, url, headers=headers, follow_redirects=False)


@pytest.mark.parametrize("persona", [p[0] for p in PERSONAS] + ["anonymous"])
async def test_every_route_answers_each_role_as_the_table_says(app, client, bindings, people, persona, db_path):
    for method, path in sorted(registered_routes(app)):
        if (method, path) in {("POST", "/logout"), ("POST", "/login"), ("POST", "/login/code")}:
            continue  # they end or need their own pre-login token; tested in test_auth.py
        rule = authz.ROUTES[(method, path)]
        user = None if persona == "anonymous" else getattr(people, persona)
        client.cookies.clear()
        csrf = await sign_in(client, bindings, user) if user else None
        before = snapshot_file(db_path) if method != "GET" else None
        response = await _request(client, method, _concrete(path, people), csrf)
        label = f"{persona} {method} {path} → {response.status_code}"
        if path.startswith("/webhook/"):
            assert response.status_code < 500, label  # their own secret decides; see test_intake.py
        elif authz.can(user, rule):
            assert response.status_code not in (401, 403), label
            assert response.status_code < 500, label
        elif user is None:
            assert response.status_code in (303, 401), label
            if response.status_code == 303:
                assert response.headers["location"].startswith("/login"), label
        else:
            assert response.status_code == 403, label
            if before is not None:
                after = snapshot_file(db_path)
                after.pop("sessions"), before.pop("sessions")
                assert after == before, f"{label} changed the database"


async def test_an_office_b_user_gets_404_for_office_a_records(client, bindings, people):
    await sign_in(client, bindings, people.agent_b)
    assert (await client.get(f"/offices/{people.office_a.slug}")).status_code == 404
    assert (await client.get(f"/api/offices/{people.office_a.id}")).status_code == 404
    assert (await client.get(f"/api/offices/{people.office_b.id}")).status_code == 200
    # the same answer as for an office that does not exist at all
    missing = await client.get("/api/offices/424242")
    other = await client.get(f"/api/offices/{people.office_a.id}")
    assert missing.status_code == other.status_code == 404
    assert missing.json() == other.json()


async def test_office_lists_are_scoped_to_the_callers_offices(client, bindings, people):
    await sign_in(client, bindings, people.agent_b)
    names = [o["name"] for o in (await client.get("/api/offices")).json()]
    assert names == ["Sliding"]
    client.cookies.clear()
    await sign_in(client, bindings, people.owner)
    names = [o["name"] for o in (await client.get("/api/offices")).json()]
    assert names == ["Garage", "Sliding"]


async def test_navigation_shows_only_pages_the_role_may_open(client, bindings, people):
    await sign_in(client, bindings, people.partner)
    page = (await client.get("/leads")).text
    assert 'href="/leads"' in page
    for hidden in ("/clients", "/billing", "/reports", "/maintenance"):
        assert f'href="{hidden}"' not in page
    client.cookies.clear()
    await sign_in(client, bindings, people.owner)
    page = (await client.get("/leads")).text
    for shown in ("/leads", "/clients", "/billing", "/reports", "/maintenance"):
        assert f'href="{shown}"' in page

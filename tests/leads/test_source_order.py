"""Lead sources in a new order at once (the drag-and-drop list): the whole order or nothing."""

from __future__ import annotations

import json

import pytest

from tests.conftest import sign_in_api, snapshot_file


async def keys_now(client) -> list[str]:
    return [s["key"] for s in (await client.get("/api/sources")).json()]


def without_sessions(snapshot):
    snapshot.pop("sessions")  # signing in and touching the session are not changes to the sources
    return snapshot


async def test_it_applies_a_whole_new_order_in_one_batch_with_an_audit_row(client, bindings, people, database):
    await sign_in_api(client, bindings, people.owner)
    start = await keys_now(client)
    wanted = [start[2], start[0], *start[3:], start[1]]
    r = await client.patch("/api/sources/order", json={"keys": wanted})
    assert r.status_code == 200 and [s["key"] for s in r.json()] == wanted
    assert all("webhook_token" in s for s in r.json())  # the same shape as GET /api/sources (owner)
    assert await keys_now(client) == wanted
    positions = await database.all("SELECT key, position FROM lead_sources ORDER BY position")
    assert [p["position"] for p in positions] == list(range(1, len(wanted) + 1))
    audit = await database.all("SELECT meta, actor_label FROM audit_log WHERE action = 'source.reordered'")
    assert len(audit) == 1 and json.loads(audit[0]["meta"]) == {"order": wanted}
    # the settings page lists them in that order
    page = (await client.get("/maintenance/sources")).text
    where = [page.index(f'data-source="{k}"') for k in wanted]
    assert where == sorted(where)


async def test_the_same_order_again_writes_nothing(client, bindings, people, db_path):
    await sign_in_api(client, bindings, people.owner)
    start = await keys_now(client)
    before = without_sessions(snapshot_file(db_path))
    r = await client.patch("/api/sources/order", json={"keys": start})
    assert r.status_code == 200 and [s["key"] for s in r.json()] == start
    assert without_sessions(snapshot_file(db_path)) == before


BAD_ORDERS = {
    "unknown key": lambda keys: [*keys, "myspace"],
    "unknown in place of one": lambda keys: ["myspace", *keys[1:]],
    "missing key": lambda keys: keys[1:],
    "duplicate key": lambda keys: [keys[0], *keys],
    "duplicate in place of one": lambda keys: [keys[1], *keys[1:]],
    "empty": lambda keys: [],
}


@pytest.mark.parametrize("case", BAD_ORDERS)
async def test_a_bad_order_is_refused_and_changes_nothing(client, bindings, people, db_path, case):
    await sign_in_api(client, bindings, people.owner)
    keys = list(reversed(await keys_now(client)))  # a real change, but for the fault
    before = without_sessions(snapshot_file(db_path))
    r = await client.patch("/api/sources/order", json={"keys": BAD_ORDERS[case](keys)})
    assert r.status_code == 422, r.text
    assert without_sessions(snapshot_file(db_path)) == before


@pytest.mark.parametrize("body", [{}, {"keys": "facebook"}, {"keys": [1, 2]}, {"keys": [], "extra": 1}])
async def test_a_malformed_body_is_refused(client, bindings, people, db_path, body):
    await sign_in_api(client, bindings, people.owner)
    before = without_sessions(snapshot_file(db_path))
    assert (await client.patch("/api/sources/order", json=body)).status_code == 422
    assert without_sessions(snapshot_file(db_path)) == before


async def test_the_messages_say_what_is_wrong(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    keys = await keys_now(client)
    detail = (await client.patch("/api/sources/order", json={"keys": [*keys, "myspace"]})).json()["detail"]
    assert "Unknown source(s): myspace" in detail
    detail = (await client.patch("/api/sources/order", json={"keys": keys[:-1]})).json()["detail"]
    assert f"missing: {keys[-1]}" in detail
    detail = (await client.patch("/api/sources/order", json={"keys": [keys[0], *keys]})).json()["detail"]
    assert f"repeated: {keys[0]}" in detail


async def test_the_settings_page_posts_the_order_as_a_form(client, bindings, people, db_path):
    csrf = await sign_in_api(client, bindings, people.owner)
    keys = await keys_now(client)
    wanted = [keys[-1], *keys[:-1]]
    r = await client.post("/maintenance/sources/order", data={"csrf_token": csrf, "key": wanted})
    assert r.status_code == 303 and r.headers["location"] == "/maintenance/sources"
    page = await client.get("/maintenance/sources")
    assert '<div class="flash" role="status">Order saved.</div>' in page.text
    assert await keys_now(client) == wanted

    before = without_sessions(snapshot_file(db_path))
    r = await client.post("/maintenance/sources/order", data={"csrf_token": csrf, "key": [*wanted, wanted[0]]})
    assert r.status_code == 422 and '<p class="error" role="alert">' in r.text and "repeated" in r.text
    assert 'id="source-list"' in r.text  # the page again, with the order as it still is
    assert without_sessions(snapshot_file(db_path)) == before
    r = await client.post("/maintenance/sources/order", data={"csrf_token": csrf})
    assert r.status_code == 422 and "missing" in r.text
    assert without_sessions(snapshot_file(db_path)) == before


async def test_only_the_owner_reorders(client, bindings, people, db_path):
    keys = None
    for who in (people.admin, people.agent, people.viewer):
        client.cookies.clear()
        csrf = await sign_in_api(client, bindings, who)
        keys = keys or await keys_now(client)
        before = without_sessions(snapshot_file(db_path))
        assert (await client.patch("/api/sources/order", json={"keys": keys[::-1]})).status_code == 403
        r = await client.post("/maintenance/sources/order", data={"csrf_token": csrf, "key": keys[::-1]})
        assert r.status_code == 403
        assert without_sessions(snapshot_file(db_path)) == before


async def test_the_page_offers_drag_handles_beside_the_arrows(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    html = (await client.get("/maintenance/sources")).text
    assert '<script src="/static/sources.js" defer></script>' in html
    assert 'data-order-url="/maintenance/sources/order"' in html
    assert html.count('class="drag-handle" aria-hidden="true"') == len(await keys_now(client))
    assert 'name="direction" value="up"' in html  # the keyboard and no-JS way stays

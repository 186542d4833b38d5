"""The coverage map (CTR-4, CTR-6): `/api/coverage` counts active contractors per area in one query, the
page and the JSON follow the roles of X-2, and the map's assets are served from this origin."""

from __future__ import annotations

import re

import pytest

from network import coverage_map
from tests.conftest import sign_in_api
from tests.network.map_fixtures import area, contractor, cover, job_type


@pytest.fixture
async def network(database, clock):
    now = clock.now()
    miami = await area(database, now, "Miami", "33139")
    tampa = await area(database, now, "Tampa", "33602")
    austin = await area(database, now, "Austin", "78701")
    acme = await contractor(database, now, "Acme Doors")
    best = await contractor(database, now, "Best Garage")
    idle = await contractor(database, now, "Idle Co", active=False)
    await cover(database, now, acme, miami, tampa)
    await cover(database, now, best, tampa)
    await cover(database, now, idle, austin)
    kind = await job_type(database, now)
    return {
        "miami": miami,
        "tampa": tampa,
        "austin": austin,
        "acme": acme,
        "best": best,
        "idle": idle,
        "job_type": kind,
    }


def by_label(body):
    return {a["label"]: a for a in body["areas"]}


async def test_coverage_counts_active_contractors_per_area(client, bindings, people, network):
    await sign_in_api(client, bindings, people.viewer)
    r = await client.get("/api/coverage")
    assert r.status_code == 200, r.text
    got = by_label(r.json())
    assert list(got) == ["Austin", "Miami", "Tampa"]  # label order
    assert (got["Miami"]["active_contractors"], got["Miami"]["colour"]) == (1, "yellow")
    assert (got["Tampa"]["active_contractors"], got["Tampa"]["colour"]) == (2, "green")
    # An inactive contractor covers nothing for the colour, but the hover list still names it, marked.
    assert (got["Austin"]["active_contractors"], got["Austin"]["colour"]) == (0, "red")
    assert got["Austin"]["contractors"] == [{"id": network["idle"]["id"], "name": "Idle Co", "active": False}]
    assert [c["name"] for c in got["Tampa"]["contractors"]] == ["Acme Doors", "Best Garage"]
    assert got["Tampa"]["contractor_ids"] == [network["acme"]["id"], network["best"]["id"]]
    assert (got["Miami"]["lat"], got["Miami"]["lng"]) == (network["miami"]["lat"], network["miami"]["lng"])
    assert got["Miami"]["zip"] == "33139" and got["Miami"]["state"] == "FL"
    # No contact details ever: only id, name, active per contractor.
    assert all(set(c) == {"id", "name", "active"} for a in got.values() for c in a["contractors"])
    # Coverage by job type counts active contractors only (SA-3); each covering contractor lists its areas.
    assert got["Tampa"]["by_job_type"] == {str(network["job_type"]): 2} and got["Austin"]["by_job_type"] == {}
    folded = {c["name"]: c for c in r.json()["contractors"]}
    assert folded["Acme Doors"]["area_ids"] == sorted([network["miami"]["id"], network["tampa"]["id"]])
    assert folded["Idle Co"]["active"] is False and folded["Idle Co"]["kind"] == "company"


async def test_coverage_is_one_statement(database, network):
    class Counting:
        def __init__(self, db):
            self.db, self.calls = db, 0

        async def all(self, sql, *params):
            self.calls += 1
            return await self.db.all(sql, *params)

    counting = Counting(database)
    answer = await coverage_map.coverage(counting)  # type: ignore[arg-type]
    assert counting.calls == 1 and len(answer["areas"]) == 3


async def test_colour_thresholds():
    assert [coverage_map.colour(n) for n in (0, 1, 2, 7)] == ["red", "yellow", "green", "green"]


@pytest.mark.parametrize(
    ("persona", "status", "edits"),
    [
        ("owner", 200, True),
        ("finance", 200, True),
        ("admin", 200, False),
        ("agent", 200, False),
        ("viewer", 200, False),
        ("partner", 403, False),
    ],
)
async def test_roles_on_the_map(client, bindings, people, network, persona, status, edits):
    await sign_in_api(client, bindings, getattr(people, persona))
    api = await client.get("/api/coverage")
    page = await client.get("/contractors/coverage")
    assert (api.status_code, page.status_code) == (status, status)
    if status == 200:
        assert "Acme Doors" in page.text and 'data-coverage-url="/api/coverage"' in page.text
        assert ("🗺 Areas" in page.text) is edits


async def test_page_loads_only_our_own_assets(client, bindings, people, network):
    await sign_in_api(client, bindings, people.owner)
    page = await client.get("/contractors/coverage")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/static/vendor/map/d3-geo.min.js" in sources and "/static/coverage.js" in sources
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources


async def test_toggling_an_area_through_the_api_moves_the_colour(client, bindings, people, network):
    """CTR-6: one idempotent call per pin; the coverage JSON follows at once."""
    await sign_in_api(client, bindings, people.finance)
    acme, austin = network["acme"], network["austin"]
    url = f"/api/contractors/{acme['id']}/areas/{austin['id']}"
    added = "SELECT count(*) AS n FROM audit_log WHERE action = 'contractor.area_added'"
    before = (await bindings.db.first(added))["n"]
    for _ in range(2):  # idempotent: the second add changes nothing
        r = await client.put(url)
        assert r.status_code in (200, 204), r.text
    got = by_label((await client.get("/api/coverage")).json())
    assert got["Austin"]["colour"] == "yellow"
    assert (await bindings.db.first(added))["n"] == before + 1
    for _ in range(2):
        r = await client.delete(url)
        assert r.status_code in (200, 204), r.text
    assert by_label((await client.get("/api/coverage")).json())["Austin"]["colour"] == "red"


@pytest.mark.parametrize("persona", ["admin", "agent", "viewer", "partner"])
async def test_only_editors_toggle(client, bindings, people, network, persona):
    await sign_in_api(client, bindings, getattr(people, persona))
    r = await client.put(f"/api/contractors/{network['acme']['id']}/areas/{network['austin']['id']}")
    assert r.status_code == 403
    assert not await bindings.db.first(
        "SELECT 1 AS x FROM contractor_areas WHERE contractor_id = ? AND area_id = ?",
        network["acme"]["id"],
        network["austin"]["id"],
    )

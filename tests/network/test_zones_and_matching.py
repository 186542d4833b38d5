"""Priority zones (PZ-1…PZ-4) and the matching function (`/api/contractors/eligible`, FC-1, PZ-3)."""

from __future__ import annotations

import pytest

from network import zones
from tests.conftest import sign_in_api, snapshot_file
from tests.network.support import area, contractor, job_type

# A square around downtown Miami (lng, lat), closed.
MIAMI = [[-80.30, 25.70], [-80.10, 25.70], [-80.10, 25.90], [-80.30, 25.90], [-80.30, 25.70]]
INSIDE = {"lat": 25.77, "lng": -80.19}


@pytest.fixture
async def network(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    doors, gates = await job_type(client, "Garage Door"), await job_type(client, "Gates")
    hialeah = await area(client, "Hialeah", "33010")
    lauderdale = await area(client, "Fort Lauderdale", "33301")
    made = {
        "Acme": await contractor(client, "Acme", [doors], area_ids=[hialeah["id"]]),
        "Beta": await contractor(client, "Beta", [doors], area_ids=[hialeah["id"], lauderdale["id"]]),
        "Zed": await contractor(client, "Zed", [doors], area_ids=[lauderdale["id"]]),
        "Gatekeepers": await contractor(client, "Gatekeepers", [gates], area_ids=[hialeah["id"]]),
        "Sleepy": await contractor(client, "Sleepy", [doors], area_ids=[hialeah["id"]], active=False),
    }
    return {"doors": doors, "gates": gates, "hialeah": hialeah, "lauderdale": lauderdale, "c": made}


async def _eligible(client, **params) -> list[dict]:
    response = await client.get("/api/contractors/eligible", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_matching_by_area_lists_active_contractors_of_the_type_a_to_z(client, network):
    found = await _eligible(client, job_type=network["doors"], service_area=network["hialeah"]["id"])
    assert [c["name"] for c in found] == ["Acme", "Beta"]  # not Gatekeepers (type), not Sleepy (inactive)
    assert found[0]["why"] == ["covers Hialeah", "does Garage Door"] and found[0]["priority"] is None


async def test_matching_by_point_uses_every_area_within_fifty_miles(client, network):
    found = await _eligible(client, job_type=network["doors"], lat=26.0, lng=-80.2)  # between the two areas
    assert [c["name"] for c in found] == ["Acme", "Beta", "Zed"]
    beta = next(c for c in found if c["name"] == "Beta")
    assert beta["why"][0] == "covers Hialeah, Fort Lauderdale"
    assert await _eligible(client, job_type=network["doors"], lat=47.6, lng=-122.3) == []


async def test_zone_contractors_come_first_in_their_order_and_once(client, network):
    """PZ-3."""
    c = network["c"]
    body = {
        "label": "Downtown",
        "job_type_id": network["doors"],
        "polygon": MIAMI,
        "contractor_ids": [c["Beta"]["id"], c["Zed"]["id"]],
    }
    zone = await client.post("/api/priority-zones", json=body)
    assert zone.status_code == 201, zone.text
    found = await _eligible(client, job_type=network["doors"], service_area=network["hialeah"]["id"], **INSIDE)
    assert [x["name"] for x in found] == ["Beta", "Zed", "Acme"]
    assert found[0]["priority"] == {"zone_id": zone.json()["id"], "position": 1}
    assert found[0]["why"][0] == "#1 in priority zone Downtown"
    assert found[1]["area_ids"] == []  # a zone contractor need not cover the area
    outside = await _eligible(
        client, job_type=network["doors"], service_area=network["hialeah"]["id"], lat=26.5, lng=-80.19
    )
    assert [x["name"] for x in outside] == ["Acme", "Beta"]
    other_type = await _eligible(client, job_type=network["gates"], service_area=network["hialeah"]["id"], **INSIDE)
    assert [x["name"] for x in other_type] == ["Gatekeepers"]


async def test_a_zone_contractor_made_inactive_drops_out(client, network):
    c = network["c"]
    body = {"label": "Downtown", "job_type_id": network["doors"], "polygon": MIAMI, "contractor_ids": [c["Zed"]["id"]]}
    assert (await client.post("/api/priority-zones", json=body)).status_code == 201
    await client.patch(f"/api/contractors/{c['Zed']['id']}", json={"active": False})
    found = await _eligible(client, job_type=network["doors"], service_area=network["hialeah"]["id"], **INSIDE)
    assert "Zed" not in [x["name"] for x in found]


@pytest.mark.parametrize(
    ("polygon", "message"),
    [
        ([[-80.3, 25.7], [-80.1, 25.7], [-80.1, 25.9]], "close"),
        ([[-80.3, 25.7], [-80.1, 25.7], [-80.3, 25.7]], "3 distinct"),
        ([[-80.3, 25.7], [-80.1, 25.7], [-80.1, 25.9], [-80.3, 25.7, 1]], "[lng, lat]"),
        ([[25.7, -80.3], [25.7, -80.1], [25.9, -100.1], [25.7, -80.3]], "off the globe"),
        ([[-80.3 + i / 1000, 25.7] for i in range(501)], "500"),
        ("nope", "list"),
        ([[10**400, 25.7], [-80.1, 25.7], [-80.1, 25.9], [10**400, 25.7]], "off the globe"),
    ],
)
async def test_bad_polygons_are_a_422_naming_the_field(client, network, db_path, polygon, message):
    """PZ-4."""
    before = snapshot_file(db_path)["priority_zones"]
    body = {"label": "Z", "job_type_id": network["doors"], "polygon": polygon}
    response = await client.post("/api/priority-zones", json=body)
    assert response.status_code == 422, response.text
    assert message in response.text
    assert snapshot_file(db_path)["priority_zones"] == before


async def test_zone_contractors_must_be_active_of_the_type_and_once(client, network):
    """PZ-2, PZ-4."""
    c = network["c"]
    base = {"label": "Z", "job_type_id": network["doors"], "polygon": MIAMI}
    for ids in ([c["Sleepy"]["id"]], [c["Gatekeepers"]["id"]], [c["Acme"]["id"], c["Acme"]["id"]]):
        response = await client.post("/api/priority-zones", json=base | {"contractor_ids": ids})
        assert response.status_code == 422 and "contractor_ids" in response.json()["fields"], ids


async def test_zones_are_changed_reordered_and_deleted(client, network):
    c = network["c"]
    made = (
        await client.post(
            "/api/priority-zones",
            json={
                "label": "Z",
                "job_type_id": network["doors"],
                "polygon": MIAMI,
                "contractor_ids": [c["Acme"]["id"], c["Beta"]["id"]],
            },
        )
    ).json()
    moved = (
        await client.patch(
            f"/api/priority-zones/{made['id']}", json={"contractor_ids": [c["Beta"]["id"], c["Acme"]["id"]]}
        )
    ).json()
    assert moved["contractor_ids"] == [c["Beta"]["id"], c["Acme"]["id"]] and moved["polygon"] == MIAMI
    assert (await client.get("/api/priority-zones")).json()["total"] == 1
    assert (await client.delete(f"/api/priority-zones/{made['id']}")).status_code == 204
    assert (await client.get(f"/api/priority-zones/{made['id']}")).status_code == 404


@pytest.mark.parametrize(
    ("persona", "allowed"), [("admin", True), ("finance", True), ("agent", False), ("viewer", False)]
)
async def test_zones_are_for_admin_and_above(client, bindings, people, network, persona, allowed):
    """PZ-1."""
    await sign_in_api(client, bindings, getattr(people, persona))
    body = {"label": "Z", "job_type_id": network["doors"], "polygon": MIAMI}
    response = await client.post("/api/priority-zones", json=body)
    assert response.status_code == (201 if allowed else 403)
    assert (await client.get("/api/priority-zones")).status_code == 200


async def test_eligible_refuses_bad_input_naming_the_field(client, network):
    cases = [
        ({"job_type": 999, "service_area": network["hialeah"]["id"]}, "job_type"),
        ({"job_type": network["doors"], "service_area": 999}, "service_area"),
        ({"job_type": network["doors"]}, "service_area"),
        ({"job_type": network["doors"], "lat": 25.0}, "lng"),
    ]
    for params, field in cases:
        response = await client.get("/api/contractors/eligible", params=params)
        assert response.status_code == 422 and field in response.text, params


def test_ray_casting_handles_concave_rings():
    ring = [(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (2.0, 1.0), (0.0, 4.0), (0.0, 0.0)]  # a V notch at the top
    assert zones.contains(ring, 0.5, 1.0)
    assert not zones.contains(ring, 3.0, 2.0)  # inside the notch
    assert not zones.contains(ring, 5.0, 1.0)

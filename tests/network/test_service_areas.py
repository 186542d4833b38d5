"""Service areas (SA-1…SA-7): geocoded on save, unique labels, covers-a-ZIP at 50 miles, nearest
areas, deleting one; owner and finance admins edit, other staff read, partners never see them."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in, sign_in_api, snapshot_file
from tests.network.support import area, contractor, job_type


async def test_an_area_is_geocoded_from_its_main_zip(client, bindings, people):
    """SA-1, SA-2."""
    await sign_in_api(client, bindings, people.owner)
    made = await area(client, "Hialeah", "33010", area_code="305", office_address="1 Palm Ave, Hialeah, FL 33010")
    assert (made["city"], made["state"], made["time_zone"]) == ("Hialeah", "FL", "America/New_York")
    assert 25.7 < made["lat"] < 25.9 and made["area_code"] == "305"
    assert (await client.get(f"/api/service-areas/{made['id']}")).json() == made


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"label": "X", "zip": "3301"}, "zip"),
        ({"label": "X", "zip": "99999"}, "zip"),
        ({"label": "", "zip": "33010"}, "label"),
        ({"label": "X", "zip": "33010", "area_code": "30"}, "area_code"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field_and_stores_nothing(client, bindings, people, db_path, body, field):
    await sign_in_api(client, bindings, people.owner)
    before = snapshot_file(db_path)["service_areas"]
    response = await client.post("/api/service-areas", json=body)
    assert response.status_code == 422 and field in response.json()["fields"]
    assert snapshot_file(db_path)["service_areas"] == before


async def test_labels_are_unique_without_regard_to_case(client, bindings, people):
    """SA-5."""
    await sign_in_api(client, bindings, people.owner)
    await area(client, "Hialeah", "33010")
    assert (await client.post("/api/service-areas", json={"label": "HIALEAH", "zip": "33012"})).status_code == 409
    other = await area(client, "Miami", "33127")
    renamed = await client.patch(f"/api/service-areas/{other['id']}", json={"label": "hialeah"})
    assert renamed.status_code == 409


async def test_changing_the_zip_geocodes_again(client, bindings, people):
    await sign_in_api(client, bindings, people.finance)
    made = await area(client, "South", "33010")
    moved = (await client.patch(f"/api/service-areas/{made['id']}", json={"zip": "33139"})).json()
    assert moved["city"] == "Miami Beach" and moved["lat"] != made["lat"] and moved["version"] == 2
    assert (await client.patch(f"/api/service-areas/{made['id']}", json={"zip": "00000"})).status_code == 422


async def test_covering_a_zip_is_its_centroid_within_fifty_miles(client, bindings, people):
    """SA-6: nearest first; Fort Lauderdale is ~25 mi from Hialeah, Orlando ~200."""
    await sign_in_api(client, bindings, people.owner)
    await area(client, "Hialeah", "33010")
    await area(client, "Fort Lauderdale", "33301")
    await area(client, "Orlando", "32801")
    found = (await client.get("/api/service-areas/covering", params={"zip": "33139"})).json()
    assert [a["label"] for a in found["items"]] == ["Hialeah", "Fort Lauderdale"]
    assert all(a["miles"] <= 50 for a in found["items"])
    assert (await client.get("/api/service-areas/covering", params={"zip": "3313"})).status_code == 422


async def test_nearest_areas_to_a_point(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    for label, code in (("Hialeah", "33010"), ("Fort Lauderdale", "33301"), ("Orlando", "32801"), ("Seattle", "98101")):
        await area(client, label, code)
    near = (await client.get("/api/service-areas/nearest", params={"lat": 25.77, "lng": -80.19, "limit": 3})).json()
    assert [a["label"] for a in near["items"]] == ["Hialeah", "Fort Lauderdale", "Orlando"]
    far = (await client.get("/api/service-areas/nearest", params={"lat": 47.6, "lng": -122.3, "limit": 1})).json()
    assert [a["label"] for a in far["items"]] == ["Seattle"]
    every = (await client.get("/api/service-areas/nearest", params={"lat": 0, "lng": 0, "limit": 10})).json()
    assert every["total"] == 4
    for bad in ({"lat": 91, "lng": 0}, {"lat": 0, "lng": 0, "limit": 0}, {"lat": "x", "lng": 0}):
        assert (await client.get("/api/service-areas/nearest", params=bad)).status_code == 422


async def test_deleting_an_area_removes_it_from_contractors(client, bindings, people):
    """SA-7."""
    await sign_in_api(client, bindings, people.owner)
    kind = await job_type(client, "Garage Door")
    place = await area(client, "Hialeah", "33010")
    made = await contractor(client, "Acme", [kind], area_ids=[place["id"]])
    assert made["area_ids"] == [place["id"]]
    assert (await client.delete(f"/api/service-areas/{place['id']}")).status_code == 204
    assert (await client.get(f"/api/contractors/{made['id']}")).json()["area_ids"] == []
    assert (await client.get(f"/api/service-areas/{place['id']}")).status_code == 404


@pytest.mark.parametrize("persona", ["admin", "agent", "viewer"])
async def test_other_staff_read_but_do_not_change(client, bindings, people, persona, db_path):
    """X-2."""
    await sign_in_api(client, bindings, people.owner)
    place = await area(client, "Hialeah", "33010")
    await sign_in_api(client, bindings, getattr(people, persona))
    assert (await client.get("/api/service-areas")).json()["total"] == 1
    assert (await client.get("/service-areas")).status_code == 200
    before = snapshot_file(db_path)
    assert (await client.post("/api/service-areas", json={"label": "Y", "zip": "33012"})).status_code == 403
    assert (await client.patch(f"/api/service-areas/{place['id']}", json={"label": "Z"})).status_code == 403
    assert (await client.delete(f"/api/service-areas/{place['id']}")).status_code == 403
    after = snapshot_file(db_path)
    after.pop("sessions"), before.pop("sessions")
    assert after == before


async def test_partners_have_no_access(client, bindings, people):
    await sign_in_api(client, bindings, people.partner)
    for url in ("/api/service-areas", "/service-areas", "/api/service-areas/lookup?zip=33010"):
        assert (await client.get(url)).status_code == 403, url


async def test_the_page_lists_searches_and_adds(client, bindings, people):
    csrf = await sign_in(client, bindings, people.finance)
    added = await client.post("/service-areas", data={"csrf_token": csrf, "label": "Hialeah", "zip": "33010"})
    assert added.status_code == 303
    refused = await client.post("/service-areas", data={"csrf_token": csrf, "label": "Bad", "zip": "1"})
    assert refused.status_code == 400 and "a ZIP is 5 digits" in refused.text
    page = await client.get("/service-areas", params={"q": "hia"})
    assert "Hialeah, FL 33010" in page.text
    assert "Hialeah, FL" not in (await client.get("/service-areas", params={"q": "orlando"})).text


async def test_the_page_sorts_by_label_place_or_area_code(client, bindings, people):
    """SA-3: a sortable list."""
    await sign_in_api(client, bindings, people.owner)
    await area(client, "Zeta", "33010", area_code="305")
    await area(client, "Alpha", "98101", area_code="206")
    by_label = (await client.get("/service-areas", params={"sort": "label"})).text
    assert by_label.index(">Alpha<") < by_label.index(">Zeta<")
    by_place = (await client.get("/service-areas", params={"sort": "place"})).text  # FL before WA
    assert by_place.index(">Zeta<") < by_place.index(">Alpha<")
    by_code = (await client.get("/service-areas", params={"sort": "area_code"})).text
    assert by_code.index(">Alpha<") < by_code.index(">Zeta<")

"""Contractors (CTR-1…CTR-6, CTR-12, X-2, X-4): fields, unique names, the active toggle, one-area
toggles; owner and finance admins edit, other staff read, partners see nothing."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in, sign_in_api, snapshot_file
from tests.network.support import area, contractor, job_type


async def test_a_contractor_has_the_fields_of_ctr_1(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    kind = await job_type(client, "Garage Door")
    await sign_in_api(client, bindings, people.finance)
    place = await area(client, "Hialeah", "33010")
    made = await contractor(
        client,
        "Acme Doors",
        [kind],
        email="Reports@Acme.test",
        contact_name="Mike Hernandez",
        phone="305-794-2213",
        contact2_name="Ana",
        phone2="+1 (786) 555-0100",
        notes="Prefers mornings",
        area_ids=[place["id"]],
        profit_share_percent=40,
        secondary_share_percent=55.5,
        secondary_zips=["33012", "33010", "33010"],
        secondary_partners=["GDQ Leads", "gdq leads", "Nehoray"],
    )
    assert made["kind"] == "company" and made["active"] is True
    assert (made["email"], made["phone"], made["phone2"]) == ("reports@acme.test", "+13057942213", "+17865550100")
    assert (made["profit_share_percent"], made["secondary_share_percent"]) == (40, 55.5)
    assert made["secondary_zips"] == ["33010", "33012"] and made["secondary_partners"] == ["GDQ Leads", "Nehoray"]
    assert made["job_type_ids"] == [kind] and made["area_ids"] == [place["id"]]
    technician = await contractor(
        client, "Sam Tech", [kind], kind="technician", home_address="1 Main St, Miami, FL 33127"
    )
    assert technician["kind"] == "technician" and technician["home_address"].startswith("1 Main")
    assert (technician["home_base"]["zip"], technician["home_base"]["state"]) == ("33127", "FL")
    assert technician["home_base"]["lat"] is not None
    nowhere = await client.post(
        "/api/contractors", json={"name": "X", "job_type_ids": [kind], "home_address": "1 Main St"}
    )
    assert nowhere.status_code == 422 and "home_address" in nowhere.json()["fields"]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"profit_share_percent": 101}, "profit_share_percent"),
        ({"secondary_share_percent": -0.5}, "secondary_share_percent"),
        ({"phone": "12"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"secondary_zips": ["3301"]}, "secondary_zips"),
        ({"kind": "robot"}, "kind"),
        ({"job_type_ids": []}, "job_type_ids"),
        ({"job_type_ids": [999]}, "job_type_ids"),
        ({"area_ids": [999]}, "area_ids"),
        ({"name": "  "}, "name"),
        ({"notes": "card 4111 1111 1111 1111"}, "notes"),
        ({"calendar_url": "javascript:alert(1)"}, "calendar_url"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(client, bindings, people, db_path, extra, field):
    await sign_in_api(client, bindings, people.owner)
    kind = await job_type(client, "Garage Door")
    before = snapshot_file(db_path)["contractors"]
    response = await client.post("/api/contractors", json={"name": "Acme", "job_type_ids": [kind]} | extra)
    assert response.status_code == 422, response.text
    assert field in response.json()["fields"]
    assert snapshot_file(db_path)["contractors"] == before


async def test_names_are_unique_without_regard_to_case(client, bindings, people):
    """CTR-2."""
    await sign_in_api(client, bindings, people.owner)
    kind = await job_type(client, "Garage Door")
    await contractor(client, "Acme Doors", [kind])
    assert (
        await client.post("/api/contractors", json={"name": "ACME doors", "job_type_ids": [kind]})
    ).status_code == 409
    other = await contractor(client, "Beta", [kind])
    assert (await client.patch(f"/api/contractors/{other['id']}", json={"name": "acme DOORS"})).status_code == 409


async def test_patch_changes_what_it_names_and_replaces_lists(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    a, b = await job_type(client, "Garage Door"), await job_type(client, "Gates")
    made = await contractor(client, "Acme", [a], contact_name="Mike", profit_share_percent=40)
    changed = (
        await client.patch(f"/api/contractors/{made['id']}", json={"job_type_ids": [b], "profit_share_percent": None})
    ).json()
    assert (
        changed["job_type_ids"] == [b] and changed["profit_share_percent"] is None and changed["contact_name"] == "Mike"
    )
    assert (await client.patch(f"/api/contractors/{made['id']}", json={"name": None})).status_code == 422
    assert (await client.patch(f"/api/contractors/{made['id']}", json={"bogus": 1})).status_code == 422


async def test_the_inline_active_toggle(client, bindings, people):
    """CTR-5: inactive drops out of matching without deletion."""
    csrf = await sign_in(client, bindings, people.owner)
    client.headers["x-csrf-token"] = csrf
    kind = await job_type(client, "Garage Door")
    place = await area(client, "Hialeah", "33010")
    made = await contractor(client, "Acme", [kind], area_ids=[place["id"]])
    off = await client.post(f"/contractors/{made['id']}/active", data={"csrf_token": csrf, "active": "false"})
    assert off.status_code == 303
    assert (await client.get(f"/api/contractors/{made['id']}")).json()["active"] is False
    eligible = await client.get("/api/contractors/eligible", params={"job_type": kind, "service_area": place["id"]})
    assert eligible.json()["items"] == []
    assert (await client.patch(f"/api/contractors/{made['id']}", json={"active": True})).json()["active"] is True
    assert "○ Off" not in (await client.get("/contractors")).text


async def test_areas_toggle_one_per_call_idempotently(client, bindings, people, db_path):
    """CTR-6: PUT adds, DELETE removes; repeating either changes nothing and writes no audit row."""
    await sign_in_api(client, bindings, people.owner)
    kind = await job_type(client, "Garage Door")
    place = await area(client, "Hialeah", "33010")
    made = await contractor(client, "Acme", [kind])
    url = f"/api/contractors/{made['id']}/areas/{place['id']}"
    assert (await client.put(url)).json() == {"contractor_id": made["id"], "area_id": place["id"], "covered": True}
    audits = len(snapshot_file(db_path)["audit_log"])
    assert (await client.put(url)).json()["covered"] is True
    assert len(snapshot_file(db_path)["audit_log"]) == audits
    assert (await client.get(f"/api/contractors/{made['id']}")).json()["area_ids"] == [place["id"]]
    assert (await client.delete(url)).json()["covered"] is False
    assert (await client.delete(url)).json()["covered"] is False
    assert (await client.get(f"/api/contractors/{made['id']}")).json()["area_ids"] == []
    assert (await client.put(f"/api/contractors/{made['id']}/areas/9999")).status_code == 404
    assert (await client.put(f"/api/contractors/9999/areas/{place['id']}")).status_code == 404


async def test_the_list_filters_by_search_job_type_and_active(client, bindings, people):
    """CTR-3."""
    await sign_in_api(client, bindings, people.owner)
    a, b = await job_type(client, "Garage Door"), await job_type(client, "Gates")
    place = await area(client, "Hialeah", "33010")
    await contractor(client, "Acme", [a], contact_name="Mike", area_ids=[place["id"]])
    await contractor(client, "Beta Gates", [b], active=False)
    listed = (await client.get("/api/contractors")).json()
    assert [(c["name"], c["area_count"], c["job_type_ids"]) for c in listed["items"]] == [
        ("Acme", 1, [a]),
        ("Beta Gates", 0, [b]),
    ]
    assert [c["name"] for c in (await client.get("/api/contractors", params={"job_type": b})).json()["items"]] == [
        "Beta Gates"
    ]
    assert [c["name"] for c in (await client.get("/api/contractors", params={"search": "mik"})).json()["items"]] == [
        "Acme"
    ]
    assert [c["name"] for c in (await client.get("/api/contractors", params={"active": "true"})).json()["items"]] == [
        "Acme"
    ]


@pytest.mark.parametrize("persona", ["admin", "agent", "viewer"])
async def test_other_staff_read_only(client, bindings, people, persona, db_path):
    """X-2: owner and finance admin edit; admin, agent and viewer read."""
    await sign_in_api(client, bindings, people.owner)
    kind = await job_type(client, "Garage Door")
    place = await area(client, "Hialeah", "33010")
    made = await contractor(client, "Acme", [kind])
    await sign_in_api(client, bindings, getattr(people, persona))
    assert (await client.get(f"/api/contractors/{made['id']}")).status_code == 200
    page = await client.get("/contractors")
    assert page.status_code == 200 and "Acme" in page.text and "Bulk upload" not in page.text
    before = snapshot_file(db_path)
    assert (await client.post("/api/contractors", json={"name": "B", "job_type_ids": [kind]})).status_code == 403
    assert (await client.patch(f"/api/contractors/{made['id']}", json={"name": "C"})).status_code == 403
    assert (await client.put(f"/api/contractors/{made['id']}/areas/{place['id']}")).status_code == 403
    assert (await client.post(f"/contractors/{made['id']}/active", data={"active": "false"})).status_code == 403
    after = snapshot_file(db_path)
    after.pop("sessions"), before.pop("sessions")
    assert after == before


async def test_partners_never_see_contractors(client, bindings, people):
    """X-4."""
    await sign_in_api(client, bindings, people.owner)
    kind = await job_type(client, "Garage Door")
    made = await contractor(client, "Acme", [kind], phone="305-794-2213", email="a@acme.test")
    await sign_in_api(client, bindings, people.partner)
    for url in (
        "/contractors",
        "/api/contractors",
        f"/api/contractors/{made['id']}",
        f"/api/contractors/eligible?job_type={kind}",
    ):
        response = await client.get(url)
        assert response.status_code == 403, url
        assert "305" not in response.text and "acme.test" not in response.text


async def test_matching_answers_carry_no_contact_details(client, bindings, people):
    """CTR-12: names only."""
    await sign_in_api(client, bindings, people.owner)
    kind = await job_type(client, "Garage Door")
    place = await area(client, "Hialeah", "33010")
    await contractor(client, "Acme", [kind], phone="305-794-2213", email="a@acme.test", area_ids=[place["id"]])
    answer = await client.get("/api/contractors/eligible", params={"job_type": kind, "service_area": place["id"]})
    assert "phone" not in answer.text and "acme.test" not in answer.text and "Acme" in answer.text


async def test_the_page_adds_and_shows_why_a_form_was_refused(client, bindings, people):
    csrf = await sign_in(client, bindings, people.owner)
    client.headers["x-csrf-token"] = csrf
    kind = await job_type(client, "Garage Door")
    form = {
        "csrf_token": csrf,
        "name": "Acme",
        "kind": "company",
        "active": "true",
        "job_type_ids": str(kind),
        "profit_share_percent": "140",
    }
    refused = await client.post("/contractors", data=form)
    assert refused.status_code == 400 and "from 0 to 100" in refused.text and 'value="Acme"' in refused.text
    added = await client.post("/contractors", data=form | {"profit_share_percent": "40"})
    assert added.status_code == 303
    shown = await client.get(added.headers["location"])
    assert "Edit Acme" in shown.text and 'value="40"' in shown.text


async def test_the_coverage_data_colours_areas_by_active_contractors(client, bindings, people):
    """CTR-4, SA-3: 0 red, 1 yellow, 2+ green; inactive contractors do not count."""
    await sign_in_api(client, bindings, people.owner)
    doors, gates = await job_type(client, "Garage Door"), await job_type(client, "Gates")
    one, two, none = (
        await area(client, "One", "33010"),
        await area(client, "Two", "33301"),
        await area(client, "None", "32801"),
    )
    await contractor(client, "A", [doors, gates], area_ids=[one["id"], two["id"]])
    await contractor(client, "B", [doors], area_ids=[two["id"]])
    await contractor(client, "C", [doors], area_ids=[none["id"], one["id"]], active=False)
    await sign_in_api(client, bindings, people.viewer)
    data = (await client.get("/api/coverage")).json()
    by_label = {a["label"]: a for a in data["areas"]}
    assert [(label, by_label[label]["colour"]) for label in ("None", "One", "Two")] == [
        ("None", "red"),
        ("One", "yellow"),
        ("Two", "green"),
    ]
    assert [c["name"] for c in by_label["Two"]["contractors"]] == ["A", "B"]
    assert by_label["Two"]["by_job_type"] == {str(doors): 2, str(gates): 1}
    c = next(x for x in data["contractors"] if x["name"] == "C")
    assert c["active"] is False and sorted(c["area_ids"]) == sorted([none["id"], one["id"]])
    await sign_in_api(client, bindings, people.partner)
    assert (await client.get("/api/coverage")).status_code == 403

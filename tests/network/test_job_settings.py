"""Job settings (JS-1…JS-6): the four value lists and the ASK FOR UPDATE hours; owner edits, staff read."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in, sign_in_api, snapshot_file
from tests.network.support import contractor, job_type

LISTS = ("job-types", "job-partners", "cancel-reasons", "job-tags")


def _body(path: str, name: str) -> dict:
    return {"name": name} if path == "job-partners" else {"label": name}


@pytest.mark.parametrize("path", LISTS)
async def test_owner_adds_renames_and_orders_values(client, bindings, people, path):
    await sign_in_api(client, bindings, people.owner)
    first = (await client.post(f"/api/{path}", json=_body(path, "Zeta"))).json()
    second = (await client.post(f"/api/{path}", json=_body(path, "Alpha"))).json()
    assert first["position"] < second["position"]  # new values go last (JS-1: sort order)
    moved = await client.patch(f"/api/{path}/{second['id']}", json={"position": 0})
    assert moved.status_code == 200
    listed = [v["id"] for v in (await client.get(f"/api/{path}")).json()["items"]]
    assert listed == [second["id"], first["id"]]
    name = "name" if path == "job-partners" else "label"
    renamed = await client.patch(f"/api/{path}/{first['id']}", json={name: "Omega"})
    assert renamed.json()[name] == "Omega" and renamed.json()["version"] == first["version"] + 1


@pytest.mark.parametrize("path", LISTS)
async def test_duplicate_names_are_refused_without_regard_to_case(client, bindings, people, path):
    await sign_in_api(client, bindings, people.owner)
    assert (await client.post(f"/api/{path}", json=_body(path, "Garage Door"))).status_code == 201
    again = await client.post(f"/api/{path}", json=_body(path, "garage  DOOR"))
    assert again.status_code == 409
    assert len((await client.get(f"/api/{path}")).json()["items"]) == 1


async def test_job_partner_keep_rate_is_a_percentage(client, bindings, people):
    """JS-2: name, keep-rate %, active."""
    await sign_in_api(client, bindings, people.owner)
    made = await client.post("/api/job-partners", json={"name": "GDQ Leads", "keep_rate_percent": 12.5})
    assert made.status_code == 201 and made.json()["keep_rate_percent"] == 12.5
    for bad in (-1, 100.01, 12.345):
        refused = await client.post("/api/job-partners", json={"name": f"P{bad}", "keep_rate_percent": bad})
        assert refused.status_code == 422 and "keep_rate_percent" in refused.json()["fields"], bad
    off = await client.patch(f"/api/job-partners/{made.json()['id']}", json={"active": False})
    assert off.json()["active"] is False


async def test_job_tags_have_a_colour(client, bindings, people):
    """JS-4."""
    await sign_in_api(client, bindings, people.owner)
    made = await client.post("/api/job-tags", json={"label": "VIP", "color": "#D97706"})
    assert made.json()["color"] == "#d97706"
    bad = await client.post("/api/job-tags", json={"label": "Red", "color": "red"})
    assert bad.status_code == 422 and "color" in bad.json()["fields"]


async def test_cancel_reasons_are_a_plain_list(client, bindings, people):
    """JS-3."""
    await sign_in_api(client, bindings, people.owner)
    for label in ("Customer cancelled", "No show"):
        assert (await client.post("/api/cancel-reasons", json={"label": label})).status_code == 201
    labels = [v["label"] for v in (await client.get("/api/cancel-reasons")).json()["items"]]
    assert labels == ["Customer cancelled", "No show"]


async def test_ask_for_update_hours(client, bindings, people):
    """JS-5: 1–720 hours."""
    await sign_in_api(client, bindings, people.owner)
    assert (await client.get("/api/job-settings")).json()["ask_for_update_hours"] == 24
    assert (await client.patch("/api/job-settings", json={"ask_for_update_hours": 48})).json()[
        "ask_for_update_hours"
    ] == 48
    for bad in (0, 721, "x"):
        assert (await client.patch("/api/job-settings", json={"ask_for_update_hours": bad})).status_code == 422
    assert (await client.get("/api/job-settings")).json()["ask_for_update_hours"] == 48


async def test_a_used_value_is_deactivated_not_deleted(client, bindings, people):
    """JS-6: a job type a contractor has is deactivated; an unused one is deleted."""
    await sign_in_api(client, bindings, people.owner)
    used = await job_type(client, "Garage Door")
    unused = await job_type(client, "Gates")
    await contractor(client, "Acme Doors", [used])
    gone = await client.delete(f"/api/job-types/{unused}")
    assert gone.json() == {"id": unused, "outcome": "deleted"}
    kept = await client.delete(f"/api/job-types/{used}")
    assert kept.json() == {"id": used, "outcome": "deactivated"}
    items = (await client.get("/api/job-types")).json()["items"]
    assert [(v["id"], v["active"]) for v in items] == [(used, False)]
    assert (await client.get(f"/api/job-types/{unused}")).status_code in (404, 405)


@pytest.mark.parametrize("persona", ["admin", "finance", "agent", "viewer"])
async def test_staff_read_the_lists_but_only_the_owner_changes_them(client, bindings, people, persona, db_path):
    await sign_in_api(client, bindings, people.owner)
    value = await job_type(client, "Garage Door")
    await sign_in_api(client, bindings, getattr(people, persona))
    assert (await client.get("/api/job-types")).status_code == 200
    before = snapshot_file(db_path)
    assert (await client.post("/api/job-types", json={"label": "X"})).status_code == 403
    assert (await client.patch(f"/api/job-types/{value}", json={"label": "Y"})).status_code == 403
    assert (await client.delete(f"/api/job-types/{value}")).status_code == 403
    assert (await client.patch("/api/job-settings", json={"ask_for_update_hours": 5})).status_code == 403
    assert (await client.get("/maintenance/job-settings")).status_code == 403
    after = snapshot_file(db_path)
    after.pop("sessions"), before.pop("sessions")
    assert after == before


async def test_partners_never_see_job_settings(client, bindings, people):
    await sign_in_api(client, bindings, people.partner)
    assert (await client.get("/api/job-types")).status_code == 403


async def test_the_maintenance_page_adds_and_refuses_with_why(client, bindings, people):
    csrf = await sign_in(client, bindings, people.owner)
    page = await client.get("/maintenance/job-settings")
    assert page.status_code == 200 and "ASK FOR UPDATE" in page.text
    added = await client.post("/maintenance/job-settings/job-types", data={"csrf_token": csrf, "name": "Garage Door"})
    assert added.status_code == 303
    again = await client.post("/maintenance/job-settings/job-types", data={"csrf_token": csrf, "name": "garage door"})
    assert again.status_code == 409 and "already exists" in again.text
    hours = await client.post("/maintenance/job-settings-hours", data={"csrf_token": csrf, "ask_for_update_hours": "0"})
    assert hours.status_code == 400
    assert "Garage Door" in (await client.get("/maintenance/job-settings")).text

"""The job record and the New Job rules (JOB-1…JOB-18): ids from JOB-3542, the frozen office, the
fields with their snapshots, time zone and UTC instants, required fields, 422s naming the field."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in_api, snapshot_file
from tests.jobs.support import job_body, make_network, new_job


@pytest.fixture
async def net(client, bindings, people):
    return await make_network(client, bindings, people.owner)


async def test_ids_start_at_3542_and_are_never_reused(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    first = await new_job(client, net)
    second = await new_job(client, net, address="2 Other St")
    assert (first["display_id"], second["display_id"]) == ("JOB-3542", "JOB-3543")
    assert (first["serial_id"], first["status"], first["status_code"]) == (3542, "submitted", "S")
    await sign_in_api(client, bindings, people.owner)
    assert (await client.delete("/api/jobs/JOB-3543")).status_code == 204
    third = await new_job(client, net, address="3 Third St")
    assert third["display_id"] == "JOB-3544"  # JOB-1: never reused


async def test_a_new_job_carries_the_fields_of_job_3(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net, contractor_id=net.mike["id"], email="emily@x.test", notes="Gate code 12")
    assert job["office_id"] == people.office_a.id and job["company"] == "Garage"  # X-7, JOB-17
    assert (job["phone"], job["email"], job["postal_code"], job["state"]) == (
        "+13057942213",
        "emily@x.test",
        "33012",
        "FL",
    )
    assert job["lat"] is not None and job["lng"] is not None  # JOB-10: geocoded server-side
    assert (job["area_label"], job["area_code"], job["area_office_address"]) == ("Hialeah", "305", "1 Office Way")
    assert (job["job_type_label"], job["partner_label"]) == ("Garage Door", "GDQ")
    assert (job["contractor_name"], job["profit_share_bp"]) == ("Mike Hernandez", 4000)
    # the job's own zone (FL ZIP → New York), end = start + 2 h, UTC instants derived
    assert job["time_zone"] == "America/New_York"
    assert (job["date_end"], job["time_end"]) == ("2026-11-24", "11:00")
    assert (job["start_at"], job["end_at"]) == ("2026-11-24T14:00:00.000Z", "2026-11-24T16:00:00.000Z")
    assert job["k_confirmed"] is False and job["rebooked_at"] is None and job["lead_id"] is None
    assert [t["body"] for t in job["timeline"]] == ["🛠 Job JOB-3542 created"]
    events = await bindings.db.all("SELECT type FROM job_events WHERE job_id = 3542 ORDER BY id")
    assert [e["type"] for e in events] == ["job.created", "job.contractor_assigned"]
    audit = await bindings.db.first("SELECT action FROM audit_log WHERE action = 'job.created'")
    assert audit is not None


async def test_a_zip_in_another_zone_takes_that_zone(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(
        client, net, postal_code="90210", address="9 Beverly Dr", city="", state="", service_area_id=net.far_area["id"]
    )
    assert job["time_zone"] == "America/Los_Angeles" and job["start_at"] == "2026-11-24T17:00:00.000Z"


async def test_secondary_share_applies_to_its_zip(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net, postal_code="33010", contractor_id=net.mike["id"])
    assert job["profit_share_bp"] == 5500  # FC-5


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"phone": ""}, "phone"),
        ({"phone": "1231231234"}, "phone"),
        ({"phone": "305-555-5555"}, "phone"),
        ({"email": "nope"}, "email"),
        ({"job_type_id": None}, "job_type_id"),
        ({"job_type_id": 999}, "job_type_id"),
        ({"partner_id": None}, "partner_id"),
        ({"partner_id": 999}, "partner_id"),
        ({"service_area_id": None}, "service_area_id"),
        ({"service_area_id": 999}, "service_area_id"),
        ({"contractor_id": 999}, "contractor_id"),
        ({"time_start": "09:10"}, "time_start"),
        ({"time_end": "10:05"}, "time_end"),
        ({"time_end": "08:00"}, "time_end"),
        ({"date_start": "2026-13-01"}, "date_start"),
        ({"date_start": ""}, "date_start"),
        ({"postal_code": "123"}, "postal_code"),
        ({"office_id": 999}, "office_id"),
        ({"lead_id": "L-999999"}, "lead_id"),
        ({"tag_ids": [999]}, "tag_ids"),
        ({"notes": "card 4111 1111 1111 1111"}, "notes"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field_and_changes_nothing(
    client, bindings, people, net, db_path, change, field
):
    await sign_in_api(client, bindings, people.agent)
    before = snapshot_file(db_path)
    response = await client.post("/api/jobs", json=job_body(net, **change))
    assert response.status_code == 422, response.text
    assert field in response.json().get("fields", {}) or field.replace("_", " ") in response.text.lower()
    assert snapshot_file(db_path) == before


async def test_a_contractor_who_does_not_cover_the_area_is_refused(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    response = await client.post("/api/jobs", json=job_body(net, contractor_id=net.far["id"]))
    assert response.status_code == 422 and "contractor_id" in response.json()["fields"]
    other_type = await client.post(
        "/api/jobs", json=job_body(net, job_type_id=net.other_type, contractor_id=net.mike["id"])
    )
    assert other_type.status_code == 422 and "contractor_id" in other_type.json()["fields"]


async def test_an_end_on_the_next_day_is_allowed(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net, time_start="23:00", date_end="2026-11-25", time_end="01:00")
    assert (job["date_end"], job["end_at"]) == ("2026-11-25", "2026-11-25T06:00:00.000Z")


async def test_duplicate_address_warns_and_archiving_hides_it(client, bindings, people, net):
    await sign_in_api(client, bindings, people.admin)
    first = await new_job(client, net)
    again = await new_job(client, net, address="1379  algiers st.")
    assert again["duplicate_address"] == [first["display_id"]]  # JOB-18: warned, not blocked
    await client.post(f"/api/jobs/{first['display_id']}/archive")
    await client.post(f"/api/jobs/{again['display_id']}/archive")
    third = await new_job(client, net)
    assert third["duplicate_address"] == []


async def test_the_office_is_frozen(client, bindings, people, net):
    await sign_in_api(client, bindings, people.owner)
    job = await new_job(client, net)
    response = await client.patch(f"/api/jobs/{job['display_id']}", json={"office_id": people.office_b.id})
    assert response.status_code == 422 and "office_id" in response.json()["fields"]


async def test_jobs_only_in_offices_with_the_feature_on(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent_b)  # office B has Jobs off
    response = await client.post("/api/jobs", json=job_body(net))
    assert response.status_code == 422 and "office_id" in response.json()["fields"]

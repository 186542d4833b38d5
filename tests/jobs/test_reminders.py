"""EOD and Morning reminders (REM-1…REM-6): which jobs, one row per contractor, pin order, the exact
long and short texts, geocoding a job with no point (stored), roles, the page."""

from __future__ import annotations

import pytest

from jobs import reminders
from tests.conftest import sign_in_api
from tests.jobs.support import make_network, new_job


@pytest.fixture
async def net(client, bindings, people):
    return await make_network(client, bindings, people.owner)


async def _day(client, net):
    joe = net.joe["id"]
    late = await new_job(client, net, contractor_id=joe, time_start="13:30", notes="Gate code\n4411")
    early = await new_job(
        client, net, contractor_id=joe, time_start="06:00", first_name="Ann", last_name="Lee",
        address="12 Main St", unit="Apt 2", phone="(786) 555-0101",
    )  # fmt: skip
    mike = await new_job(client, net, contractor_id=net.mike["id"], time_start="09:00")
    await new_job(client, net)  # unassigned: left out
    other_day = await new_job(client, net, contractor_id=joe, date_start="2026-11-25")
    done = await new_job(client, net, contractor_id=joe, time_start="10:00")
    await client.post(
        f"/api/jobs/{done['display_id']}/status", json={"status": "done", "closing_cents": 1, "parts_cents": 0}
    )
    return late, early, mike, other_day


async def test_eod_long_form_exact(client, bindings, people, net):
    late, early, _mike, _ = await _day(client, net)
    body = (await client.get("/api/jobs/reminders", params={"date": "2026-11-24", "kind": "eod"})).json()
    names = [c["contractor_name"] for c in body["contractors"]]
    assert names == ["Joe Smith", "Mike Hernandez"]  # REM-1: one row per contractor; REM-5: unassigned out
    joe = body["contractors"][0]
    assert [p["display_id"] for p in joe["pins"]] == [early["display_id"], late["display_id"]]  # start order
    assert [p["n"] for p in joe["pins"]] == [1, 2]
    assert joe["text"] == (
        "Reminder for Tomorrow.\n\n"
        f"1. {early['display_id']}\n"
        "Customer: Ann Lee\n"
        "Phone: (786) 555-0101\n"
        "Address: 12 Main St Apt 2, Hialeah, FL 33012\n"
        "Job Type: Garage Door\n"
        "Notes: —\n"
        "Date+Time: Tue 11/24 6AM-8AM\n\n"
        f"2. {late['display_id']}\n"
        "Customer: Emily Harrison\n"
        "Phone: (305) 794-2213\n"
        "Address: 1379 Algiers St, Hialeah, FL 33012\n"
        "Job Type: Garage Door\n"
        "Notes: Gate code 4411\n"
        "Date+Time: Tue 11/24 1:30PM-3:30PM"
    )  # REM-2


async def test_morning_short_form_exact(client, bindings, people, net):
    await _day(client, net)
    body = (await client.get("/api/jobs/reminders", params={"date": "2026-11-24", "kind": "morning"})).json()
    assert body["label"] == "Reminder for Today."
    assert body["contractors"][0]["text"] == (
        "Reminder for Today.\n"
        "1. ***6AM-8AM*** 12 Main St Apt 2, Hialeah, FL 33012\n"
        "2. ***1:30PM-3:30PM*** 1379 Algiers St, Hialeah, FL 33012"
    )  # REM-3, REM-5's hour format


def test_hours_format():
    row = {"time_start": "00:00", "time_end": "12:15"}
    assert reminders.hours(row) == "12AM-12:15PM"


async def test_a_job_with_no_point_is_geocoded_and_stored(client, bindings, people, net):
    job = await new_job(client, net, contractor_id=net.joe["id"])
    await people.db.run("UPDATE jobs SET lat = NULL, lng = NULL WHERE display_id = ?", job["display_id"])
    body = (await client.get("/api/jobs/reminders", params={"date": "2026-11-24", "kind": "eod"})).json()
    pin = body["contractors"][0]["pins"][0]
    assert pin["lat"] is not None and pin["lng"] is not None  # REM-4
    row = await people.db.first("SELECT lat, lng FROM jobs WHERE display_id = ?", job["display_id"])
    assert (row["lat"], row["lng"]) == (pin["lat"], pin["lng"])


async def test_roles_and_bad_input(client, bindings, people, net):
    await sign_in_api(client, bindings, people.partner)
    assert (await client.get("/api/jobs/reminders", params={"date": "2026-11-24", "kind": "eod"})).status_code == 403
    await sign_in_api(client, bindings, people.agent)
    bad = await client.get("/api/jobs/reminders", params={"date": "24/11/2026", "kind": "eod"})
    assert bad.status_code == 422 and "date" in bad.json()["fields"]
    assert (await client.get("/api/jobs/reminders", params={"date": "2026-11-24", "kind": "noon"})).status_code == 422


async def test_page_and_board_links(client, bindings, people, net):
    await _day(client, net)
    page = await client.get("/jobs/reminders", params={"date": "2026-11-24", "kind": "morning"})
    assert page.status_code == 200 and "Joe Smith" in page.text and "Copy Image" in page.text
    assert "***6AM-8AM***" in page.text
    board = await client.get("/jobs", params={"range": "all"})
    assert "/jobs/reminders?date=2026-11-24&amp;kind=eod" in board.text

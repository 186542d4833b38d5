"""Calling hours: windows per state in the lead's local time, snoozes shifted into them across DST."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from core import geo
from leads import calling_hours
from leads.calling_hours import Window
from tests.conftest import sign_in_api
from tests.leads.test_leads_queue import make_lead

NY = ZoneInfo("America/New_York")


def test_zip_prefixes_place_leads():
    assert (geo.state_for_zip("33130"), geo.state_for_zip("90210"), geo.state_for_zip("02108")) == ("FL", "CA", "MA")
    assert geo.state_for_zip("1234") is None and geo.state_for_zip("") is None
    assert geo.zone_for_state("AZ") == "America/Phoenix"


def test_a_window_moves_a_late_snooze_to_the_next_opening():
    window = Window(9, 20, sunday_start=12, sunday_end=17)
    friday_late = datetime(2026, 11, 20, 22, 30, tzinfo=NY)
    assert window.next_opening(friday_late) == datetime(2026, 11, 21, 9, 0, tzinfo=NY)  # Saturday 9 am
    saturday_late = datetime(2026, 11, 21, 21, 0, tzinfo=NY)
    assert window.next_opening(saturday_late) == datetime(2026, 11, 22, 12, 0, tzinfo=NY)  # Sunday hours
    inside = datetime(2026, 11, 23, 10, 15, tzinfo=NY)
    assert window.next_opening(inside) == inside


def test_the_shift_is_right_across_the_dst_change():
    # 2026-03-08: clocks jump from 2:00 to 3:00 in New York. A 3 am snooze lands at 8 am EDT (12:00 UTC).
    moved = Window(8, 21).next_opening(datetime(2026, 3, 8, 3, 0, tzinfo=NY))
    assert moved.utcoffset().total_seconds() == -4 * 3600
    assert moved.astimezone(ZoneInfo("UTC")).hour == 12
    # and in November, back to EST: 8 am is 13:00 UTC
    moved = Window(8, 21).next_opening(datetime(2026, 11, 1, 1, 30, tzinfo=NY, fold=1))
    assert moved.astimezone(ZoneInfo("UTC")).hour == 13


async def test_a_call_attempt_snooze_respects_the_leads_state_hours(client, bindings, people, clock, database):
    clock.set("2026-11-23T01:00:00.000Z")  # 8 pm in Miami, 5 pm in Los Angeles
    await calling_hours.set_hours(bindings.db, clock.now(), people.owner.actor, state="FL", start=9, end=20)
    display = await make_lead(bindings, people.office_a, name="Miami", zip="33130", source="yelp")
    await sign_in_api(client, bindings, people.agent)
    r = await client.post(f"/api/leads/{display}/call-attempts")  # +5 min = 8:05 pm local: closed
    assert r.json()["next_contact_at"] == "2026-11-23T14:00:00.000Z"  # 9 am EST next morning
    assert "moved into calling hours" in r.json()["timeline"][0]["body"]
    page = await client.get(f"/leads/{display}")
    assert "Outside calling hours" in page.text and "FL" in page.text


async def test_the_owner_edits_calling_hours(client, bindings, people, database):
    csrf = await sign_in_api(client, bindings, people.owner)
    r = await client.post(
        "/maintenance/calling-hours",
        data={"csrf_token": csrf, "state": "tx", "start": "8", "end": "20", "sunday_start": "12", "sunday_end": "17"},
    )
    assert r.status_code == 303
    row = await database.first("SELECT * FROM calling_hours WHERE state = 'TX'")
    assert (row["start_hour"], row["end_hour"], row["sunday_start"], row["sunday_end"]) == (8, 20, 12, 17)
    bad = await client.post(
        "/maintenance/calling-hours", data={"csrf_token": csrf, "state": "TX", "start": "20", "end": "8"}
    )
    assert bad.status_code == 400 and "before end" in bad.text
    bad = await client.post(
        "/maintenance/calling-hours", data={"csrf_token": csrf, "state": "ZZ", "start": "8", "end": "20"}
    )
    assert bad.status_code == 400 and "Unknown state" in bad.text
    assert (await client.post("/maintenance/calling-hours/TX/delete", data={"csrf_token": csrf})).status_code == 303
    assert await database.first("SELECT * FROM calling_hours") is None
    actions = [r["action"] for r in await database.all("SELECT action FROM audit_log WHERE action LIKE 'calling%'")]
    assert actions == ["calling_hours.updated", "calling_hours.updated"]

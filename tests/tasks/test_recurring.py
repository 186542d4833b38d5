"""Recurring tasks (RTK-1…RTK-10) on a frozen clock: DST, month ends, overlapping ticks, no back-fill."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from core.errors import Invalid
from cron import run_job
from tasks import recurring
from tests.conftest import sign_in_api

NY = ZoneInfo("America/New_York")


def at(text: str) -> datetime:
    """A New York wall time as the instant the frozen clock is set to."""
    return datetime.fromisoformat(text).replace(tzinfo=NY)


async def _template(bindings, people, **values):
    base = {
        "title": "Count the van stock",
        "cadence": "daily",
        "time_of_day": "09:00",
        "assignee_office_id": people.office_a.id,
    }
    return await recurring.create(bindings.db, bindings.clock.now(), people.owner, {**base, **values})


async def _tasks(bindings):
    return await bindings.db.all("SELECT title, due_at, occurrence_key FROM tasks ORDER BY id")


def test_rtk5_occurrence_keys():
    assert recurring.occurrence_key("daily", date(2026, 5, 1)) == "2026-05-01"
    assert recurring.occurrence_key("weekly", date(2026, 5, 1)) == "2026-W18"  # Friday in ISO week 18
    assert recurring.occurrence_key("weekly", date(2027, 1, 1)) == "2026-W53"  # ISO year, zero-padded
    assert recurring.occurrence_key("monthly", date(2026, 5, 1)) == "2026-05"


def test_rtk7_monthly_29_to_31_fire_on_the_last_day_of_shorter_months():
    t31 = {"cadence": "monthly", "month_day": 31}
    assert recurring.fires_on(t31, date(2027, 2, 28)) and not recurring.fires_on(t31, date(2027, 2, 27))
    assert recurring.fires_on(t31, date(2026, 4, 30)) and recurring.fires_on(t31, date(2026, 5, 31))
    assert not recurring.fires_on(t31, date(2026, 5, 30))
    t29 = {"cadence": "monthly", "month_day": 29}
    assert recurring.fires_on(t29, date(2028, 2, 29)) and not recurring.fires_on(t29, date(2028, 2, 28))
    assert recurring.fires_on(t29, date(2027, 2, 28))


def test_rtk8_a_time_skipped_by_spring_forward_counts_from_three():
    due = recurring.due_instant(date(2027, 3, 14), "02:30")  # 02:00 → 03:00 EDT that night
    assert due == datetime(2027, 3, 14, 7, 0, tzinfo=ZoneInfo("UTC"))  # 03:00 EDT
    fall = recurring.due_instant(date(2026, 11, 1), "01:30")  # the first (EDT) 01:30
    assert fall == datetime(2026, 11, 1, 5, 30, tzinfo=ZoneInfo("UTC"))


async def test_rtk3_rtk6_fires_once_the_time_has_passed_same_day_and_never_twice(bindings, people, clock):
    clock.set(at("2026-11-23T10:00"))
    tid = await _template(bindings, people, time_of_day="09:00")  # created after its time: fires next tick
    clock.set(at("2026-11-23T10:15"))
    assert (await recurring.tick(bindings.db, clock.now()))["recurring_tasks_made"] == 1
    made = await _tasks(bindings)
    assert made[0]["due_at"] == "2026-11-23T14:00:00.000Z" and made[0]["occurrence_key"] == "2026-11-23"
    # changing the time after today's task does not make a second one today (same key)
    row = await recurring.get(bindings.db, tid)
    await recurring.update(bindings.db, clock.now(), people.owner, row, {"time_of_day": "10:00"})
    clock.set(at("2026-11-23T10:30"))
    assert (await recurring.tick(bindings.db, clock.now()))["recurring_tasks_made"] == 0
    # the time not reached yet: nothing
    clock.set(at("2026-11-24T09:45"))
    assert (await recurring.tick(bindings.db, clock.now()))["recurring_tasks_made"] == 0
    clock.set(at("2026-11-24T10:00"))
    assert (await recurring.tick(bindings.db, clock.now()))["recurring_tasks_made"] == 1
    # no back-fill: the cron missed the 25th and 26th entirely; the 27th makes one task, for the 27th
    clock.set(at("2026-11-27T11:00"))
    assert (await recurring.tick(bindings.db, clock.now()))["recurring_tasks_made"] == 1
    keys = [t["occurrence_key"] for t in await _tasks(bindings)]
    assert keys == ["2026-11-23", "2026-11-24", "2026-11-27"]


async def test_rtk9_overlapping_ticks_create_one_task(bindings, people, clock):
    clock.set(at("2026-11-23T08:00"))
    await _template(bindings, people, time_of_day="09:00")
    clock.set(at("2026-11-23T09:00"))
    results = await asyncio.gather(*(recurring.tick(bindings.db, clock.now()) for _ in range(4)))
    assert sum(r["recurring_tasks_made"] for r in results) == 1
    assert len(await _tasks(bindings)) == 1
    stamps = await bindings.db.all("SELECT occurrence_key FROM task_occurrences")
    assert [s["occurrence_key"] for s in stamps] == ["2026-11-23"]


async def test_rtk_weekly_monthly_and_dst_across_a_year(bindings, people, clock):
    clock.set(at("2027-01-01T00:00"))
    await _template(bindings, people, title="weekly", cadence="weekly", weekday=7, time_of_day="02:30")
    await _template(bindings, people, title="monthly", cadence="monthly", month_day=31, time_of_day="23:45")
    # tick every 15 minutes over the days that matter (not the whole year: the CPU is shared)
    days = ["2027-01-31", "2027-02-27", "2027-02-28", "2027-03-14", "2027-03-21", "2027-04-30"]
    for day in days:
        for minute in range(0, 24 * 60, 15):
            clock.set(at(f"{day}T{minute // 60:02d}:{minute % 60:02d}"))
            await run_job(bindings, "recurring-tasks")
    made = {(t["title"], t["occurrence_key"]): t["due_at"] for t in await _tasks(bindings)}
    assert made == {
        ("monthly", "2027-01"): "2027-02-01T04:45:00.000Z",
        ("weekly", "2027-W04"): "2027-01-31T07:30:00.000Z",  # Sunday 02:30 EST
        ("monthly", "2027-02"): "2027-03-01T04:45:00.000Z",  # day 31 → Feb 28 (RTK-7)
        ("weekly", "2027-W08"): "2027-02-28T07:30:00.000Z",
        ("weekly", "2027-W10"): "2027-03-14T07:00:00.000Z",  # spring forward: 02:30 → from 03:00 EDT
        ("weekly", "2027-W11"): "2027-03-21T06:30:00.000Z",  # 02:30 EDT
        ("monthly", "2027-04"): "2027-05-01T03:45:00.000Z",  # day 31 → Apr 30, EDT
    }


async def test_rtk10_paused_makes_nothing_resumed_same_day_makes_today(bindings, people, clock):
    clock.set(at("2026-11-23T08:00"))
    tid = await _template(bindings, people, time_of_day="09:00", active=False)
    clock.set(at("2026-11-23T09:30"))
    assert (await recurring.tick(bindings.db, clock.now()))["recurring_tasks_made"] == 0
    await recurring.update(
        bindings.db, clock.now(), people.owner, await recurring.get(bindings.db, tid), {"active": True}
    )
    clock.set(at("2026-11-23T09:45"))
    assert (await recurring.tick(bindings.db, clock.now()))["recurring_tasks_made"] == 1


async def test_rtk4_deleting_a_template_keeps_its_tasks(bindings, people, clock):
    clock.set(at("2026-11-23T09:30"))
    tid = await _template(bindings, people)
    await recurring.tick(bindings.db, clock.now())
    await recurring.delete(bindings.db, clock.now(), people.owner, await recurring.get(bindings.db, tid))
    assert len(await _tasks(bindings)) == 1


async def test_rtk2_bad_templates_name_the_field(bindings, people):
    for values, field in (
        ({"time_of_day": "09:10"}, "time_of_day"),
        ({"cadence": "hourly"}, "cadence"),
        ({"cadence": "weekly", "weekday": 8}, "weekday"),
        ({"cadence": "monthly", "month_day": 0}, "month_day"),
        ({"title": ""}, "title"),
    ):
        with pytest.raises(Invalid) as refused:
            await _template(bindings, people, **values)
        assert field in refused.value.fields


async def test_rtk1_owner_only(client, bindings, people):
    await sign_in_api(client, bindings, people.admin)
    assert (await client.get("/api/recurring-tasks")).status_code == 403
    await sign_in_api(client, bindings, people.owner)
    made = await client.post(
        "/api/recurring-tasks",
        json={
            "title": "Weekly yard check",
            "cadence": "weekly",
            "weekday": 1,
            "time_of_day": "07:45",
            "assignee_user_id": people.agent.id,
        },
    )
    assert made.status_code == 201, made.text
    paused = await client.patch(f"/api/recurring-tasks/{made.json()['id']}", json={"active": False})
    assert paused.json()["active"] is False

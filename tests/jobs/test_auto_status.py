"""Auto Status Change (ASC-1…ASC-9) on a frozen clock: the 19:00-local threshold per time zone and
across both DST changes, past-dated jobs, the rule's toggle and offices, the conditional update
against a person's change and an overlapping tick, the budget, the index, and the cron entry."""

from __future__ import annotations

import json

import pytest

import cron
from jobs import auto_status
from tests.conftest import sign_in_api
from tests.jobs.support import make_network, new_job


@pytest.fixture
async def net(client, bindings, people):
    net = await make_network(client, bindings, people.owner)
    r = await client.put("/api/jobs/auto-status", json={"enabled": True, "office_ids": [people.office_a.id]})
    assert r.status_code == 200 and r.json()["enabled"], r.text
    return net


async def _status(people, job):
    row = await people.db.first("SELECT status, version FROM jobs WHERE display_id = ?", job["display_id"])
    return row["status"]


async def _tick(bindings, at):
    bindings.clock.set(at)
    return (await auto_status.tick(bindings.db, bindings.clock.now()))["auto_advanced"]


async def test_threshold_is_7pm_local_the_day_before_per_zone(client, bindings, people, net):
    ny = await new_job(client, net, date_start="2026-11-24", time_start="09:00")  # ZIP 33012: New York time
    la = await new_job(client, net, date_start="2026-11-24", time_start="09:00", postal_code="90012", state="CA")
    assert (ny["time_zone"], la["time_zone"]) == ("America/New_York", "America/Los_Angeles")
    assert await _tick(bindings, "2026-11-23T23:59:59Z") == 0  # 18:59:59 in New York
    assert await _tick(bindings, "2026-11-24T00:00:00Z") == 1  # 19:00 EST (UTC−5)
    assert (await _status(people, ny), await _status(people, la)) == ("in_progress", "submitted")
    assert await _tick(bindings, "2026-11-24T02:59:00Z") == 0
    assert await _tick(bindings, "2026-11-24T03:00:00Z") == 1  # 19:00 PST = 22:00 EST (ASC-2)
    assert await _status(people, la) == "in_progress"


@pytest.mark.parametrize(
    ("day", "before", "at"),
    [
        ("2027-03-15", "2027-03-14T22:59:00Z", "2027-03-14T23:00:00Z"),  # DST began that morning: EDT
        ("2027-03-14", "2027-03-13T23:59:00Z", "2027-03-14T00:00:00Z"),  # the eve is still EST
        ("2026-11-02", "2026-11-01T23:59:00Z", "2026-11-02T00:00:00Z"),  # DST ended Nov 1: EST
        ("2026-11-01", "2026-10-31T22:59:00Z", "2026-10-31T23:00:00Z"),  # the eve is still EDT
    ],
)
async def test_dst_changes(client, bindings, people, net, day, before, at):
    bindings.clock.set("2026-10-01T12:00:00Z")
    job = await new_job(client, net, date_start=day, time_start="08:00")
    assert await _tick(bindings, before) == 0
    assert await _tick(bindings, at) == 1  # ASC-9: 19:00 local through zoneinfo
    assert await _status(people, job) == "in_progress"


async def test_today_still_submitted_advances_past_dated_never(client, bindings, people, net):
    bindings.clock.set("2026-11-20T12:00:00Z")
    past = await new_job(client, net, date_start="2026-11-21", time_start="09:00")
    today = await new_job(client, net, date_start="2026-11-22", time_start="16:00")
    # 2026-11-22 15:00Z = 10:00 in New York: the rule was off last night, so both are still Submitted
    assert await _tick(bindings, "2026-11-22T15:00:00Z") == 1
    assert await _status(people, today) == "in_progress"  # ASC-4
    assert await _status(people, past) == "submitted"  # past-dated: never


async def test_timeline_event_and_actor(client, bindings, people, net):
    job = await new_job(client, net, date_start="2026-11-24", time_start="09:00")
    assert await _tick(bindings, "2026-11-24T00:15:00Z") == 1
    entry = await people.db.first(
        "SELECT body, actor_label, actor_user_id FROM timeline_entries WHERE subject_type = 'job' ORDER BY id DESC"
    )
    assert dict(entry) == {"body": auto_status.NOTE, "actor_label": "System", "actor_user_id": None}  # ASC-5
    event = await people.db.first(
        "SELECT type, payload FROM job_events WHERE display_id = ? ORDER BY id DESC", job["display_id"]
    )
    assert event["type"] == "job.status_changed" and json.loads(event["payload"])["to"] == "in_progress"
    audit = await people.db.first("SELECT actor_label, summary FROM audit_log ORDER BY id DESC")
    assert audit["actor_label"] == "System" and job["display_id"] in audit["summary"]


async def test_rule_off_or_office_unticked_does_nothing(client, bindings, people, net):
    await new_job(client, net, date_start="2026-11-24", time_start="09:00")

    async def rule(enabled, office):
        r = await client.put("/api/jobs/auto-status", json={"enabled": enabled, "office_ids": [office.id]})
        assert r.status_code == 200, r.text

    await rule(False, people.office_a)
    assert await _tick(bindings, "2026-11-24T01:00:00Z") == 0  # ASC-6: off stops everywhere
    bindings.clock.set("2026-11-22T15:00:00Z")
    await rule(True, people.office_b)
    assert await _tick(bindings, "2026-11-24T01:00:00Z") == 0  # office A not ticked
    bindings.clock.set("2026-11-22T15:00:00Z")
    await rule(True, people.office_a)
    assert await _tick(bindings, "2026-11-24T01:00:00Z") == 1


async def test_only_the_owner_configures(client, bindings, people, net):
    await sign_in_api(client, bindings, people.admin)
    r = await client.put("/api/jobs/auto-status", json={"enabled": False, "office_ids": []})
    assert r.status_code == 403
    await sign_in_api(client, bindings, people.owner)
    bad = await client.put("/api/jobs/auto-status", json={"enabled": True, "office_ids": [999]})
    assert bad.status_code == 422 and "office_ids" in bad.json()["fields"]


async def test_a_persons_change_and_an_overlapping_tick_are_never_overwritten(client, bindings, people, net):
    a = await new_job(client, net, date_start="2026-11-24", time_start="09:00")
    b = await new_job(client, net, date_start="2026-11-24", time_start="10:00")
    bindings.clock.set("2026-11-24T01:00:00Z")
    now = bindings.clock.now()
    read = await auto_status.candidates(bindings.db, people.office_a.id, now, 500)  # the tick reads…
    assert len(read) == 2
    # …then a person cancels job A before the tick writes (ASC-8)
    await sign_in_api(client, bindings, people.owner)
    moved = await client.post(f"/api/jobs/{a['display_id']}/status", json={"status": "cancelled", "cancel_reason": "x"})
    assert moved.status_code == 200
    pairs = json.dumps([[r["id"], r["version"]] for r in read])
    results = await bindings.db.batch(auto_status.statements(now, pairs))
    assert results[-1].rows[0]["advanced"] == 1
    assert (await _status(people, a), await _status(people, b)) == ("cancelled", "in_progress")
    # the same stale tick again (an overlapping run): nothing changes, nothing is logged twice
    results = await bindings.db.batch(auto_status.statements(now, pairs))
    assert results[-1].rows[0]["advanced"] == 0
    notes = await people.db.all("SELECT subject_id FROM timeline_entries WHERE body = ?", auto_status.NOTE)
    assert len(notes) == 1


async def test_budget_and_archived(client, bindings, people, net):
    jobs = [await new_job(client, net, date_start="2026-11-24", time_start=f"{9 + i:02d}:00") for i in range(3)]
    await client.post(f"/api/jobs/{jobs[0]['display_id']}/archive", json={})
    bindings.clock.set("2026-11-24T01:00:00Z")
    assert (await auto_status.tick(bindings.db, bindings.clock.now(), budget=1))["auto_advanced"] == 1
    assert (await auto_status.tick(bindings.db, bindings.clock.now(), budget=1))["auto_advanced"] == 1
    assert (await auto_status.tick(bindings.db, bindings.clock.now(), budget=1))["auto_advanced"] == 0
    assert await _status(people, jobs[0]) == "submitted"  # archived: left alone


async def test_the_read_uses_the_index(bindings, people):
    plan = await bindings.db.all(
        "EXPLAIN QUERY PLAN SELECT id, version, office_id, date_start, time_zone FROM jobs"
        " WHERE status = 'submitted' AND archived_at IS NULL AND advance_at > ? AND advance_at <= ?"
        " AND office_id = ? ORDER BY advance_at DESC LIMIT ?",
        "a", "b", 1, 5,
    )  # fmt: skip
    assert any("jobs_advance" in str(dict(p)) for p in plan), plan


async def test_the_cron_runs_it_every_15_minutes(client, bindings, people, net):
    assert "jobs-auto-status" in cron.SCHEDULE["*/15 * * * *"]
    await new_job(client, net, date_start="2026-11-24", time_start="09:00")
    bindings.clock.set("2026-11-24T00:15:00Z")
    assert (await cron.run_job(bindings, "jobs-auto-status"))["auto_advanced"] == 1


async def test_the_owner_page_saves_the_rule(client, bindings, people, net):
    token = await sign_in_api(client, bindings, people.owner)
    page = await client.get("/maintenance/auto-status")
    assert page.status_code == 200 and "Submitted → In Progress" in page.text and "checked> Enabled" in page.text
    saved = await client.post(
        "/maintenance/auto-status", data={"csrf_token": token, "office_ids": [str(people.office_b.id)]}
    )
    assert saved.status_code == 303
    rule = (await client.get("/api/jobs/auto-status")).json()
    assert (rule["enabled"], rule["office_ids"]) == (False, [people.office_b.id])
    await sign_in_api(client, bindings, people.admin)
    assert (await client.get("/maintenance/auto-status")).status_code == 403

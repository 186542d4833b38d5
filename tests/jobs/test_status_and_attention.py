"""Statuses (JOB-19…JOB-27) and attention flags (ATT-1…ATT-10) on a frozen clock. The clock starts at
2026-11-22T15:00Z (10:00 in New York); jobs below are dated around it."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in_api, snapshot_file
from tests.jobs.support import make_network, new_job


@pytest.fixture
async def net(client, bindings, people):
    return await make_network(client, bindings, people.owner)


async def _status(client, job, status, **fields):
    return await client.post(f"/api/jobs/{job['display_id']}/status", json={"status": status, **fields})


@pytest.mark.parametrize(
    ("status", "given", "missing"),
    [
        ("deposit", {"expected_completion_date": "2026-11-30", "deposit_cents": 5000}, "note"),
        ("deposit", {"note": "paid", "deposit_cents": 5000}, "expected_completion_date"),
        ("deposit", {"note": "paid", "expected_completion_date": "2026-11-30"}, "deposit_cents"),
        ("deposit", {"note": "paid", "expected_completion_date": "2026-11-30", "deposit_cents": 0}, "deposit_cents"),
        ("pending", {"follow_up_date": "2026-11-25", "follow_up_time": "10:00"}, "note"),
        ("pending", {"note": "call back", "follow_up_time": "10:00"}, "follow_up_date"),
        ("pending", {"note": "call back", "follow_up_date": "2026-11-25"}, "follow_up_time"),
        ("done", {"parts_cents": 0}, "closing_cents"),
        ("done", {"closing_cents": 100}, "parts_cents"),
        ("done", {"closing_cents": -1, "parts_cents": 0}, "closing_cents"),
        ("cancelled", {}, "cancel_reason"),
        ("finished", {}, "status"),
    ],
)
async def test_a_status_without_its_required_field_is_refused(
    client, bindings, people, net, db_path, status, given, missing
):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net)
    before = snapshot_file(db_path)
    response = await _status(client, job, status, **given)
    assert response.status_code == 422 and missing in response.json()["fields"], response.text
    assert snapshot_file(db_path) == before  # JOB-20


async def test_statuses_write_their_fields_timeline_audit_and_events(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net, contractor_id=net.joe["id"])
    moved = (await _status(client, job, "in_progress")).json()
    assert moved["status"] == "in_progress" and moved["timeline"][0]["body"] == "🚦 Status: Submitted → In Progress"
    dep = await _status(
        client, job, "deposit", note="Deposit taken", expected_completion_date="2026-11-30", deposit_cents=15000
    )
    assert dep.status_code == 200, dep.text
    dep = dep.json()
    assert (dep["deposit_cents"], dep["expected_completion_date"]) == (15000, "2026-11-30")
    assert dep["timeline"][0]["body"] == (
        "🚦 Status: In Progress → Deposit · deposit $150.00 · expected completion 2026-11-30 — Deposit taken"
    )
    done = (await _status(client, job, "done", closing_cents=100000, parts_cents=20000)).json()
    assert (done["closing_cents"], done["parts_cents"], done["profit_bp"]) == (100000, 20000, 3000)
    assert "payout_cents" not in done  # agents are not a finance role
    events = await bindings.db.all(
        "SELECT type, payload FROM job_events WHERE job_id = ? ORDER BY id", done["serial_id"]
    )
    assert [e["type"] for e in events] == [
        "job.created",
        "job.contractor_assigned",
        "job.status_changed",
        "job.status_changed",
        "job.expected_completion_changed",
        "job.status_changed",
    ]
    audits = await bindings.db.all("SELECT action FROM audit_log WHERE action = 'job.status_changed'")
    assert len(audits) == 3
    await sign_in_api(client, bindings, people.finance)
    seen = (await client.get(f"/api/jobs/{job['display_id']}")).json()
    assert seen["payout_cents"] == 56000  # FIN-3: (1000 − 200) × (1 − 30 %)


async def test_entering_the_same_status_is_an_edit_not_a_transition(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net)
    await _status(client, job, "done", closing_cents=100, parts_cents=0)
    again = (await _status(client, job, "done", closing_cents=200, parts_cents=50)).json()
    assert again["closing_cents"] == 200 and again["timeline"][0]["body"].startswith("✏️ Done details")
    events = await bindings.db.all("SELECT type FROM job_events WHERE type = 'job.status_changed'")
    assert len(events) == 1


async def test_cancelled_reopens_and_agents_cannot_go_back_to_submitted(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net)
    cancelled = (await _status(client, job, "cancelled", cancel_reason="customer changed MIND")).json()
    assert cancelled["cancel_reason"] == "Customer changed mind"  # the pre-canned reason's spelling
    assert (await _status(client, job, "submitted")).status_code == 403
    reopened = (await _status(client, job, "in_progress")).json()
    assert reopened["timeline"][0]["body"] == "⚠ Re-opened: Cancelled → In Progress"
    await sign_in_api(client, bindings, people.admin)
    assert (await _status(client, job, "submitted")).json()["status"] == "submitted"


async def test_schedule_change_entry_format(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net, date_start="2026-05-02", time_start="09:00")
    changed = await client.patch(
        f"/api/jobs/{job['display_id']}",
        json={"date_start": "2026-05-03", "time_start": "14:00", "date_end": "2026-05-03", "time_end": "16:00"},
    )
    assert changed.status_code == 200, changed.text
    assert (
        changed.json()["timeline"][0]["body"] == "📅 Schedule changed: 2026-05-02 09:00–11:00 → 2026-05-03 14:00–16:00"
    )
    assert changed.json()["start_at"] == "2026-05-03T18:00:00.000Z"  # EDT in May


async def test_two_changes_at_once_the_loser_gets_409_and_changes_nothing(client, bindings, people, net, db_path):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net)
    first = await client.patch(f"/api/jobs/{job['display_id']}", json={"notes": "one", "version": job["version"]})
    assert first.status_code == 200
    before = snapshot_file(db_path)
    second = await client.patch(f"/api/jobs/{job['display_id']}", json={"notes": "two", "version": job["version"]})
    assert second.status_code == 409
    assert snapshot_file(db_path) == before


async def test_the_guard_stops_a_stale_row(client, bindings, people, net):
    """The verbs' own guard: a row read before someone else's change cannot be written over."""
    from jobs import actions, board

    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net)
    stale = await board.job_for_user(bindings.db, people.agent, job["display_id"])
    await client.patch(f"/api/jobs/{job['display_id']}", json={"notes": "first"})
    from core.errors import Conflict

    with pytest.raises(Conflict):
        await actions.edit_job(
            bindings.db, bindings.geocoder, bindings.clock.now(), people.agent, stale, {"notes": "late"}
        )
    fresh = await board.job_for_user(bindings.db, people.agent, job["display_id"])
    assert fresh["notes"] == "first"


# --- attention (ATT-) ------------------------------------------------------------------------------


async def _flags(client, job):
    response = await client.get(f"/api/jobs/{job['display_id']}")
    assert response.status_code == 200, response.text
    return response.json()["attention"]


async def test_find_contractor_only_on_active_jobs(client, bindings, people, net):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net)
    assert await _flags(client, job) == ["find_contractor"]  # ATT-5
    await _status(client, job, "done", closing_cents=0, parts_cents=0)
    assert await _flags(client, job) == []


async def test_update_needed_when_the_completion_date_is_before_today(client, bindings, people, net, clock):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net, contractor_id=net.joe["id"], date_start="2026-11-20")
    await _status(client, job, "deposit", note="d", expected_completion_date="2026-11-22", deposit_cents=100)
    assert await _flags(client, job) == []  # today (Nov 22 in New York) is not past yet
    clock.set("2026-11-23T04:59:00.000Z")  # 23:59 Nov 22 in New York
    await sign_in_api(client, bindings, people.agent)  # a fresh session at the new time
    assert await _flags(client, job) == []
    clock.set("2026-11-23T05:00:00.000Z")  # midnight in New York: ATT-2
    await sign_in_api(client, bindings, people.agent)  # a fresh session at the new time
    body = (await client.get(f"/api/jobs/{job['display_id']}")).json()
    assert body["attention"] == ["update_needed"]
    assert body["copy_text"] == (
        "🔔Update Needed🔔 🏷️Job #3542 - Emily Harrison 📍 1379 Algiers St, Hialeah, FL 33012"
        " 🕒 11/20 9AM-11AM · Deposit collected 11/22 - DUE What's the update please?"
    )


async def test_follow_up_needed_when_its_time_has_come(client, bindings, people, net, clock):
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net, contractor_id=net.joe["id"])
    await _status(client, job, "pending", note="call", follow_up_date="2026-11-22", follow_up_time="11:00")
    assert await _flags(client, job) == []
    clock.set("2026-11-22T16:00:00.000Z")  # 11:00 New York
    await sign_in_api(client, bindings, people.agent)  # a fresh session at the new time
    assert await _flags(client, job) == ["follow_up_needed"]  # ATT-3


async def test_ask_for_update_after_end_plus_n_hours_and_copy_text(client, bindings, people, net, clock):
    await sign_in_api(client, bindings, people.owner)
    await client.patch("/api/job-settings", json={"ask_for_update_hours": 4})
    await sign_in_api(client, bindings, people.agent)
    job = await new_job(client, net, date_start="2026-11-22", time_start="05:00")  # ends 07:00 NY = 12:00Z
    await _status(client, job, "in_progress")
    clock.set("2026-11-22T15:59:00.000Z")
    await sign_in_api(client, bindings, people.agent)  # a fresh session at the new time
    assert await _flags(client, job) == ["find_contractor"]
    clock.set("2026-11-22T16:00:00.000Z")  # end + 4 h
    await sign_in_api(client, bindings, people.agent)  # a fresh session at the new time
    body = (await client.get(f"/api/jobs/{job['display_id']}")).json()
    assert body["attention"] == ["ask_for_update", "find_contractor"]  # ATT-6: both, by priority
    assert body["copy_text"] == (
        "🔔Update Needed🔔 🏷️Job #3542 - Emily Harrison 📍 1379 Algiers St, Hialeah, FL 33012"
        " 🕒 11/22 5AM-7AM - DUE What's the update please?"
    )
    count = await client.get("/api/jobs/attention-count")
    assert count.json() == {"count": 1}  # ATT-6: jobs, not flags
    listed = await client.get("/api/jobs", params={"attention": 1})
    assert [j["display_id"] for j in listed.json()["items"]] == [job["display_id"]]


async def test_archived_jobs_never_need_attention(client, bindings, people, net):
    await sign_in_api(client, bindings, people.admin)
    job = await new_job(client, net)
    assert (await client.get("/api/jobs/attention-count")).json()["count"] == 1
    await client.post(f"/api/jobs/{job['display_id']}/archive")
    assert (await client.get("/api/jobs/attention-count")).json()["count"] == 0  # ATT-1

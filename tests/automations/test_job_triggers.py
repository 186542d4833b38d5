"""Automations on jobs (issue 22 with issue 20's job_events): event triggers from the job verbs'
batches, the contractor recipient, and the appointment reminder on the 5-minute tick."""

from __future__ import annotations

from automations import fire, rules
from core.records import SYSTEM
from tests.automations.test_automations import log_rows, rule, start
from tests.jobs.support import make_network, new_job
from tests.sms_support import make_lines

BODY = (
    "Hi {{contractor.name}}, new job {{job.displayId}} on {{job.dateStart}} at {{job.timeStart}}"
    " — {{job.address}}. Client: {{client.fullName}} {{client.phone}}."
)


async def test_job_created_and_contractor_assigned_reach_the_contractor(client, bindings, people):
    await make_lines(bindings, people)
    net = await make_network(client, bindings, people.owner)
    await start(bindings)
    now = bindings.clock.now()
    await rules.create(
        bindings.db, now, SYSTEM, rule(name="New job", trigger="job_created", recipient="contractor", body=BODY)
    )
    await rules.create(
        bindings.db,
        now,
        SYSTEM,
        rule(
            name="Assigned",
            trigger="contractor_assigned",
            recipient="contractor",
            body=BODY,
            conditions={"job_type": [str(net.job_type)]},
        ),
    )
    await rules.create(
        bindings.db,
        now,
        SYSTEM,
        rule(
            name="Locksmith only",
            trigger="contractor_assigned",
            recipient="contractor",
            body=BODY,
            conditions={"job_type": [str(net.other_type)]},
        ),
    )
    job = await new_job(client, net)
    await fire.process_events(bindings.db, now)
    [created] = await log_rows(bindings)
    assert (created["rule_name"], created["status"], created["error"]) == (
        "New job",
        "skipped",
        "No contractor assigned.",
    )
    put = await client.put(f"/api/jobs/{job['display_id']}/contractor", json={"contractor_id": net.mike["id"]})
    assert put.status_code == 200, put.text
    await fire.process_events(bindings.db, now)
    rows = await log_rows(bindings)
    assert [(r["rule_name"], r["status"]) for r in rows] == [("New job", "skipped"), ("Assigned", "sent")]
    assert rows[1]["recipient"] == "+13057942213"
    assert rows[1]["preview"] == (
        f"Hi Mike Hernandez, new job {job['display_id']} on 2026-11-24 at 09:00 — 1379 Algiers St."
        " Client: Emily Harrison +13057942213."
    )


async def test_appointment_reminder_fires_once_on_the_tick(client, bindings, people, clock):
    await make_lines(bindings, people)
    net = await make_network(client, bindings, people.owner)
    await rules.create(
        bindings.db,
        clock.now(),
        SYSTEM,
        rule(
            name="Reminder",
            trigger="before_job_appointment",
            offset=1,
            offset_unit="days",
            body="Reminder: {{job.displayId}} tomorrow at {{job.timeStart}}",
        ),
    )
    job = await new_job(client, net)  # starts 2026-11-24 09:00 in the job's zone
    start_at = (await bindings.db.first("SELECT start_at FROM jobs WHERE display_id = ?", job["display_id"]))[
        "start_at"
    ]
    clock.set(start_at)
    clock.advance(days=-1, minutes=-5)
    assert (await fire.time_tick(bindings.db, clock.now()))["sent"] == 0
    clock.advance(minutes=7)
    assert (await fire.time_tick(bindings.db, clock.now()))["sent"] == 1
    clock.advance(minutes=5)
    assert (await fire.time_tick(bindings.db, clock.now()))["sent"] == 0
    [row] = await log_rows(bindings)
    assert row["preview"] == f"Reminder: {job['display_id']} tomorrow at 09:00" and row["subject_type"] == "job"

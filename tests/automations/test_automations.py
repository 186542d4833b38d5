"""Automations (issue 22, BEHAVIOUR §C): rules, templates, event and time triggers, guards, quiet
hours, Pause All, the log and the API. Real SQLite (and the D1 adapter with PORCHLIGHT_TEST_DB=d1),
frozen clock: START is 2026-11-22 15:00 UTC = 10:00 in New York."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from automations import fire, render, rules
from core import errors
from core.records import SYSTEM
from leads import actions as lead_actions
from leads import queue as leads
from messaging import consent
from tests.conftest import sign_in_api
from tests.sms_support import CUSTOMER, make_lead, make_lines

NYC_ZIP = "10001"


def rule(**over: Any) -> dict[str, Any]:
    base = {
        "name": "Thank new leads",
        "trigger": "lead_created",
        "recipient": "client",
        "channel": "sms",
        "body": "Hi {{client.firstName}}, thanks for calling {{office.name}}! Ref {{ lead.id }}",
        "quiet_hours": True,
        "enabled": True,
    }
    return {**base, **over}


async def log_rows(bindings) -> list[dict]:
    return await bindings.db.all("SELECT * FROM automation_log ORDER BY id")


async def start(bindings) -> None:
    """The event cursor starts at the newest event the first time the tick runs."""
    await fire.process_events(bindings.db, bindings.clock.now())


# --- templates (AUT-16…AUT-20) -----------------------------------------------------------------


def test_templates_substitute_variables_only():
    ctx = {"client": {"firstName": "Ana"}, "job": {"id": 7}, "office": {"name": "A & B"}}
    assert render.render("Hi {{client.firstName}} / {{ job.id }}", ctx) == "Hi Ana / 7"
    assert render.render("{{7*7}}|{{ client.nope }}|{{lead.fullName}}|{{job.id|upper}}", ctx) == "|||"
    assert render.render("<{{office.name}}>", ctx, escape=True) == "<A &amp; B>"
    assert render.unknown("{{7*7}} {{client.firstName}} {{ foo.bar }}") == ["{{7*7}}", "{{foo.bar}}"]


# --- rules: checks (AUT-5, AUT-6, AUT-23) --------------------------------------------------------


async def test_bad_rules_are_refused_on_the_field_and_save_nothing(bindings):
    now = bindings.clock.now()
    cases = [
        (rule(recipient="contractor"), "recipient"),
        (rule(trigger="after_lead_created", offset=0, offset_unit="hours"), "offset"),
        (rule(trigger="after_lead_created", offset=-5, offset_unit="minutes"), "offset"),
        (rule(recipient="static", static_to="not a phone"), "static_to"),
        (rule(channel="email", recipient="static", static_to="nobody", subject="Hi"), "static_to"),
        (rule(trigger="lead_status_changed"), "trigger_status"),
        (rule(channel="email"), "subject"),
        (rule(body="  "), "body"),
        (rule(conditions={"color": ["red"]}), "conditions"),
    ]
    for data, field in cases:
        with pytest.raises(errors.Invalid) as refused:
            await rules.create(bindings.db, now, SYSTEM, data)
        assert field in refused.value.fields, (data, refused.value.fields)
    assert await rules.all_rules(bindings.db) == []
    ok = await rules.create(bindings.db, now, SYSTEM, rule(recipient="static", static_to="(305) 555-0100"))
    assert (await rules.get(bindings.db, ok))["static_to"] == "+13055550100"
    job_rule = await rules.create(bindings.db, now, SYSTEM, rule(trigger="job_created", recipient="contractor"))
    assert (await rules.get(bindings.db, job_rule))["recipient"] == "contractor"


# --- event triggers (AUT-4, AUT-11, AUT-12, AUT-15) ---------------------------------------------


async def test_lead_created_sends_once_through_the_outbox(bindings, people):
    await make_lines(bindings, people)
    await start(bindings)
    await rules.create(bindings.db, bindings.clock.now(), SYSTEM, rule())
    display = await make_lead(bindings, people.admin, people.office_a, "Ana Lopez", CUSTOMER, NYC_ZIP)
    events = await bindings.db.all("SELECT type FROM lead_events")
    assert [e["type"] for e in events] == ["lead_created"]  # written in the lead's own batch
    counts = await fire.process_events(bindings.db, bindings.clock.now())
    assert counts["sent"] == 1
    [row] = await log_rows(bindings)
    assert row["status"] == "sent" and row["recipient"] == CUSTOMER
    assert row["preview"] == f"Hi Ana, thanks for calling Garage! Ref {display}"
    queued = await bindings.db.all("SELECT kind, status FROM outbox")
    assert queued == [{"kind": "sms", "status": "pending"}]
    # a retried evaluation (cursor lost) fires nothing twice: the event id is unique per rule
    await bindings.db.run("DELETE FROM automation_state")
    await bindings.db.run("INSERT INTO automation_state (key, value) VALUES ('cursor:lead_events', '0')")
    assert (await fire.process_events(bindings.db, bindings.clock.now()))["sent"] == 0
    assert len(await log_rows(bindings)) == 1
    assert len(await bindings.db.all("SELECT id FROM outbox")) == 1


async def test_a_refused_change_writes_no_event_and_fires_nothing(bindings, people):
    await start(bindings)
    await rules.create(
        bindings.db, bindings.clock.now(), SYSTEM, rule(trigger="lead_status_changed", trigger_status="irrelevant")
    )
    display = await make_lead(bindings, people.admin, people.office_a, "Bo Chen", CUSTOMER, NYC_ZIP)
    row = await leads.lead_for_user(bindings.db, people.admin, display)
    with pytest.raises(errors.Invalid):  # Irrelevant needs a reason: nothing is written
        await lead_actions.change_status(bindings.db, bindings.clock.now(), people.admin, row, "irrelevant")
    assert [e["type"] for e in await bindings.db.all("SELECT type FROM lead_events")] == ["lead_created"]
    await fire.process_events(bindings.db, bindings.clock.now())
    assert await log_rows(bindings) == []


async def test_status_trigger_fires_for_its_status_and_conditions(bindings, people):
    await make_lines(bindings, people)
    await start(bindings)
    now = bindings.clock.now()
    await rules.create(
        bindings.db,
        now,
        SYSTEM,
        rule(
            name="Follow-up A",
            trigger="lead_status_changed",
            trigger_status="needs_follow_up",
            conditions={"office": [str(people.office_a.id), "999"], "source": ["manual"]},
        ),
    )
    await rules.create(
        bindings.db,
        now,
        SYSTEM,
        rule(
            name="Only B",
            trigger="lead_status_changed",
            trigger_status="needs_follow_up",
            conditions={"office": [str(people.office_b.id)]},
        ),
    )
    await rules.create(
        bindings.db, now, SYSTEM, rule(name="Irrelevant", trigger="lead_status_changed", trigger_status="irrelevant")
    )
    display = await make_lead(bindings, people.admin, people.office_a, "Cy Dee", CUSTOMER, NYC_ZIP)
    row = await leads.lead_for_user(bindings.db, people.admin, display)
    await lead_actions.change_status(
        bindings.db, now, people.admin, row, "needs_follow_up", next_contact_at=now + timedelta(days=1)
    )
    await fire.process_events(bindings.db, now)
    assert [(r["rule_name"], r["status"]) for r in await log_rows(bindings)] == [("Follow-up A", "sent")]
    event = await bindings.db.first("SELECT payload FROM lead_events WHERE type = 'lead_status_changed'")
    assert event["payload"] == '{"status": "needs_follow_up", "previous": "fresh"}'


# --- guards (AUT-2, AUT-21…AUT-24) ---------------------------------------------------------------


async def test_guards_log_failed_and_skipped_with_their_reasons(bindings, people):
    await make_lines(bindings, people)
    await start(bindings)
    now = bindings.clock.now()
    await bindings.db.batch(
        [
            consent.ledger(now, CUSTOMER, "opt_out", "STOP", ("NULL", ()), {"id": None, "office_id": None}),
            consent.suppress(now, CUSTOMER, "STOP"),
        ]
    )
    await rules.create(bindings.db, now, SYSTEM, rule(name="Text"))
    await rules.create(
        bindings.db, now, SYSTEM, rule(name="Mail", channel="email", subject="Thanks {{client.firstName}}")
    )
    await rules.create(
        bindings.db,
        now,
        SYSTEM,
        rule(name="Mail static", channel="email", recipient="static", static_to="desk@example.com", subject="New lead"),
    )
    await make_lead(bindings, people.admin, people.office_a, "Di Eng", CUSTOMER, NYC_ZIP)
    await fire.process_events(bindings.db, now)
    got = {r["rule_name"]: (r["status"], r["error"]) for r in await log_rows(bindings)}
    assert got["Text"][0] == "failed" and "opted out" in got["Text"][1]
    assert got["Mail"] == ("failed", "Client has no email.")
    assert got["Mail static"][0] == "failed" and got["Mail static"][1].startswith(
        "SMTP not fully configured for office Garage"
    )
    assert await bindings.db.all("SELECT id FROM outbox") == []


async def test_no_sender_line_fails_and_dormant_customers_are_skipped(bindings, people):
    await start(bindings)
    now = bindings.clock.now()
    await rules.create(bindings.db, now, SYSTEM, rule())
    await make_lead(bindings, people.admin, people.office_a, "Ed Fox", CUSTOMER, NYC_ZIP)
    await fire.process_events(bindings.db, now)
    [row] = await log_rows(bindings)
    assert (row["status"], row["error"]) == ("failed", "No SMS sender line is set for Garage.")
    subject = fire.subjects.Subject(
        kind="lead",
        id=1,
        label="L-1",
        office_id=people.office_a.id,
        office_zone="America/New_York",
        zip_code=NYC_ZIP,
        status="fresh",
        source="manual",
        client_phone=CUSTOMER,
        dormant=True,
    )
    rule_row = (await rules.all_rules(bindings.db))[0]
    outcome = await fire.fire(bindings.db, now, rule_row, subject, "test:1", timed=False, paused=False)
    assert (outcome.status, outcome.error) == ("skipped", "Customer is dormant: automated messages are off.")
    subject.dormant, subject.sms_ok = False, False
    outcome = await fire.fire(bindings.db, now, rule_row, subject, "test:2", timed=False, paused=False)
    assert (outcome.status, outcome.error) == ("skipped", "The contact's SMS preference is not selected.")


# --- quiet hours (AUT-25…AUT-29) and Pause All (AUT-30) --------------------------------------------


async def test_event_outside_quiet_hours_is_skipped(bindings, people, clock):
    await make_lines(bindings, people)
    clock.set("2026-11-23T02:30:00.000Z")  # 21:30 in New York
    await start(bindings)
    await rules.create(bindings.db, clock.now(), SYSTEM, rule())
    await rules.create(bindings.db, clock.now(), SYSTEM, rule(name="Any time", quiet_hours=False))
    await make_lead(bindings, people.admin, people.office_a, "Fay Gu", CUSTOMER, NYC_ZIP)
    await fire.process_events(bindings.db, clock.now())
    got = {r["rule_name"]: (r["status"], r["error"]) for r in await log_rows(bindings)}
    assert got["Thank new leads"] == ("skipped", "Outside quiet hours.")
    assert got["Any time"] == ("sent", "")
    # the outbox still holds the automated text for the legal window (08:00 New York)
    [held] = await bindings.db.all("SELECT next_attempt_at FROM outbox")
    assert held["next_attempt_at"] == "2026-11-23T13:00:00.000Z"


async def test_paused_events_are_skipped(bindings, people):
    await make_lines(bindings, people)
    await start(bindings)
    now = bindings.clock.now()
    await rules.create(bindings.db, now, SYSTEM, rule())
    await rules.set_paused(bindings.db, now, SYSTEM, True)
    await make_lead(bindings, people.admin, people.office_a, "Gil Ho", CUSTOMER, NYC_ZIP)
    await fire.process_events(bindings.db, now)
    [row] = await log_rows(bindings)
    assert (row["status"], row["error"]) == ("skipped", "Automations paused.")


# --- time triggers (AUT-6, AUT-7, AUT-27, AUT-30) --------------------------------------------------


async def test_time_trigger_fires_once_without_backfill(bindings, people, clock):
    await make_lines(bindings, people)
    await make_lead(bindings, people.admin, people.office_a, "Old Lead", CUSTOMER, NYC_ZIP)
    clock.advance(hours=3)  # the old lead was due (2 h after) before the rule existed: never back-filled
    await rules.create(
        bindings.db, clock.now(), SYSTEM, rule(trigger="after_lead_created", offset=2, offset_unit="hours")
    )
    await make_lead(bindings, people.admin, people.office_a, "New Lead", "+12125550177", NYC_ZIP)
    clock.advance(hours=1)
    assert (await fire.time_tick(bindings.db, clock.now()))["sent"] == 0  # not due yet
    clock.advance(hours=1, minutes=5)
    assert (await fire.time_tick(bindings.db, clock.now()))["sent"] == 1
    clock.advance(minutes=5)
    assert (await fire.time_tick(bindings.db, clock.now()))["sent"] == 0  # stamped: never twice
    [row] = await log_rows(bindings)
    assert row["subject_label"].endswith("New Lead") and row["event_key"].startswith("time:lead:")


async def test_time_trigger_waits_for_quiet_hours_and_pause_then_catches_up(bindings, people, clock):
    await make_lines(bindings, people)
    clock.set("2026-11-23T00:00:00.000Z")  # 19:00 New York
    await rules.create(
        bindings.db, clock.now(), SYSTEM, rule(trigger="after_lead_created", offset=150, offset_unit="minutes")
    )
    await make_lead(bindings, people.admin, people.office_a, "Late Lead", CUSTOMER, NYC_ZIP)
    clock.set("2026-11-23T02:35:00.000Z")  # due at 21:30 — outside: waits, not stamped
    assert (await fire.time_tick(bindings.db, clock.now()))["waiting"] == 1
    await rules.set_paused(bindings.db, clock.now(), SYSTEM, True)
    clock.set("2026-11-23T14:05:00.000Z")  # 09:05, but paused: waits
    assert (await fire.time_tick(bindings.db, clock.now()))["waiting"] == 1
    await rules.set_paused(bindings.db, clock.now(), SYSTEM, False)
    assert (await fire.time_tick(bindings.db, clock.now()))["sent"] == 1
    clock.set("2026-11-24T14:05:00.000Z")
    assert (await fire.time_tick(bindings.db, clock.now()))["sent"] == 0


async def test_time_trigger_catch_up_stops_after_24_hours(bindings, people, clock):
    await make_lines(bindings, people)
    await rules.create(
        bindings.db,
        clock.now(),
        SYSTEM,
        rule(trigger="after_lead_created", offset=5, offset_unit="minutes", quiet_hours=False),
    )
    await make_lead(bindings, people.admin, people.office_a, "Missed", CUSTOMER, NYC_ZIP)
    clock.advance(hours=25)  # the ticks did not run for a day
    assert (await fire.time_tick(bindings.db, clock.now()))["sent"] == 0


# --- the log (AUT-31…AUT-35) and the API -----------------------------------------------------------


async def test_sent_turns_failed_when_the_provider_refuses(bindings, people):
    await make_lines(bindings, people)
    await start(bindings)
    await rules.create(bindings.db, bindings.clock.now(), SYSTEM, rule())
    await make_lead(bindings, people.admin, people.office_a, "Hal Ito", CUSTOMER, NYC_ZIP)
    await fire.process_events(bindings.db, bindings.clock.now())
    assert [r["status"] for r in await fire_log(bindings)] == ["sent"]
    await bindings.db.run("UPDATE sms_messages SET status = 'failed', error = 'Carrier rejected (30007)'")
    [shown] = await fire_log(bindings)
    assert (shown["status"], shown["error"]) == ("failed", "Carrier rejected (30007)")
    assert await fire_log(bindings, status="sent") == []


async def fire_log(bindings, **filters) -> list[dict]:
    from automations import log

    return await log.recent(bindings.db, **filters)


async def test_api_is_owner_only_and_previews_against_a_real_lead(client, bindings, people):
    await sign_in_api(client, bindings, people.admin)
    assert (await client.get("/api/automations")).status_code == 403
    assert (await client.post("/api/automations", json=rule())).status_code == 403
    await sign_in_api(client, bindings, people.owner)
    display = await make_lead(bindings, people.admin, people.office_a, "Ivy Jones", CUSTOMER, NYC_ZIP)
    made = await client.post("/api/automations", json=rule())
    assert made.status_code == 201, made.text
    bad = await client.post("/api/automations", json=rule(recipient="contractor"))
    assert bad.status_code == 422 and "recipient" in bad.text
    assert len((await client.get("/api/automations")).json()["items"]) == 1
    shown = (
        await client.post(
            "/api/automations/preview", json={**rule(body="Hi {{client.fullName}} {{7*7}} {{x.y}}"), "record": display}
        )
    ).json()
    assert shown["body"] == "Hi Ivy Jones" and shown["unknown"] == ["{{7*7}}", "{{x.y}}"]
    rid = made.json()["id"]
    patched = await client.patch(f"/api/automations/{rid}", json={"enabled": False})
    assert patched.status_code == 200 and patched.json()["enabled"] is False
    assert (
        await client.patch(f"/api/automations/{rid}", json={"trigger": "after_lead_created", "offset": 0})
    ).status_code == 422
    assert (await client.get(f"/api/automations/{rid}")).json()["trigger"] == "lead_created"  # nothing half-saved
    assert (await client.put("/api/automations/pause", json={"paused": True})).json() == {"paused": True}
    page = await client.get("/maintenance/automations")
    assert "Automations are PAUSED" in page.text
    assert (await client.get("/api/automations/log?status=sent")).json() == {"items": []}
    assert (await client.delete(f"/api/automations/{rid}")).status_code == 204

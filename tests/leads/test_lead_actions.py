"""Claim, status rules, call attempts with snooze sequences, archive/restore/delete, conflicts."""

from __future__ import annotations

import json

import pytest

from core import errors
from leads import actions as lead_actions
from leads import queue as leads
from tests.conftest import sign_in_api, snapshot_file
from tests.leads.test_leads_queue import make_lead


async def timeline(db, display_id):
    rows = await db.all(
        "SELECT t.body FROM timeline_entries t JOIN leads l ON l.id = t.subject_id AND t.subject_type = 'lead'"
        " WHERE l.display_id = ? ORDER BY t.id",
        display_id,
    )
    return [r["body"] for r in rows]


async def test_claiming_reveals_the_number_and_a_second_claim_wins(client, bindings, people, database):
    display = await make_lead(bindings, people.office_a, name="Claim me", phone="3054172290")
    await sign_in_api(client, bindings, people.agent)
    r = await client.post(f"/api/leads/{display}/claim")
    assert r.status_code == 200 and r.json()["phone"] == "+13054172290" and r.json()["claimed_by"] == "Agent"
    client.cookies.clear()
    await sign_in_api(client, bindings, people.admin)
    assert "4172290" not in (await client.get(f"/api/leads/{display}")).json()["phone"]  # hidden until *you* claim
    assert (await client.post(f"/api/leads/{display}/claim")).json()["claimed_by"] == "Admin"
    assert (await timeline(database, display))[-2:] == ["Lead claimed by Agent", "Lead claimed by Admin"]
    row = await database.first("SELECT first_response_at FROM leads WHERE display_id = ?", display)
    assert row["first_response_at"] == "2026-11-22T15:00:00.000Z"


async def test_status_rules(client, bindings, people, database):
    display = await make_lead(bindings, people.office_a, name="Rules")
    await sign_in_api(client, bindings, people.agent)
    await client.post(f"/api/leads/{display}/claim")
    r = await client.patch(f"/api/leads/{display}", json={"status": "needs_follow_up"})
    assert r.status_code == 422 and "next-contact" in r.json()["detail"]
    r = await client.patch(f"/api/leads/{display}", json={"status": "irrelevant"})
    assert r.status_code == 422 and "reason" in r.json()["detail"]
    r = await client.patch(f"/api/leads/{display}", json={"status": "teleported"})
    assert r.status_code == 422
    r = await client.patch(
        f"/api/leads/{display}", json={"status": "consultation_call", "next_contact_at": "2026-11-23T10:00:00-05:00"}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "consultation_call" and body["next_contact_at"] == "2026-11-23T15:00:00.000Z"
    assert body["claimed_by"] is None and body["urgency"] == "medium"  # leaving Fresh clears the claim
    r = await client.patch(f"/api/leads/{display}", json={"status": "irrelevant", "reason": "Outside the area"})
    assert r.json()["urgency"] == "low"
    assert (await timeline(database, display))[-1] == "Status: Consultation call → Irrelevant — Outside the area"
    audit = await database.first("SELECT meta FROM audit_log WHERE action = 'lead.status_changed' ORDER BY id DESC")
    assert json.loads(audit["meta"])["reason"] == "Outside the area"


async def test_a_naive_next_contact_is_read_in_the_offices_time_zone(client, bindings, people):
    display = await make_lead(bindings, people.office_a, name="Local time")  # Garage: America/New_York
    csrf = await sign_in_api(client, bindings, people.agent)
    r = await client.post(
        f"/leads/{display}/status",
        data={"csrf_token": csrf, "status": "not_yet_scheduled", "next_contact_at": "2026-11-23T09:30"},
    )
    assert r.status_code == 303
    assert (await client.get(f"/api/leads/{display}")).json()["next_contact_at"] == "2026-11-23T14:30:00.000Z"


async def test_call_attempts_follow_the_sources_sequence_until_the_cap(client, bindings, people, clock, database):
    display = await make_lead(bindings, people.office_a, name="Yelp lead", source="yelp")  # Aggressive, 14 steps
    await sign_in_api(client, bindings, people.agent)
    first = (await client.post(f"/api/leads/{display}/call-attempts")).json()
    assert first["next_contact_at"] == "2026-11-22T15:05:00.000Z"  # 5 min
    second = (await client.post(f"/api/leads/{display}/call-attempts")).json()
    assert second["next_contact_at"] == "2026-11-22T15:10:00.000Z"  # 10 min after now (clock frozen)
    for _ in range(12):
        assert (await client.post(f"/api/leads/{display}/call-attempts")).status_code == 200
    capped = await client.post(f"/api/leads/{display}/call-attempts")
    assert capped.status_code == 422 and "Irrelevant" in capped.json()["detail"]
    row = await database.first("SELECT call_count, next_contact_at FROM leads WHERE display_id = ?", display)
    assert row["call_count"] == 14 and row["next_contact_at"] == "2026-12-12T15:00:00.000Z"  # the 20-day step
    assert (await timeline(database, display))[-1].startswith("Call attempt #14 by Agent")


async def test_the_standard_sequence_has_22_steps_and_bookback_14():
    from core.storage import migrations
    from core.storage.sqlite import connect

    conn = connect(":memory:")
    migrations.migrate(conn)
    steps = {r["key"]: json.loads(r["steps"]) for r in conn.execute("SELECT key, steps FROM snooze_sequences")}
    assert len(steps["standard"]) == 22 and 16 <= sum(steps["standard"][:-1]) / 1440 <= 17
    assert steps["aggressive"] == [5, 10, 20, 30, 60, 120, 180, 720, 1440, 1440, 1440, 2880, 2880, 28800]
    assert steps["bookback"] == [15] * 7 + [480] * 7


async def test_archive_restore_and_delete_by_role(client, bindings, people, database, db_path):
    display = await make_lead(bindings, people.office_a, name="Archive me")
    agent_csrf = await sign_in_api(client, bindings, people.agent)
    before = snapshot_file(db_path)
    assert (await client.post(f"/api/leads/{display}/archive")).status_code == 403  # agents cannot archive
    assert (await client.post(f"/leads/{display}/archive", data={"csrf_token": agent_csrf})).status_code == 403
    after = snapshot_file(db_path)
    assert after == before
    client.cookies.clear()
    await sign_in_api(client, bindings, people.admin)
    assert (await client.post(f"/api/leads/{display}/archive")).status_code == 200
    assert (await client.get("/api/leads")).json()["total"] == 0
    assert [i["id"] for i in (await client.get("/api/leads", params={"archived": "true"})).json()["items"]] == [display]
    assert (await client.delete(f"/api/leads/{display}")).status_code == 403  # owner only
    assert (await client.post(f"/api/leads/{display}/restore")).status_code == 200
    assert (await client.get("/api/leads")).json()["total"] == 1
    client.cookies.clear()
    await sign_in_api(client, bindings, people.owner)
    refused = await client.delete(f"/api/leads/{display}")
    assert refused.status_code == 422 and "Archive the lead first" in refused.json()["detail"]
    await client.post(f"/api/leads/{display}/archive")
    assert (await client.delete(f"/api/leads/{display}")).status_code == 204
    assert await database.first("SELECT id FROM leads WHERE display_id = ?", display) is None
    audit = [
        r["action"] for r in await database.all("SELECT action FROM audit_log WHERE action LIKE 'lead.%' ORDER BY id")
    ]
    assert audit[-4:] == ["lead.archived", "lead.restored", "lead.archived", "lead.deleted"]


async def test_viewers_and_partners_only_read(client, bindings, people):
    display = await make_lead(bindings, people.office_a, name="Read only", partner="GDQ")
    for who in (people.viewer, people.partner):
        client.cookies.clear()
        await sign_in_api(client, bindings, who)
        assert (await client.get(f"/api/leads/{display}")).status_code == 200
        assert (await client.post(f"/api/leads/{display}/claim")).status_code == 403
        assert (await client.patch(f"/api/leads/{display}", json={"status": "converted"})).status_code == 403


async def test_another_offices_lead_cannot_be_touched(client, bindings, people, db_path):
    display = await make_lead(bindings, people.office_a, name="Not yours")
    await sign_in_api(client, bindings, people.agent_b)
    before = snapshot_file(db_path)
    assert (await client.post(f"/api/leads/{display}/claim")).status_code == 404
    assert (await client.patch(f"/api/leads/{display}", json={"status": "converted"})).status_code == 404
    assert snapshot_file(db_path) == before


async def test_a_stale_write_is_refused_as_a_conflict_and_writes_nothing(bindings, people, db_path):
    display = await make_lead(bindings, people.office_a, name="Race")
    stale = await leads.lead_for_user(bindings.db, people.agent, display)
    await lead_actions.claim_lead(bindings.db, bindings.clock.now(), people.admin, stale)
    before = snapshot_file(db_path)
    with pytest.raises(errors.Conflict):
        await lead_actions.change_status(
            bindings.db, bindings.clock.now(), people.agent, stale, "irrelevant", reason="Wrong number"
        )
    assert snapshot_file(db_path) == before  # no timeline or audit row for a change that did not happen


async def test_the_record_page_offers_only_what_the_role_may_do(client, bindings, people):
    display = await make_lead(bindings, people.office_a, name="Buttons")
    await sign_in_api(client, bindings, people.agent)
    page = (await client.get(f"/leads/{display}")).text
    assert "Show number" in page and "Save status" in page and "/archive" not in page
    client.cookies.clear()
    await sign_in_api(client, bindings, people.viewer)
    page = (await client.get(f"/leads/{display}")).text
    assert "Show number" not in page and "Save status" not in page


async def test_inline_edits_workflow_fields_and_notes(client, bindings, people, database):
    display = await make_lead(bindings, people.office_a, name="Edit me", phone="3054172290")
    await sign_in_api(client, bindings, people.agent)
    r = await client.patch(
        f"/api/leads/{display}",
        json={
            "name": "Edited Name",
            "email": "NEW@Example.com",
            "zip": "33139",
            "next_action": "follow_up",
            "assigned_user_id": people.admin.id,
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["name"], body["email"], body["zip"], body["next_action"], body["assigned_user_id"]) == (
        "Edited Name",
        "new@example.com",
        "33139",
        "follow_up",
        people.admin.id,
    )
    assert body["timeline"][0]["body"] == "Edited by Agent: name, email, zip, next action, assigned user id"
    audit = await database.first("SELECT meta FROM audit_log WHERE action = 'lead.edited'")
    assert json.loads(audit["meta"])["changes"]["name"] == ["Edit me", "Edited Name"]
    # rules: a placeholder phone, an assignee from another office, an unknown next action
    assert (await client.patch(f"/api/leads/{display}", json={"phone": "1231231234"})).status_code == 422
    assert (
        await client.patch(f"/api/leads/{display}", json={"assigned_user_id": people.agent_b.id})
    ).status_code == 422
    assert (await client.patch(f"/api/leads/{display}", json={"next_action": "dance"})).status_code == 422
    assert (await client.patch(f"/api/leads/{display}", json={"name": ""})).status_code == 422
    assert (await client.patch(f"/api/leads/{display}", json={"office_id": 2})).status_code == 422  # not editable
    # a note lands on the timeline, newest first
    r = await client.post(f"/api/leads/{display}/notes", json={"text": "Prefers texts after 6pm"})
    assert r.json()["timeline"][0] == {
        "created_at": "2026-11-22T15:00:00.000Z",
        "kind": "note",
        "body": "Prefers texts after 6pm",
        "actor_label": "Agent",
    }


async def test_the_edit_form_never_leaks_or_wipes_a_hidden_phone(client, bindings, people, database):
    display = await make_lead(bindings, people.office_a, name="Hidden phone", phone="3054172290")
    csrf = await sign_in_api(client, bindings, people.agent)
    page = (await client.get(f"/leads/{display}")).text
    assert "4172290" not in page and "Claim the lead to see" in page
    r = await client.post(f"/leads/{display}/edit", data={"csrf_token": csrf, "name": "Renamed"})
    assert r.status_code == 303
    row = await database.first("SELECT name, phone FROM leads WHERE display_id = ?", display)
    assert row == {"name": "Renamed", "phone": "+13054172290"}


# --- card numbers: what staff type is refused, as on customers -----------------------------------

CARD = "4111 1111 1111 1111"

STAFF_CARD_FIELDS = [
    *[
        ("PATCH", "/api/leads/{lead}", {field: f"x {CARD}"})
        for field in ("name", "phone", "email", "address", "service", "how_soon", "campaign")
    ],
    ("PATCH", "/api/leads/{lead}", {"zip": CARD.replace(" ", "")}),
    ("PATCH", "/api/leads/{lead}", {"status": "irrelevant", "reason": f"paid by card {CARD}"}),
    ("POST", "/api/leads/{lead}/notes", {"text": f"card {CARD.replace(' ', '-')} exp 04/28"}),
    *[
        ("POST", "/api/leads", {"name": "Ok", "phone": "3057942213", field: CARD.replace(" ", "")})
        for field in ("name", "email", "zip", "address", "service_type", "how_soon", "notes")
    ],
    ("FORM", "/leads/{lead}/edit", {"name": f"Ann {CARD}", "email": "", "zip": "", "address": ""}),
    ("FORM", "/leads/{lead}/notes", {"text": CARD}),
    ("FORM", "/leads", {"name": "Ok", "phone": "3057942213", "notes": CARD}),
]


@pytest.mark.parametrize(("method", "path", "body"), STAFF_CARD_FIELDS, ids=lambda v: v if isinstance(v, str) else None)
async def test_staff_lead_forms_refuse_a_card_number_and_store_nothing(
    client, bindings, people, db_path, method, path, body
):
    display = await make_lead(bindings, people.office_a, name="Card test", phone="3054172290")
    csrf = await sign_in_api(client, bindings, people.admin)
    await client.post(f"/api/leads/{display}/claim")  # the phone field is editable once claimed
    before = snapshot_file(db_path)
    url = path.format(lead=display)
    if method == "FORM":
        # the pages answer with a flash message, or the new-lead form again with what was typed
        r = await client.post(url, data={"csrf_token": csrf, **body})
        assert r.status_code in (303, 400), r.text
    else:
        r = await client.request(method, url, json=body)
        assert r.status_code == 422, r.text
        assert "looks like a payment card number" in r.text
        assert CARD not in r.text and CARD.replace(" ", "") not in r.text
    after = snapshot_file(db_path)
    before.pop("sessions"), after.pop("sessions")
    assert after == before


async def test_a_next_contact_alone_reschedules_the_callback_or_says_why_not(client, bindings, people, db_path):
    """Issue 16 #8: `next_contact_at` without `status` answered 200 and changed nothing."""
    display = await make_lead(bindings, people.office_a, name="Callback")
    await sign_in_api(client, bindings, people.agent)
    before = snapshot_file(db_path)
    r = await client.patch(f"/api/leads/{display}", json={"next_contact_at": "2026-11-23T10:00:00-05:00"})
    assert r.status_code == 422 and "Fresh lead takes no next contact" in r.json()["detail"]
    assert snapshot_file(db_path)["leads"] == before["leads"]
    r = await client.patch(
        f"/api/leads/{display}", json={"status": "not_yet_scheduled", "next_contact_at": "2026-11-23T10:00:00-05:00"}
    )
    assert r.json()["next_contact_at"] == "2026-11-23T15:00:00.000Z"
    r = await client.patch(f"/api/leads/{display}", json={"next_contact_at": "2026-11-22T09:30:00-05:00"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "not_yet_scheduled" and body["next_contact_at"] == "2026-11-22T14:30:00.000Z"
    assert body["urgency"] == "high"  # a callback whose time has passed (seed 002)
    assert (await timeline(bindings.db, display))[
        -1
    ] == "Next contact moved to Nov 22, 2026 9:30 AM EST"  # the lead's zone
    r = await client.patch(
        f"/api/leads/{display}", json={"status": "irrelevant", "next_contact_at": "2026-11-24T10:00"}
    )
    assert r.status_code == 422 and "takes no next contact" in r.json()["detail"]  # never dropped in silence


async def test_a_reason_alone_rewrites_an_irrelevant_leads_reason_and_is_refused_elsewhere(client, bindings, people):
    display = await make_lead(bindings, people.office_a, name="Why")
    await sign_in_api(client, bindings, people.agent)
    r = await client.patch(f"/api/leads/{display}", json={"reason": "Prank"})
    assert r.status_code == 422 and "reason goes with Irrelevant" in r.json()["detail"]
    await client.patch(f"/api/leads/{display}", json={"status": "irrelevant", "reason": "Prank"})
    r = await client.patch(f"/api/leads/{display}", json={"reason": "Outside the area"})
    assert r.status_code == 200
    row = await bindings.db.first("SELECT irrelevant_reason FROM leads WHERE display_id = ?", display)
    assert row["irrelevant_reason"] == "Outside the area"
    assert (await timeline(bindings.db, display))[-1] == "Irrelevant reason changed — Outside the area"


async def test_a_patch_is_all_or_nothing(client, bindings, people, db_path):
    """Fields and status are one batch: a refused status leaves the edited fields unwritten too."""
    display = await make_lead(bindings, people.office_a, name="Atomic")
    await sign_in_api(client, bindings, people.agent)
    before = snapshot_file(db_path)
    r = await client.patch(f"/api/leads/{display}", json={"service": "Gate repair", "status": "needs_follow_up"})
    assert r.status_code == 422
    after = snapshot_file(db_path)
    assert {t: after[t] for t in ("leads", "timeline_entries", "audit_log")} == {
        t: before[t] for t in ("leads", "timeline_entries", "audit_log")
    }
    r = await client.patch(
        f"/api/leads/{display}",
        json={"service": "Gate repair", "status": "needs_follow_up", "next_contact_at": "2026-11-23T15:00:00Z"},
    )
    assert r.json()["service"] == "Gate repair" and r.json()["status"] == "needs_follow_up"
    row = await bindings.db.first("SELECT version FROM leads WHERE display_id = ?", display)
    assert row["version"] == 2  # intake wrote version 1; the PATCH one write, not two


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/leads/{lead}", "status"),
        ("/api/customers/{customer}/notes/{note}", "pinned"),
        ("/api/customers/{customer}/contacts/{contact}", "sms_opt_in"),
        ("/api/customers/{customer}/addresses/{address}", "kind"),
        ("/api/customers/{customer}/secure-access/{item}", "kind"),
        ("/api/customers/{customer}/billing", "payment_token"),
        ("/api/sources/yelp", "label"),
        ("/api/sources/yelp", "active"),
    ],
)
async def test_null_for_a_field_that_cannot_be_empty_is_refused_naming_it(
    client, bindings, people, db_path, url, field
):
    """It answered 200 and kept the old value (or, for a source, a server error)."""
    await sign_in_api(client, bindings, people.owner)
    lead = await make_lead(bindings, people.office_a, name="Nulls")
    created = await client.post(
        "/api/customers", json={"name": "Rosa Diaz", "contact": {"name": "Rosa Diaz", "phone": "(305) 417-2290"}}
    )
    customer = created.json()["id"]
    contact = created.json()["contacts"][0]["id"]
    address = (await client.post(f"/api/customers/{customer}/addresses", json={"line1": "1 A St"})).json()["id"]
    note = (await client.post(f"/api/customers/{customer}/notes", json={"text": "hello"})).json()["id"]
    item = await client.post(f"/api/customers/{customer}/secure-access", json={"label": "wifi", "secret": "pw"})
    path = url.format(lead=lead, customer=customer, contact=contact, address=address, note=note, item=item.json()["id"])
    before = snapshot_file(db_path)
    r = await client.patch(path, json={field: None})
    assert r.status_code == 422 and r.json()["errors"][0].startswith(f"{field}: ")
    after = snapshot_file(db_path)
    before.pop("sessions"), after.pop("sessions")
    assert after == before


async def test_the_pages_status_form_uses_the_picker_and_the_reason_only_where_they_are_labelled(
    client, bindings, people, database
):
    """The form always sends the prefilled picker and the reason box; the API's strictness about a
    next contact on a closed status must not refuse it."""
    display = await make_lead(bindings, people.office_a, name="Form")
    csrf = await sign_in_api(client, bindings, people.agent)
    form = {"csrf_token": csrf, "status": "not_yet_scheduled", "next_contact_at": "2026-11-23T09:30", "reason": ""}
    assert (await client.post(f"/leads/{display}/status", data=form)).status_code == 303
    form |= {"status": "irrelevant", "reason": "Prank"}  # the picker still holds the callback time
    assert (await client.post(f"/leads/{display}/status", data=form)).status_code == 303
    row = await database.first(
        "SELECT status, next_contact_at, irrelevant_reason FROM leads WHERE display_id = ?", display
    )
    assert (row["status"], row["next_contact_at"], row["irrelevant_reason"]) == ("irrelevant", None, "Prank")

"""Replies from a lead (LRS-1…LRS-6), lines synced and upserted by number (NUM-1), the office's
sender line (NUM-2), templates (NUM-5) and the Maintenance → SMS page."""

from __future__ import annotations

import pytest

from core import outbox
from core.sms_gateway import TwilioGateway
from tests.conftest import sign_in, sign_in_api
from tests.fakes.sms_providers import TWILIO_SID, TWILIO_TOKEN, FakeTwilio
from tests.sms_support import CUSTOMER, LINE_A, PUBLIC, make_lead, make_lines, rows, text_in


@pytest.fixture
async def setup(bindings, people):
    fake = FakeTwilio().start()
    bindings.sms = TwilioGateway(TWILIO_SID, TWILIO_TOKEN, fake.url, PUBLIC)
    made = await make_lines(bindings, people)
    yield made, fake
    fake.close()


async def lead_with_email(bindings, people) -> str:
    lead_id = await make_lead(bindings, people.owner, people.office_a, "Dana Whitfield", "(312) 555-0123")
    await bindings.db.run("UPDATE leads SET email = 'dana@example.test' WHERE display_id = ?", lead_id)
    return lead_id


async def test_lrs_1_to_4_sms_and_email_from_the_lead_with_history_newest_first(client, bindings, people, setup):
    _, fake = setup
    lead_id = await lead_with_email(bindings, people)
    await text_in(client, CUSTOMER, LINE_A, "Do you do weekend visits?")
    bindings.clock.advance(minutes=2)
    await sign_in_api(client, bindings, people.agent)
    sent = await client.post(
        f"/api/leads/{lead_id}/messages", json={"channels": ["sms", "email"], "body": "We do — Saturday 10am?"}
    )
    assert sent.status_code == 201 and set(sent.json()["sent"]) == {"sms", "email"}
    lead = (await rows(bindings, "SELECT first_response_at, status FROM leads WHERE display_id = ?", lead_id))[0]
    assert lead == {"first_response_at": "2026-11-22T15:02:00.000Z", "status": "fresh"}  # LRS-2, LRS-5
    await outbox.drain(bindings)
    history = (await client.get(f"/api/leads/{lead_id}/messages")).json()
    shown = [(m["channel"], m["direction"], m["state"]) for m in history["messages"]]
    assert shown[-1] == ("sms", "in", "received")
    assert sorted(shown[:2]) == [("email", "out", "failed"), ("sms", "out", "sent")]
    email = next(m for m in history["messages"] if m["channel"] == "email")
    assert "not fully configured" in email["error"]  # EML-4: the office has no identity yet
    assert history["channels"]["sms"]["state"] == "sent" and history["channels"]["email"]["state"] == "failed"
    assert [m["to"] for m in fake.sent] == [CUSTOMER]
    card = await client.get(f"/leads/{lead_id}/messages")
    assert card.status_code == 200 and "We do — Saturday 10am?" in card.text and "← received" in card.text


async def test_lrs_channels_are_checked_before_anything_is_queued(client, bindings, people, setup, db_path):
    from tests.conftest import snapshot_file

    lead_id = await lead_with_email(bindings, people)
    await text_in(client, CUSTOMER, LINE_A, "STOP")
    await sign_in_api(client, bindings, people.agent)
    before = snapshot_file(db_path)
    refused = await client.post(f"/api/leads/{lead_id}/messages", json={"channels": ["email", "sms"], "body": "hi"})
    assert refused.status_code == 403 and "opted out" in refused.json()["detail"]
    header = await client.post(
        f"/api/leads/{lead_id}/messages", json={"channels": ["email"], "body": "x", "subject": "a\r\nBcc: x@y"}
    )
    assert header.status_code == 422 and "subject" in header.json()["fields"]
    none = await client.post(f"/api/leads/{lead_id}/messages", json={"channels": ["fax"], "body": "x"})
    assert none.status_code == 422
    assert snapshot_file(db_path) == before
    ok = await client.post(f"/api/leads/{lead_id}/messages", json={"channels": ["email"], "body": "Email still works."})
    assert ok.status_code == 201  # LRS-6: the opt-out is SMS only


async def test_the_customer_record_shows_its_numbers_history(client, bindings, people, setup):
    from tests.customers_support import make_customer

    customer = await make_customer(bindings, people.office_a, "Hal Okafor", phone=CUSTOMER)
    await text_in(client, CUSTOMER, LINE_A, "Invoice question")
    await sign_in(client, bindings, people.agent)
    card = await client.get(f"/clients/{customer['display_id']}/messages")
    assert card.status_code == 200 and "Invoice question" in card.text and "msg-form" not in card.text
    listed = await client.get("/sms")
    assert "Hal Okafor" in listed.text  # SMS-2: a customer match when no lead matches


async def test_num_1_sync_upserts_by_number_keeping_our_settings(client, bindings, people, setup):
    _, fake = setup
    fake.numbers = [
        {"sid": "PNnew", "number": "+14155550100", "name": "New SF line"},
        {"sid": "PNa", "number": LINE_A, "name": "Main (renamed at Twilio)"},
    ]
    await sign_in_api(client, bindings, people.owner)
    answer = await client.post("/api/sms/lines/sync")
    assert answer.json() == {"seen": 2, "added": 1}
    await client.post("/api/sms/lines/sync")  # again: nothing new
    found = {
        r["number"]: r for r in await rows(bindings, "SELECT number, label, office_id, provider_ref FROM sms_lines")
    }
    assert len(found) == 6
    assert found[LINE_A] == {
        "number": LINE_A,
        "label": "Main (renamed at Twilio)",
        "office_id": people.office_a.id,
        "provider_ref": "PNa",
    }
    assert found["+14155550100"]["office_id"] is None
    lines_api = {line["number"]: line for line in (await client.get("/api/sms/lines")).json()["lines"]}
    assert lines_api["+18885550100"]["can_send"] is False
    await sign_in_api(client, bindings, people.admin)
    assert (await client.post("/api/sms/lines/sync")).status_code == 403


async def test_num_2_the_office_sender_line_and_a_line_moving_office_takes_its_threads(client, bindings, people, setup):
    made, _ = setup
    await text_in(client, CUSTOMER, LINE_A, "hello")
    await sign_in_api(client, bindings, people.owner)
    assert (
        await client.put(f"/api/sms/senders/{people.office_b.id}", json={"line_id": made.a["id"]})
    ).status_code == 200
    assert (await rows(bindings, "SELECT line_id FROM sms_office_senders WHERE office_id = ?", people.office_b.id))[0][
        "line_id"
    ] == made.a["id"]
    moved = await client.patch(
        f"/api/sms/lines/{made.a['id']}", json={"office_id": people.office_b.id, "no_reply": False, "label": "Main"}
    )
    assert moved.status_code == 200
    await sign_in_api(client, bindings, people.agent_b)
    assert [t["their_number"] for t in (await client.get("/api/sms/threads")).json()["threads"]] == [CUSTOMER]
    assert (await client.get("/api/last-change")).json()["unread"] == 1
    await sign_in_api(client, bindings, people.agent)
    assert (await client.get("/api/sms/threads")).json()["threads"] == []
    assert (await client.get("/api/last-change")).json()["unread"] == 0


async def test_num_5_templates_show_in_the_panel(client, bindings, people, setup):
    await sign_in_api(client, bindings, people.owner)
    made = await client.post("/api/sms/templates", json={"name": "On our way", "body": "Our tech is on the way!"})
    assert made.status_code == 201
    assert (await client.post("/api/sms/templates", json={"name": "on our way", "body": "x"})).status_code == 409
    assert (await client.post("/api/sms/templates", json={"name": "Long", "body": "x" * 1601})).status_code == 422
    await text_in(client, CUSTOMER, LINE_A, "where are you?")
    page = await client.get("/sms")
    assert "📋 Templates" in page.text and "Our tech is on the way!" in page.text
    assert (await client.delete(f"/api/sms/templates/{made.json()['id']}")).status_code == 204


async def test_the_maintenance_page_and_its_forms(client, bindings, people, setup):
    made, _ = setup
    csrf = await sign_in(client, bindings, people.owner)
    page = await client.get("/maintenance/sms")
    assert page.status_code == 200 and LINE_A in page.text and "Toll-free number" in page.text
    saved = await client.post(
        f"/maintenance/sms/lines/{made.a['id']}",
        data={"csrf_token": csrf, "office_id": str(people.office_a.id), "no_reply": "1", "label": "Main"},
    )
    assert saved.status_code == 303
    assert (await rows(bindings, "SELECT no_reply FROM sms_lines WHERE id = ?", made.a["id"]))[0]["no_reply"] == 1
    added = await client.post("/maintenance/sms/templates", data={"csrf_token": csrf, "name": "", "body": ""})
    assert added.status_code == 303 and added.headers["location"] == "/maintenance/sms"
    assert "name" in added.cookies.get("flash", "") or await rows(bindings, "SELECT * FROM sms_templates") == []
    assert await rows(bindings, "SELECT * FROM sms_templates") == []

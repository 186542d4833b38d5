"""Replies and every other send path (SMS-4, SMS-5, SMS-7, SMS-13, NUM-2…NUM-5, STOP-3…STOP-9 as
decided, LRS-2, quiet hours, bad input)."""

from __future__ import annotations

import html

import pytest

from core import outbox
from core.records import SYSTEM
from core.sms_gateway import TwilioGateway
from core.storage import DatabaseError
from leads import queue as lead_queue
from messaging import sms
from tests.conftest import sign_in_api, snapshot_file
from tests.fakes.sms_providers import TWILIO_SID, TWILIO_TOKEN, FakeTwilio
from tests.sms_support import CUSTOMER, LINE_A, NO_REPLY, PUBLIC, TOLL_FREE, drain, make_lead, make_lines, rows, text_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
PDF = b"%PDF-1.4 fake"


@pytest.fixture
async def setup(bindings, people):
    fake = FakeTwilio().start()
    bindings.sms = TwilioGateway(TWILIO_SID, TWILIO_TOKEN, fake.url, PUBLIC)
    made = await make_lines(bindings, people)
    yield made, fake
    fake.close()


async def thread_of(client, number: str = CUSTOMER, line: str = LINE_A) -> int:
    await text_in(client, number, line, "Hi, can someone come Tuesday?")
    return (await rows_for(client))[0]["id"]


async def rows_for(client) -> list[dict]:
    return (await client.get("/api/sms/threads")).json()["threads"]


async def test_sms_13_a_reply_is_queued_at_once_then_sent_through_the_outbox(client, bindings, people, setup):
    _, fake = setup
    await sign_in_api(client, bindings, people.agent)
    thread = await thread_of(client)
    answer = await client.post("/api/sms/reply", json={"thread_id": thread, "body": "Yes — 9am Tuesday."})
    assert answer.status_code == 201 and answer.json()["status"] == "queued"
    uid = answer.json()["uid"]
    queued = await rows(bindings, "SELECT kind, payload, status FROM outbox")
    assert [(r["kind"], r["payload"]) for r in queued] == [("sms", '{"uid":"' + uid + '"}')]
    await drain(bindings)
    assert [(m["to"], m["from"], m["body"]) for m in fake.sent] == [(CUSTOMER, LINE_A, "Yes — 9am Tuesday.")]
    assert fake.sent[0]["status_callback"] == f"{PUBLIC}/webhook/sms/twilio/status"
    assert (await rows(bindings, "SELECT status FROM sms_messages WHERE uid = ?", uid))[0]["status"] == "sent"
    await drain(bindings)
    assert len(fake.sent) == 1  # delivered once


async def test_sms_7_a_reply_resolves_the_earlier_inbounds(client, bindings, people, setup):
    await sign_in_api(client, bindings, people.agent)
    thread = await thread_of(client)
    await text_in(client, CUSTOMER, LINE_A, "Also the opener beeps")
    assert (await rows_for(client))[0]["unread"] == 2
    await client.post("/api/sms/reply", json={"thread_id": thread, "body": "Got it."})
    assert (await rows_for(client))[0]["unread"] == 0
    assert (await client.get("/api/last-change")).json()["unread"] == 0
    unresolved = await rows(bindings, "SELECT COUNT(*) AS n FROM sms_messages WHERE direction = 'in' AND resolved = 0")
    assert unresolved[0]["n"] == 0


async def test_lrs_2_a_persons_first_text_sets_first_response_once(client, bindings, people, setup):
    lead_id = await make_lead(bindings, people.owner, people.office_a, "Dana Whitfield", "(312) 555-0123")
    await sign_in_api(client, bindings, people.agent)
    thread = await thread_of(client)
    await client.post("/api/sms/reply", json={"thread_id": thread, "body": "On our way."})
    first = (await rows(bindings, "SELECT first_response_at FROM leads WHERE display_id = ?", lead_id))[0]
    assert first["first_response_at"] == "2026-11-22T15:00:00.000Z"
    bindings.clock.advance(minutes=5)
    await client.post("/api/sms/reply", json={"thread_id": thread, "body": "Here now."})
    again = (await rows(bindings, "SELECT first_response_at, status FROM leads WHERE display_id = ?", lead_id))[0]
    assert again["first_response_at"] == first["first_response_at"]
    assert again["status"] == "fresh"  # LRS-5: no automatic status change


@pytest.mark.parametrize(
    "number,notice",
    [(TOLL_FREE, "Toll-free number — SMS not available"), (NO_REPLY, "This forwarding number doesn't accept replies")],
)
async def test_num_3_num_4_toll_free_and_no_reply_lines_cannot_send(
    client, bindings, people, setup, number, notice, db_path
):
    await sign_in_api(client, bindings, people.agent)
    thread = await thread_of(client, line=number)
    page = await client.get(f"/sms?thread={thread}")
    assert notice in html.unescape(page.text) and 'name="body"' not in page.text
    before = snapshot_file(db_path)
    answer = await client.post("/api/sms/reply", json={"thread_id": thread, "body": "hello"})
    assert answer.status_code == 403 and notice in answer.json()["detail"]
    assert snapshot_file(db_path) == before


async def test_num_3_an_automation_from_a_toll_free_sender_fails_with_the_reason(bindings, people, setup):
    made, _ = setup
    from messaging import lines

    await lines.choose_sender(bindings.db, bindings.clock.now(), SYSTEM, people.office_a.id, made.toll_free["id"])
    lead_id = await make_lead(bindings, people.owner, people.office_a, "Dana", "(312) 555-0123")
    lead = await lead_queue.lead_for_user(bindings.db, people.owner, lead_id)
    with pytest.raises(Exception, match="Toll-free number"):
        await sms.send_to_lead(bindings.db, bindings.clock.now(), SYSTEM, lead, "Reminder", origin="automation")


@pytest.mark.parametrize(
    "body,status,field",
    [("", 422, "body"), ("   ", 422, "body"), ("x" * 1601, 422, "body"), ("card 4111 1111 1111 1111", 422, "body")],
)
async def test_bad_bodies_are_refused_naming_the_field(client, bindings, people, setup, body, status, field, db_path):
    await sign_in_api(client, bindings, people.agent)
    thread = await thread_of(client)
    before = snapshot_file(db_path)
    answer = await client.post("/api/sms/reply", json={"thread_id": thread, "body": body})
    assert answer.status_code == status and field in answer.json().get("fields", {})
    assert snapshot_file(db_path) == before


async def test_sms_4_sixteen_hundred_characters_is_the_limit_and_the_segments_count(client, bindings, people, setup):
    await sign_in_api(client, bindings, people.agent)
    thread = await thread_of(client)
    assert (await client.post("/api/sms/reply", json={"thread_id": thread, "body": "x" * 1600})).status_code == 201
    assert (sms.segments("x" * 160), sms.segments("x" * 161), sms.segments("x" * 1600), sms.segments("é" * 71)) == (
        1,
        2,
        11,
        2,
    )


async def test_sms_5_attachments_go_as_mms_and_bad_ones_are_413_or_415(client, bindings, people, setup, db_path):
    _, fake = setup
    await sign_in_api(client, bindings, people.agent)
    thread = await thread_of(client)
    ok = await client.post(
        "/api/sms/reply",
        data={"thread_id": str(thread), "body": "Here's the quote"},
        files={"file": ("quote.pdf", PDF, "application/pdf")},
    )
    assert ok.status_code == 201
    await drain(bindings)
    uid = ok.json()["uid"]
    assert fake.sent[0]["media"][0].startswith(f"{PUBLIC}/sms/media/{uid}/0?sig=")
    path = fake.sent[0]["media"][0].removeprefix(PUBLIC)
    fetched = await client.get(path)  # what the provider fetches: signed, no session needed
    assert fetched.status_code == 200 and fetched.content == PDF
    assert (await client.get(path.replace("sig=", "sig=0"))).status_code == 404
    before = snapshot_file(db_path)
    too_big = await client.post(
        "/api/sms/reply",
        data={"thread_id": str(thread)},
        files={"file": ("big.png", PNG + b"\0" * (4 * 1024 * 1024), "image/png")},
    )
    wrong = await client.post(
        "/api/sms/reply",
        data={"thread_id": str(thread)},
        files={"file": ("x.zip", b"PK\x03\x04zip", "application/zip")},
    )
    assert (too_big.status_code, wrong.status_code) == (413, 415)
    assert snapshot_file(db_path) == before


async def test_sms_5_exactly_four_mib_is_accepted(client, bindings, people, setup):
    await sign_in_api(client, bindings, people.agent)
    thread = await thread_of(client)
    exact = PNG + b"\0" * (4 * 1024 * 1024 - len(PNG))
    answer = await client.post(
        "/api/sms/reply", data={"thread_id": str(thread)}, files={"file": ("p.png", exact, "image/png")}
    )
    assert answer.status_code == 201


async def test_unknown_line_and_another_offices_thread_are_404(client, bindings, people, setup):
    made, _ = setup
    await sign_in_api(client, bindings, people.agent)
    thread = await thread_of(client)
    assert (
        await client.post("/api/sms/reply", json={"line_id": 99999, "to": CUSTOMER, "body": "x"})
    ).status_code == 404
    assert (
        await client.post("/api/sms/reply", json={"line_id": made.b["id"], "to": CUSTOMER, "body": "x"})
    ).status_code == 404
    await sign_in_api(client, bindings, people.agent_b)
    assert (await client.post("/api/sms/reply", json={"thread_id": thread, "body": "x"})).status_code == 404
    await sign_in_api(client, bindings, people.viewer)
    assert (await client.post("/api/sms/reply", json={"thread_id": thread, "body": "x"})).status_code == 403


async def test_a_new_conversation_can_start_from_a_line(client, bindings, people, setup):
    made, _ = setup
    await sign_in_api(client, bindings, people.agent)
    answer = await client.post("/api/sms/reply", json={"line_id": made.a["id"], "to": "(415) 555-0142", "body": "Hi!"})
    assert answer.status_code == 201
    assert [t["their_number"] for t in await rows_for(client)] == ["+14155550142"]


async def test_provider_5xx_is_retried_and_a_hard_4xx_fails_at_once_with_the_reason(client, bindings, people, setup):
    _, fake = setup
    fake.fail_next = [503]
    fake.unsubscribed.add("+13125550177")
    await sign_in_api(client, bindings, people.agent)
    thread = await thread_of(client)
    retried = (await client.post("/api/sms/reply", json={"thread_id": thread, "body": "one"})).json()["uid"]
    other = await thread_of(client, "+13125550177")
    refused = (await client.post("/api/sms/reply", json={"thread_id": other, "body": "two"})).json()["uid"]
    await drain(bindings)
    states = {
        r["uid"]: r for r in await rows(bindings, "SELECT uid, status, error FROM sms_messages WHERE direction = 'out'")
    }
    assert states[retried]["status"] == "queued"
    assert states[refused]["status"] == "failed" and "unsubscribed" in states[refused]["error"]
    bindings.clock.advance(seconds=6)
    await drain(bindings)
    states = {r["uid"]: r["status"] for r in await rows(bindings, "SELECT uid, status FROM sms_messages")}
    assert states[retried] == "sent"
    assert [r["status"] for r in await rows(bindings, "SELECT status FROM outbox ORDER BY created_at")] == [
        "delivered",
        "failed",
    ]


# --- opt-out ----------------------------------------------------------------------------------------


async def test_stop_3_stop_8_stop_9_opt_out_suppresses_logs_and_confirms_once(client, bindings, people, setup):
    _, fake = setup
    lead_id = await make_lead(bindings, people.owner, people.office_a, "Dana Whitfield", "(312) 555-0123")
    await sign_in_api(client, bindings, people.agent)
    thread = await thread_of(client)
    await text_in(client, CUSTOMER, LINE_A, "STOP", "SM" + "5" * 32)
    await text_in(client, CUSTOMER, LINE_A, "STOP", "SM" + "5" * 32)  # the same delivery again
    await text_in(client, CUSTOMER, LINE_A, "stop texting me")  # a second opt-out: no second confirmation
    ledger = await rows(bindings, "SELECT phone, kind, keyword, line_id, office_id FROM sms_consent_ledger ORDER BY id")
    assert [(r["phone"], r["kind"], r["keyword"]) for r in ledger] == [
        (CUSTOMER, "opt_out", "STOP"),
        (CUSTOMER, "opt_out", "stop"),
    ]
    assert (await rows(bindings, "SELECT phone FROM sms_suppressions"))[0]["phone"] == CUSTOMER
    timeline = await rows(
        bindings,
        "SELECT t.body FROM timeline_entries t JOIN leads l ON l.id = t.subject_id"
        " WHERE t.subject_type = 'lead' AND l.display_id = ? AND t.kind = 'sms.opt_out'",
        lead_id,
    )
    assert timeline[0]["body"] == '🚫 SMS opt-out — recipient replied "STOP"'
    await drain(bindings)
    assert [m["body"] for m in fake.sent] == [
        "Garage: You're unsubscribed and will get no more texts from us. Reply START to resubscribe."
    ]
    # every send path is refused now, a person's reply included (the decision over STOP-4)
    answer = await client.post("/api/sms/reply", json={"thread_id": thread, "body": "Sorry to see you go"})
    assert answer.status_code == 403 and "has opted out of SMS" in answer.json()["detail"]
    page = await client.get(f"/sms?thread={thread}")
    assert (
        "has opted out of SMS" in page.text and "until they reply START" in page.text and 'name="body"' not in page.text
    )
    lead = await lead_queue.lead_for_user(bindings.db, people.owner, lead_id)
    with pytest.raises(Exception, match="has opted out of SMS"):
        await sms.send_to_lead(bindings.db, bindings.clock.now(), SYSTEM, lead, "Reminder", origin="automation")
    with pytest.raises(DatabaseError, match="append-only"):
        await bindings.db.run("DELETE FROM sms_consent_ledger")


async def test_stop_6_suppression_is_by_number_across_the_workspace(client, bindings, people, setup):
    await text_in(client, CUSTOMER, LINE_A, "STOP")
    await sign_in_api(client, bindings, people.owner)
    answer = await client.post("/api/sms/reply", json={"line_id": setup[0].b["id"], "to": CUSTOMER, "body": "hi"})
    assert answer.status_code == 403


async def test_stop_9_a_confirmation_queued_but_delivered_after_five_minutes_is_refused(
    client, bindings, people, setup
):
    _, fake = setup
    fake.fail_next = [503]
    await text_in(client, CUSTOMER, LINE_A, "UNSUBSCRIBE")
    await drain(bindings)  # first attempt: provider down
    bindings.clock.advance(minutes=6)
    await drain(bindings)
    confirmation = (await rows(bindings, "SELECT status, error FROM sms_messages WHERE origin = 'confirmation'"))[0]
    assert confirmation["status"] == "failed" and "opted out" in confirmation["error"]
    assert fake.sent == []


async def test_stop_5_start_opts_back_in_and_stop_7_help_gets_the_office_reply(client, bindings, people, setup):
    _, fake = setup
    lead_id = await make_lead(bindings, people.owner, people.office_a, "Dana Whitfield", "(312) 555-0123")
    await sign_in_api(client, bindings, people.agent)
    thread = await thread_of(client)
    await text_in(client, CUSTOMER, LINE_A, "STOP")
    await text_in(client, CUSTOMER, LINE_A, "Start")
    assert await rows(bindings, "SELECT * FROM sms_suppressions") == []
    assert (await client.post("/api/sms/reply", json={"thread_id": thread, "body": "Welcome back"})).status_code == 201
    await text_in(client, CUSTOMER, LINE_A, "HELP")
    await drain(bindings)
    assert fake.sent[-1]["body"].startswith(
        "Garage: text or call us at +12125550100 for help. Msg & data rates may apply."
    )
    kinds = [r["kind"] for r in await rows(bindings, "SELECT kind FROM sms_consent_ledger ORDER BY id")]
    assert kinds == ["opt_out", "opt_in", "help"]
    marks = await rows(
        bindings,
        "SELECT t.kind, t.body FROM timeline_entries t JOIN leads l ON l.id = t.subject_id"
        " WHERE l.display_id = ? AND t.kind LIKE 'sms.%' ORDER BY t.id",
        lead_id,
    )
    assert [m["body"] for m in marks][1] == "✅ SMS opt-in"


@pytest.mark.parametrize("body", ["Cancel my appointment", "stopwatch?", "End of day works"])
async def test_stop_2_the_listed_non_opt_outs_change_nothing(client, bindings, people, setup, body):
    await text_in(client, CUSTOMER, LINE_A, body)
    assert await rows(bindings, "SELECT * FROM sms_consent_ledger") == []
    assert await rows(bindings, "SELECT * FROM sms_suppressions") == []


# --- quiet hours ------------------------------------------------------------------------------------


async def test_quiet_hours_hold_automations_but_not_a_persons_reply(client, bindings, people, setup):
    _, fake = setup
    lead_id = await make_lead(bindings, people.owner, people.office_a, "Dana", "(312) 555-0123", "33101")  # Miami ZIP
    lead = await lead_queue.lead_for_user(bindings.db, people.owner, lead_id)
    bindings.clock.set("2026-11-23T01:30:00.000Z")  # 20:30 in Miami: past Florida's 20:00
    await sms.send_to_lead(
        bindings.db, bindings.clock.now(), SYSTEM, lead, "Your estimate is ready", origin="automation"
    )
    held = (await rows(bindings, "SELECT next_attempt_at, status FROM outbox"))[0]
    assert held == {"next_attempt_at": "2026-11-23T13:00:00.000Z", "status": "pending"}  # 8:00 Miami
    await drain(bindings)
    assert fake.sent == []
    await sign_in_api(client, bindings, people.agent)
    thread = await thread_of(client)
    assert (await client.post("/api/sms/reply", json={"thread_id": thread, "body": "typed now"})).status_code == 201
    await drain(bindings)
    assert [m["body"] for m in fake.sent] == ["typed now"]
    bindings.clock.set("2026-11-23T13:00:00.000Z")
    await drain(bindings)
    assert [m["body"] for m in fake.sent] == ["typed now", "Your estimate is ready"]


async def test_outbox_registers_the_sms_kind():
    assert "sms" in outbox.HANDLERS


async def test_the_development_provider_delivers_into_the_thread_and_the_development_mailbox(
    client, bindings, people, setup
):
    from core.sms_gateway import DevGateway

    await sign_in_api(client, bindings, people.agent)
    thread = await thread_of(client)
    bindings.sms = DevGateway()  # no provider: the capture instead
    uid = (await client.post("/api/sms/reply", json={"thread_id": thread, "body": "Dev reply"})).json()["uid"]
    await drain(bindings)
    assert (await rows(bindings, "SELECT status FROM sms_messages WHERE uid = ?", uid))[0]["status"] == "delivered"
    captured = await rows(bindings, "SELECT channel, sender, recipient, body FROM dev_mailbox")
    assert captured == [{"channel": "sms", "sender": LINE_A, "recipient": CUSTOMER, "body": "Dev reply"}]

"""Inbound texts by provider webhook and delivery-status callbacks (SMS-1, SMS-2, SMS-8, SMS-9,
SMS-11, SMS-12, SMS-14; bad input: bad signature 401 with nothing stored, replay 200 with nothing new)."""

from __future__ import annotations

import pytest

from core.sms_gateway import TwilioGateway
from messaging import threads
from tests.conftest import sign_in_api, snapshot_file
from tests.fakes.sms_providers import TWILIO_SID, TWILIO_TOKEN, FakeTwilio
from tests.sms_support import CUSTOMER, LINE_A, LINE_B, PUBLIC, make_lead, make_lines, rows, status_in, text_in


@pytest.fixture
async def setup(bindings, people):
    fake = FakeTwilio().start()
    bindings.sms = TwilioGateway(TWILIO_SID, TWILIO_TOKEN, fake.url, PUBLIC)
    made = await make_lines(bindings, people)
    yield made, fake
    fake.close()


async def test_sms_12_inbound_is_stored_once_and_its_thread_lights_up(client, bindings, people, setup):
    await sign_in_api(client, bindings, people.agent)
    before = (await client.get("/api/last-change")).json()
    answer = await text_in(client, CUSTOMER, LINE_A, "Is Tuesday OK?", "SM" + "a" * 32)
    assert answer.status_code == 200 and "<Response>" in answer.text
    replay = await text_in(client, CUSTOMER, LINE_A, "Is Tuesday OK?", "SM" + "a" * 32)
    assert replay.status_code == 200
    assert len(await rows(bindings, "SELECT * FROM sms_messages")) == 1
    after = (await client.get("/api/last-change")).json()
    assert after["stamp"] > before["stamp"] and after["unread"] == 1
    listed = (await client.get("/api/sms/threads")).json()["threads"]
    assert [(t["their_number"], t["line"]["number"], t["unread"], t["last_direction"]) for t in listed] == [
        (CUSTOMER, LINE_A, 1, "in")
    ]


async def test_sms_1_threads_are_by_our_line_and_their_last_ten_digits(client, bindings, people, setup):
    await text_in(client, CUSTOMER, LINE_A, "one")
    await text_in(client, "(312) 555-0123", LINE_A, "two")  # same person, written otherwise
    await text_in(client, CUSTOMER, LINE_B, "three")  # another of our lines: another thread
    found = await rows(bindings, "SELECT line_id, their_last10, unread FROM sms_threads ORDER BY id")
    assert [(r["their_last10"], r["unread"]) for r in found] == [("3125550123", 2), ("3125550123", 1)]


async def test_bad_signature_is_401_and_stores_nothing(client, bindings, people, setup, db_path):
    before = snapshot_file(db_path)
    assert (await text_in(client, CUSTOMER, LINE_A, "hi", signature="bm9wZQ==")).status_code == 401
    assert (await text_in(client, CUSTOMER, LINE_A, "hi", signature="")).status_code == 401
    other = await client.post("/webhook/sms/ctm", content=b"{}", headers={"content-type": "application/json"})
    assert other.status_code == 404
    assert snapshot_file(db_path) == before


async def test_unknown_line_is_404_and_stores_nothing(client, bindings, people, setup):
    answer = await text_in(client, CUSTOMER, "+19175550000", "hi")
    assert answer.status_code == 404 and "not one of our SMS lines" in answer.json()["detail"]
    assert await rows(bindings, "SELECT * FROM sms_messages") == []


async def test_sms_14_card_numbers_are_redacted_before_storing(client, bindings, people, setup):
    await text_in(client, CUSTOMER, LINE_A, "my card is 4111 1111 1111 1111 exp 12/29")
    body = (await rows(bindings, "SELECT body FROM sms_messages"))[0]["body"]
    assert "4111" not in body and "exp 12/29" in body


async def test_sms_2_the_lead_is_named_when_matched_else_the_customer_else_the_number(client, bindings, people, setup):
    await make_lead(bindings, people.owner, people.office_a, "Dana Whitfield", "(312) 555-0123")
    await text_in(client, CUSTOMER, LINE_A, "hello")
    await text_in(client, "+13125550177", LINE_A, "who am I")
    await sign_in_api(client, bindings, people.admin)
    listed = {t["their_number"]: t for t in (await client.get("/api/sms/threads")).json()["threads"]}
    assert listed[CUSTOMER]["lead"]["name"] == "Dana Whitfield"
    assert listed["+13125550177"]["lead"] is None and listed["+13125550177"]["name"] is None


async def test_sms_11_threads_are_their_line_offices_and_no_office_lines_are_the_owners(
    client, bindings, people, setup
):
    await text_in(client, CUSTOMER, LINE_A, "to Garage")
    await text_in(client, CUSTOMER, LINE_B, "to Sliding")
    await text_in(client, CUSTOMER, "+16175550100", "to the spare line")
    seen = {}
    for who in ("owner", "agent", "agent_b", "viewer"):
        await sign_in_api(client, bindings, people.by_key[who])
        seen[who] = sorted(t["last_body"] for t in (await client.get("/api/sms/threads")).json()["threads"])
    assert seen == {
        "owner": ["to Garage", "to Sliding", "to the spare line"],
        "agent": ["to Garage"],
        "agent_b": ["to Sliding"],
        "viewer": ["to Garage"],
    }
    garage = (await rows(bindings, "SELECT id FROM sms_threads WHERE office_id = ?", people.office_a.id))[0]["id"]
    await sign_in_api(client, bindings, people.agent_b)
    assert (await client.get(f"/api/sms/threads/{garage}")).status_code == 404
    assert (await client.post(f"/api/sms/threads/{garage}/resolve")).status_code == 404
    assert (await client.get("/api/last-change")).json()["unread"] == 1
    await sign_in_api(client, bindings, people.partner)
    assert (await client.get("/api/sms/threads")).status_code == 403


async def test_sms_6_resolve_and_unread_move_the_badges(client, bindings, people, setup):
    await sign_in_api(client, bindings, people.agent)
    for body in ("one", "two", "three"):
        await text_in(client, CUSTOMER, LINE_A, body)
    thread = (await client.get("/api/sms/threads")).json()["threads"][0]
    assert thread["unread"] == 3 and (await client.get("/api/last-change")).json()["unread"] == 3
    assert (await client.post(f"/api/sms/threads/{thread['id']}/resolve")).json()["unread"] == 0
    assert (await client.get("/api/last-change")).json()["unread"] == 0
    assert (await client.post(f"/api/sms/threads/{thread['id']}/unread")).json()["unread"] == 1
    assert (await client.get("/api/last-change")).json()["unread"] == 1
    await text_in(client, CUSTOMER, LINE_A, "four")  # a new inbound reopens it
    assert (await client.get("/api/last-change")).json()["unread"] == 2


async def test_sms_3_search_and_filters(client, bindings, people, setup):
    await make_lead(bindings, people.owner, people.office_a, "Dana Whitfield", "(312) 555-0123")
    await text_in(client, CUSTOMER, LINE_A, "the garage door squeaks")
    await text_in(client, "+14155550188", LINE_B, "sliding door off its track")
    await sign_in_api(client, bindings, people.owner)

    async def found(query: str) -> list[str]:
        return [t["their_number"] for t in (await client.get(f"/api/sms/threads?{query}")).json()["threads"]]

    assert await found("q=squeaks") == [CUSTOMER]
    assert await found("q=whitf") == [CUSTOMER]
    assert await found("q=0188") == ["+14155550188"]
    assert await found(f"office={people.office_b.id}") == ["+14155550188"]
    await client.post(f"/api/sms/threads/{(await rows(bindings, 'SELECT id FROM sms_threads'))[0]['id']}/resolve")
    assert await found("unread=1") == ["+14155550188"]


async def test_sms_12_status_callbacks_move_forward_only_with_the_error_text(client, bindings, people, setup):
    await text_in(client, CUSTOMER, LINE_A, "hi")
    await sign_in_api(client, bindings, people.agent)
    thread = (await client.get("/api/sms/threads")).json()["threads"][0]["id"]
    await client.post("/api/sms/reply", json={"thread_id": thread, "body": "Tuesday at 9 works."})
    await client.post("/api/sms/reply", json={"thread_id": thread, "body": "See you then."})
    from tests.sms_support import drain

    await drain(bindings)
    sent = await rows(
        bindings, "SELECT uid, status, provider_ref FROM sms_messages WHERE direction = 'out' ORDER BY id"
    )
    assert [r["status"] for r in sent] == ["sent", "sent"]
    first, second = sent[0]["provider_ref"], sent[1]["provider_ref"]
    assert (await status_in(client, first, "delivered")).status_code == 200
    assert (await status_in(client, first, "sent")).status_code == 200  # late: ignored
    assert (await status_in(client, second, "undelivered", "30006")).status_code == 200
    assert (await status_in(client, "SMunknown", "delivered")).status_code == 200
    shown = (await client.get(f"/api/sms/threads/{thread}")).json()["messages"]
    assert [(m["status"], m["error"]) for m in shown if m["direction"] == "out"] == [
        ("delivered", None),
        ("failed", "Landline or unreachable carrier (Twilio 30006)"),
    ]


async def test_d1_safe_thread_statements_keep_the_stamp_counts(bindings, people, setup):
    """The unread total per office equals the sum over its threads after every kind of change."""
    from core.sms_gateway import InboundSms
    from messaging import sms

    now = bindings.clock.now()
    for i in range(4):
        await sms.receive(bindings.db, now, InboundSms(f"SMx{i}", CUSTOMER if i % 2 else "+13125550100", LINE_A, "x"))
    ids = [r["id"] for r in await rows(bindings, "SELECT id FROM sms_threads ORDER BY id")]
    await bindings.db.batch(threads.resolve(ids[0]))
    await bindings.db.batch(threads.mark_unread(ids[0]))
    stamp = await rows(bindings, "SELECT unread FROM sms_change_stamps WHERE office_id = ?", people.office_a.id)
    total = await rows(bindings, "SELECT sum(unread) AS n FROM sms_threads WHERE office_id = ?", people.office_a.id)
    assert stamp[0]["unread"] == total[0]["n"] == 3

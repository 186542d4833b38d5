"""Outbound webhooks end to end (issue 22, BEHAVIOUR §D): an event row in the change's batch (the
lead_events automations also read), the minute tick's feed past its cursor, one outbox row per
(event, destination), the signed POST checked by the official library at a real
receiver, retries, 410, dead letters, Redeliver, the dashboard and the timeline."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from core import outbox
from core.records import SYSTEM
from leads import actions as lead_actions
from leads import intake
from leads import sources as lead_sources
from leads.intake import Delivery
from webhooks import delivery, endpoints, leads_feed, log

assert delivery.KIND in outbox.HANDLERS


async def add(b, receiver, event="lead.created", kind="main", path="/hook", **body):
    row, secret = await endpoints.create(
        b, b.clock.now(), SYSTEM, {"event": event, "kind": kind, "url": receiver.url(path), **body}
    )
    receiver.secrets[path] = secret
    return row


async def new_lead(b, office, name="Ana Lopez", source="website", **fields):
    src = await lead_sources.by_key(b.db, source)
    payload = {"name": name, "phone": "3057942213", "email": "ana@example.com", "zip": "33101", **fields}
    outcome = await intake.receive(
        b.db, b.clock.now(), src, payload, Delivery("test", "application/json", "{}"), fixed_office=office
    )
    assert outcome.status == "created"
    return outcome.lead_id


async def run(b, times=2):
    for _ in range(times):
        await leads_feed.tick(b, b.clock.now())  # the minute tick: events into deliveries, then the drain
        await outbox.drain(b, 200)


async def test_a_new_lead_reaches_the_main_url_signed_with_the_workiz_payload(local, people, receiver):
    b = local
    await add(b, receiver)
    lead_id = await new_lead(b, people.office_a, card_note="4111 1111 1111 1111")
    events = await b.db.all("SELECT type FROM lead_events")
    assert [e["type"] for e in events] == ["lead_created"]  # written with the lead, in its batch
    await run(b)
    [got] = receiver.at("/hook")
    assert got.verified is True  # the official standardwebhooks library agrees
    assert got.headers["webhook-id"].startswith("msg_wh")
    assert got.headers["webhook-timestamp"] == str(int(b.clock.now().timestamp()))
    assert got.headers["content-type"] == "application/json"
    body = json.loads(got.body)
    assert body["LeadId"] == lead_id and body["Office"] == people.office_a.name  # WHO-18: Office on every event
    assert body["FirstName"] == "Ana" and body["LastName"] == "Lopez" and body["Status"] == "Fresh"
    assert body["CreatedDate"].endswith("Z") and body["PostalCode"] == "33101"
    assert set(body) >= {"UUID", "SerialId", "JobDateTime", "Team", "DepositAmount", "DisplayId", "IrrelevantReason"}
    assert "4111" not in got.body and len(got.body.encode()) <= 20 * 1024
    [row] = await log.timeline(b.db)
    assert row["status"] == "delivered" and row["http_status"] == 200 and row["body"] == got.body  # the exact body
    dash = await log.dashboard(b.db, b.clock.now(), "today")
    assert dash["events"] == {"lead.created": 1}
    assert [(d["delivered"], d["failed"]) for d in dash["destinations"]] == [(1, 0)]


async def test_a_fan_out_fires_only_when_its_filters_match_and_escapes_variables(local, people, receiver):
    b = local
    await add(b, receiver, kind="fanout", path="/b-only", filters={"offices": [people.office_b.id]})
    await add(
        b,
        receiver,
        kind="fanout",
        path="/form",
        filters={"offices": [people.office_a.id, people.office_b.id], "sources": ["website"]},
        payload_type="form",
        data=[{"key": "who", "value": "{{FirstName}} & {{Unknown}}={{7*7}}"}],
        headers=[{"name": "X-Lead", "value": "{{LeadId}}"}],
        basic_auth="zap:s3cret:x",
    )
    await add(
        b, receiver, kind="fanout", path="/xml", payload_type="xml", data=[{"key": "Name", "value": "<{{FirstName}}>"}]
    )
    lead_id = await new_lead(b, people.office_a, name="Bo&b Smith")
    await run(b)
    assert receiver.at("/b-only") == []  # WHO-7: the office is not among those chosen
    [form] = receiver.at("/form")
    assert form.verified and parse_qs(form.body) == {"who": ["Bo&b & ={{7*7}}"]}  # no expressions, unknown empty
    assert form.headers["content-type"] == "application/x-www-form-urlencoded"
    assert form.headers["x-lead"] == lead_id and form.headers["authorization"] == "Basic emFwOnMzY3JldDp4"
    [xml] = receiver.at("/xml")
    assert xml.body == '<?xml version="1.0"?><payload><Name>&lt;Bo&amp;b&gt;</Name></payload>'


async def test_a_broken_fan_out_never_holds_back_the_main_url(local, people, receiver):
    b = local
    await add(b, receiver, path="/main")
    await add(b, receiver, kind="fanout", path="/broken")
    receiver.answers["/broken"] = [500] * 20
    await new_lead(b, people.office_a)
    await run(b)
    assert [r.status for r in receiver.at("/main")] == [200]
    assert [r.status for r in receiver.at("/broken")] == [500]
    states = {r["url"].rsplit("/", 1)[1]: r["status"] for r in await log.timeline(b.db)}
    assert states == {"main": "delivered", "broken": "retrying"}


async def test_retries_on_the_schedule_honour_retry_after_and_keep_the_webhook_id(local, people, clock, receiver):
    b = local
    await add(b, receiver)
    receiver.answers["/hook"] = [(429, {"Retry-After": "600"}), 502]
    await new_lead(b, people.office_a)
    await run(b)
    row = await b.db.first("SELECT * FROM outbox WHERE kind = 'webhook'")
    assert row["status"] == "pending"
    assert row["next_attempt_at"] >= (clock.now().replace(microsecond=0)).isoformat()[:16]  # not before Retry-After
    clock.advance(seconds=300)
    await run(b, 1)
    assert len(receiver.at("/hook")) == 1  # 5 s schedule, but the receiver asked for 600 s
    clock.advance(seconds=301)
    await run(b, 1)  # 502 → retry
    clock.advance(seconds=300)
    await run(b, 1)
    ids = [r.headers["webhook-id"] for r in receiver.at("/hook")]
    assert [r.status for r in receiver.at("/hook")] == [429, 502, 200] and len(set(ids)) == 1


async def test_a_redirect_is_a_failure_and_410_disables_the_endpoint(local, people, receiver):
    b = local
    moved = await add(b, receiver, path="/moved")
    gone = await add(b, receiver, kind="fanout", path="/gone")
    receiver.answers["/moved"] = [(302, {"Location": "http://127.0.0.1:1/elsewhere"})]
    receiver.answers["/gone"] = [410]
    await new_lead(b, people.office_a)
    await run(b)
    statuses = {r["endpoint_id"]: (r["status"], r["http_status"]) for r in await log.timeline(b.db)}
    assert statuses == {moved["id"]: ("failed", 302), gone["id"]: ("failed", 410)}
    assert len(receiver.received) == 2  # the redirect was not followed
    now_gone = await endpoints.get(b.db, gone["id"])
    assert now_gone["enabled"] == 0 and "410" in now_gone["disabled_reason"]
    assert (await endpoints.get(b.db, moved["id"]))["enabled"] == 1


async def test_a_dead_letter_is_audited_and_redeliver_keeps_the_webhook_id(local, people, clock, receiver):
    b = local
    await add(b, receiver)
    receiver.default = 503
    await new_lead(b, people.office_a)
    await run(b, 1)
    for _ in range(outbox.MAX_ATTEMPTS):
        await run(b, 1)
        clock.advance(hours=11)
    [row] = await b.db.all("SELECT * FROM outbox WHERE kind = 'webhook'")
    assert row["status"] == "dead" and len(receiver.at("/hook")) == outbox.MAX_ATTEMPTS
    audit = await b.db.all("SELECT action FROM audit_log WHERE action = 'webhook.dead_letter'")
    assert len(audit) == 1
    assert await log.dead_letters(b.db, clock.now()) == 1
    receiver.default = 200
    await outbox.redeliver(b.db, clock.now(), SYSTEM, row["id"])
    await run(b, 1)
    ids = {r.headers["webhook-id"] for r in receiver.at("/hook")}
    assert ids == {row["id"]} and receiver.at("/hook")[-1].status == 200


async def test_a_fan_out_run_twice_adds_no_second_delivery(local, people, receiver):
    b = local
    await add(b, receiver)
    await new_lead(b, people.office_a)
    assert await leads_feed.tick(b, b.clock.now()) == {"lead_events": 1, "lead_webhook_events": 1}
    assert await leads_feed.tick(b, b.clock.now()) == {}  # the cursor moved with the batch
    await b.db.run("UPDATE webhook_cursors SET last_id = 0 WHERE source = 'lead_events'")  # a page read again…
    assert await leads_feed.tick(b, b.clock.now()) == {"lead_events": 1, "lead_webhook_events": 1}
    await run(b)  # …adds no second message (deterministic ids, INSERT OR IGNORE)
    assert len(await b.db.all("SELECT id FROM outbox WHERE kind = 'webhook'")) == 1
    assert len(receiver.at("/hook")) == 1


async def test_a_tick_that_lost_the_cursor_race_writes_nothing(local, people, receiver):
    b = local
    await add(b, receiver)
    await new_lead(b, people.office_a)
    await b.db.run("INSERT OR REPLACE INTO webhook_cursors (source, last_id) VALUES ('lead_events', 0)")
    real_batch = b.db.batch

    async def overtaken(statements):  # another tick moves the cursor between our read and our write
        await b.db.run("UPDATE webhook_cursors SET last_id = 99 WHERE source = 'lead_events'")
        return await real_batch(statements)

    b.db.batch = overtaken
    try:
        assert await leads_feed.tick(b, b.clock.now()) == {"lost": 1}
    finally:
        b.db.batch = real_batch
    assert await b.db.all("SELECT id FROM outbox WHERE kind = 'webhook'") == []


async def test_cancelled_lead_fires_on_every_entry_into_irrelevant(local, people, receiver):
    b = local
    await add(b, receiver, event="lead.cancelled")
    lead_id = await new_lead(b, people.office_a)
    for status, reason in (
        ("irrelevant", "Wrong service"),
        ("irrelevant", "Prank"),
        ("fresh", None),
        ("irrelevant", "Again"),
    ):
        row = await b.db.first("SELECT * FROM leads WHERE display_id = ?", lead_id)
        await lead_actions.change_status(b.db, b.clock.now(), people.owner, row, status, reason=reason)
    await run(b)
    got = receiver.at("/hook")  # WHO-5: every entry fires; staying Irrelevant with a new reason does not
    reasons = sorted(json.loads(r.body)["IrrelevantReason"] for r in got)
    assert reasons == ["Again", "Wrong service"] and {json.loads(r.body)["Status"] for r in got} == {"Irrelevant"}
    assert len({r.headers["webhook-id"] for r in got}) == 2


async def test_a_disabled_endpoint_receives_nothing_and_purge_keeps_the_counters(local, people, clock, receiver):
    b = local
    row = await add(b, receiver)
    await new_lead(b, people.office_a)
    await run(b)
    await endpoints.update(b, clock.now(), SYSTEM, row, {"enabled": False})
    await new_lead(b, people.office_a, name="Other Person", phone="3057942299", email="o@example.com")
    await run(b)
    assert len(receiver.at("/hook")) == 1
    clock.advance(days=31)
    assert (await delivery.purge(b, clock.now()))["webhook_deliveries_purged"] >= 1
    assert await log.timeline(b.db) == []
    dash = await log.dashboard(b.db, clock.now(), "all")
    assert dash["events"]["lead.created"] == 2 and dash["destinations"][0]["delivered"] == 1
    assert (await log.dashboard(b.db, clock.now(), "7d"))["events"] == {}


async def test_a_receiver_that_hangs_past_the_timeout_is_retried(local, people, receiver, monkeypatch):
    b = local
    monkeypatch.setattr(delivery, "TIMEOUT", 0.3)  # 15 s in production; the same code path, shorter
    receiver.slow_seconds = 1.0
    await add(b, receiver)
    receiver.answers["/hook"] = ["timeout"]
    await new_lead(b, people.office_a)
    await run(b)
    row = await b.db.first("SELECT status, last_error FROM outbox WHERE kind = 'webhook'")
    assert row["status"] == "pending" and "timed out" in row["last_error"]
    [logged] = await log.timeline(b.db)
    assert logged["status"] == "retrying"

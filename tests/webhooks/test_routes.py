"""Webhooks' JSON API and page (owner only), bad input (422 on the field, nothing saved), the SSRF
guard at save and at send, and the per-Job-Partner inbound lead URL (WHI-4, WHI-6)."""

from __future__ import annotations

import json

import pytest

from core import outbound
from core.records import SYSTEM
from leads import intake
from network import settings as job_settings
from tests.conftest import make_settings, sign_in_api, snapshot_file
from webhooks import endpoints, partner_urls

API = "/api/webhooks/endpoints"


async def test_only_the_owner_reaches_any_of_it(client, bindings, people):
    for who in ("admin", "finance", "agent", "viewer", "partner"):
        await sign_in_api(client, bindings, getattr(people, who))
        assert (await client.get(API)).status_code == 403
        assert (await client.get("/maintenance/webhooks")).status_code == 403
        assert (
            await client.post(API, json={"event": "lead.created", "url": "https://example.com/x"})
        ).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/x"}, "url"),
        ({"url": "http://10.0.0.5/hook"}, "url"),
        ({"url": "http://169.254.169.254/latest/meta-data"}, "url"),
        ({"url": "http://100.64.0.1/x"}, "url"),
        ({"url": "http://[::ffff:192.168.0.1]/x"}, "url"),
        ({"url": "http://127.0.0.1:9/x"}, "url"),
        ({"kind": "fanout", "headers": [{"name": "Host", "value": "x"}]}, "headers"),
        ({"kind": "fanout", "headers": [{"name": "X-A", "value": "a\r\nX-B: b"}]}, "headers"),
        ({"kind": "fanout", "basic_auth": "no-colon"}, "basic_auth"),
        ({"kind": "fanout", "payload_type": "xml", "data": [{"key": "1bad", "value": "x"}]}, "data"),
        ({"event": "job.expected_completion_changed"}, "kind"),
        ({"headers": [{"name": "X-A", "value": "1"}]}, "headers"),  # the builder is for fan-outs only (WHO-14)
        ({"kind": "fanout", "filters": {"job_types": [1]}}, "filters"),  # not a lead-event dimension
    ],
)
async def test_bad_input_is_a_422_on_its_field_and_saves_nothing(client, bindings, people, db_path, body, field):
    await sign_in_api(client, bindings, people.owner)
    before = snapshot_file(db_path)
    answer = await client.post(API, json={"event": "lead.created", "url": "https://example.com/hook", **body})
    assert answer.status_code == 422, answer.text
    assert field in answer.json().get("fields", {}), answer.json()
    after = snapshot_file(db_path)
    assert {t: r for t, r in after.items() if t not in ("sessions",)} == {
        t: r for t, r in before.items() if t not in ("sessions",)
    }


async def test_create_shows_the_secret_once_and_never_again(client, bindings, people):
    await sign_in_api(client, bindings, people.owner)
    made = await client.post(API, json={"event": "lead.created", "url": "https://93.184.215.14/hook"})
    assert made.status_code == 201, made.text
    secret = made.json()["secret"]
    assert secret.startswith("whsec_")
    listed = await client.get(API)
    assert secret not in listed.text and "secret" not in listed.json()["items"][0]
    again = await client.post(API, json={"event": "lead.created", "url": "https://93.184.215.14/other"})
    assert again.status_code == 409  # one main URL per event
    rotated = await client.post(f"{API}/{made.json()['id']}/rotate-secret")
    assert rotated.json()["secret"].startswith("whsec_") and rotated.json()["secret"] != secret
    fan = await client.post(
        API, json={"event": "lead.created", "kind": "fanout", "url": "https://93.184.215.14/f", "basic_auth": "u:p"}
    )
    assert fan.status_code == 201 and fan.json()["basic_auth_set"] is True and "u:p" not in (await client.get(API)).text
    page = await client.get("/maintenance/webhooks")
    assert page.status_code == 200 and "New Lead Webhook URL" in page.text and secret not in page.text
    for tab in ("dashboard", "timeline"):
        assert (await client.get(f"/maintenance/webhooks?tab={tab}")).status_code == 200
    assert (await client.get("/openapi.json")).json()["paths"].get("/api/webhooks/endpoints")


async def test_production_takes_https_only_and_no_allowance():
    with pytest.raises(outbound.BlockedDestination):
        outbound.check_user_url("http://93.184.215.14/x", production=True)
    with pytest.raises(outbound.BlockedDestination):
        outbound.check_user_url("https://127.0.0.1/x", production=True, allow_hosts=frozenset({"127.0.0.1"}))
    outbound.check_user_url("https://93.184.215.14/x", production=True)
    assert make_settings().production is False


async def test_the_guard_runs_again_at_send(local, people, receiver):
    b = local
    await endpoints.create(b, b.clock.now(), SYSTEM, {"event": "lead.created", "url": receiver.url()})
    b.outbound_allow = frozenset()  # the allowance gone: as if the name now resolved inside
    from tests.webhooks.test_delivery import new_lead, run

    await new_lead(b, people.office_a)
    await run(b)  # the minute tick: the lead feed, then the drain
    assert receiver.received == []
    msg = await b.db.first("SELECT status, last_error FROM outbox WHERE kind = 'webhook'")
    assert msg["status"] == "failed" and "blocked" in msg["last_error"]


async def test_a_partner_lead_url_stamps_the_partner_and_rate_limits_are_audited(client, bindings, people, clock):
    partner = await job_settings.create_value(
        bindings.db, clock.now(), SYSTEM, job_settings.KINDS["job_partners"], {"name": "Acme Doors"}
    )
    token = await partner_urls.issue(bindings.db, clock.now(), SYSTEM, partner["id"])
    body = {"name": "Pat Jones", "phone": "3057940000", "partner_name": "Someone Else"}
    answer = await client.post(f"/webhook/partner/{token}", json=body)
    assert answer.status_code == 200, answer.text
    lead = await bindings.db.first("SELECT partner_name FROM leads WHERE display_id = ?", answer.json()["lead_id"])
    assert lead["partner_name"] == "Acme Doors"
    assert (await client.post("/webhook/partner/jp_wrong", json=body)).status_code == 401
    new = await partner_urls.issue(bindings.db, clock.now(), SYSTEM, partner["id"])
    assert (await client.post(f"/webhook/partner/{token}", json=body)).status_code == 401  # the old URL retired
    for i in range(intake.RATE_LIMIT + 1):
        last = await client.post(f"/webhook/partner/{new}", json={"name": f"P {i}", "phone": f"305794{i:04d}"})
    assert last.status_code == 429
    hits = await bindings.db.all("SELECT action FROM audit_log WHERE action = 'intake.rate_limited'")
    assert len(hits) >= 1  # WHI-6: each refused delivery is audited
    assert json.loads((await bindings.db.first("SELECT payload FROM lead_events LIMIT 1"))["payload"]) == {}


async def test_the_demo_endpoints_point_at_the_development_receiver(client, bindings, people, clock):
    from ops import demo_webhooks

    assert await demo_webhooks.seed(bindings, clock.now(), SYSTEM) == "5 webhook endpoints → the development receiver"
    assert await demo_webhooks.seed(bindings, clock.now(), SYSTEM) is None  # idempotent
    rows = await endpoints.all_endpoints(bindings.db)
    assert all(r["url"].startswith("http://127.0.0.1:") and "/dev/webhook-receiver/" in r["url"] for r in rows)
    answer = await client.post("/dev/webhook-receiver/zapier-new-lead", content=b"{}", headers={"webhook-id": "msg_x"})
    assert answer.status_code == 200 and answer.json()["webhook_id"] == "msg_x"

"""Weekly payment summaries (FIN-8) and Finance settings (FIN-10): the New York week across DST, exact
cents, reimbursement lines for finance-cancelled jobs, once per (week, recipient) under overlapping
ticks, a contractor without a report address, archived jobs left out, the settings' roles and 422s,
Send now through the outbox into the development mailbox."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from core import outbox
from tasks import payment_summaries as ps
from tests.conftest import sign_in_api
from tests.jobs.support import make_network, new_job
from tests.sms_support import make_lines
from tests.tasks.test_report_emails import _finance

NY = ZoneInfo("America/New_York")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NY)


@pytest.fixture
async def net(client, bindings, people):
    return await make_network(client, bindings, people.owner)


async def _done(client, net, closing, parts, status="done", **job):
    created = await new_job(client, net, **job)
    body = {"status": status, "closing_cents": closing, "parts_cents": parts}
    if status == "deposit":
        body = {"status": "deposit", "deposit_cents": 5000, "expected_completion_date": "2026-12-20"}
    r = await client.post(f"/api/jobs/{created['display_id']}/status", json=body)
    assert r.status_code == 200, r.text
    if status == "deposit":
        r = await client.patch(
            f"/api/finance/{created['display_id']}", json={"closing_cents": closing, "parts_cents": parts}
        )
        assert r.status_code == 200, r.text
    return r.json()


async def _emails(bindings):
    rows = await bindings.db.all("SELECT payload FROM outbox WHERE kind = 'email' ORDER BY created_at, id")
    return [json.loads(r["payload"]) for r in rows]


def test_week_is_sunday_to_saturday_in_new_york_across_dst():
    # Sunday Nov 1 2026: clocks fall back at 2 AM. The send at 23:00 EST is 04:00 UTC Monday.
    w = ps.latest_week(at("2026-11-01T23:00"))
    assert (w.key, w.start, w.end) == ("2026-10-25", date(2026, 10, 25), date(2026, 10, 31))
    assert w.fires_at.astimezone(ZoneInfo("UTC")).hour == 4  # EST (UTC−5)
    assert w.starts_at == "2026-10-25T04:00:00.000Z"  # EDT midnight
    assert w.ends_at == "2026-11-01T04:00:00.000Z"  # EDT midnight (the change comes at 2 AM)
    nxt = ps.latest_week(at("2026-11-08T23:00"))
    assert nxt.starts_at == "2026-11-01T04:00:00.000Z" and nxt.ends_at == "2026-11-08T05:00:00.000Z"  # 169 hours
    assert ps.latest_week(at("2026-11-01T22:59")).key == "2026-10-18"  # not yet Sunday 23:00
    assert ps.latest_week(at("2026-11-04T10:00")).key == "2026-10-25"  # mid-week: still the last one
    spring = ps.latest_week(at("2026-03-08T23:00"))  # clocks sprang forward that morning
    assert spring.fires_at.astimezone(ZoneInfo("UTC")).hour == 3 and spring.key == "2026-03-01"
    cur = ps.current_week(at("2026-11-24T10:00"))
    assert (cur.start, cur.end) == (date(2026, 11, 22), date(2026, 11, 28))


async def test_summary_lines_in_exact_cents_with_reimbursements(client, bindings, people, net, clock):
    await sign_in_api(client, bindings, people.owner)
    a = await _done(client, net, 100000, 20000, contractor_id=net.mike["id"], date_start="2026-11-24")  # 40 %
    b = await _done(client, net, 100, 0, contractor_id=net.mike["id"], date_start="2026-11-25")  # 33.33 %
    await client.patch(f"/api/finance/{b['display_id']}", json={"profit_bp": 3333})
    paid = await _done(client, net, 50000, 10000, contractor_id=net.mike["id"], date_start="2026-11-10")
    await client.put(f"/api/finance/{paid['display_id']}/paid", json={"flag": "contractor_paid", "paid": True})
    unpaid = await _done(client, net, 30000, 0, contractor_id=net.mike["id"], date_start="2026-11-11")
    archived = await _done(client, net, 99900, 0, contractor_id=net.mike["id"], date_start="2026-11-26")
    assert (await client.post(f"/api/jobs/{archived['display_id']}/archive", json={})).status_code == 200
    clock.set(at("2026-11-26T12:00"))  # the two older jobs are finance-cancelled this week
    await sign_in_api(client, bindings, people.owner)
    for job, reason in ((paid, "Chargeback"), (unpaid, "Refund")):
        r = await client.post(
            f"/api/finance/{job['display_id']}/cancel", json={"reason": reason, "note": "card dispute"}
        )
        assert r.status_code == 200, r.text
    week = ps.current_week(clock.now())
    found = {(s.kind, s.name): s for s in await ps.gather(bindings.db, week)}
    mike = found[("contractor", "Mike Hernandez")]
    assert [j["display_id"] for j in mike.jobs] == [a["display_id"], b["display_id"]]  # archived left out (ARC-6)
    assert [j["display_id"] for j in mike.reimbursements] == [paid["display_id"], unpaid["display_id"]]
    t = mike.totals()
    # 40 %: (100000 − 20000) × 0.6 = 48000; 33.33 %: 100 × 0.6667 = 66.67 → 67
    assert (t["closing_cents"], t["parts_cents"], t["payout_cents"]) == (100100, 20000, 48067)
    assert t["unpaid_cents"] == 48067 and t["paid_cents"] == 0
    assert [ps.reclaim_cents(j) for j in mike.reimbursements] == [24000, 0]  # paid: (50000−10000)×0.6; unpaid: 0
    assert t["reclaim_cents"] == 24000
    subject, text, html = ps.build(mike, week, "+13055550100")
    assert subject == "Weekly payment summary — Mike Hernandez — Sun Nov 22 – Sat Nov 28, 2026"
    assert "Payout: $480.00" in text and "Payout: $0.67" in text and "Profit %: 33.33%" in text
    assert "Contractor payout: $480.67" in text and "To reclaim (finance-cancelled): $240.00" in text
    assert "Reason: Chargeback · Note: card dispute · To reclaim: $240.00" in text
    assert "To reclaim: $0.00 (not paid)" in text
    assert "Questions? Text Finance at (305) 555-0100." in text
    assert "$999.00" not in text and "<td style" in html
    partner = found[("job_partner", "GDQ")]
    _, ptext, _ = ps.build(partner, week, None)
    assert "To reclaim: — (partner paid: no)" in ptext and "Questions?" not in ptext


async def test_once_per_week_and_recipient_under_overlapping_ticks(client, bindings, people, net, clock):
    await sign_in_api(client, bindings, people.owner)
    await client.patch(f"/api/job-partners/{net.partner}", json={"report_email": "Payouts@GDQ.test"})
    await _done(client, net, 100000, 20000, contractor_id=net.mike["id"], date_start="2026-11-24")
    await _done(client, net, 20000, 0, contractor_id=net.joe["id"], date_start="2026-11-28")  # Joe: no email
    await _done(client, net, 20000, 0, contractor_id=net.joe["id"], date_start="2026-11-29")  # next week
    r = await client.put("/api/finance-settings", json={"weekly_enabled": True})
    assert r.status_code == 200 and r.json()["weekly_enabled"] is True
    clock.set(at("2026-11-29T22:45"))  # Sunday, before 23:00: the week of Nov 15 is past its grace
    assert (await ps.tick(bindings.db, clock.now()))["payment_summaries"] == 0
    clock.set(at("2026-11-29T23:15"))
    results = await asyncio.gather(*(ps.tick(bindings.db, clock.now()) for _ in range(4)))
    assert sum(r["payment_summaries"] for r in results) == 2  # Mike and GDQ
    assert sum(r["payment_summaries_skipped"] for r in results) == 1  # Joe
    clock.set(at("2026-11-30T08:00"))  # a late tick: nothing more
    assert (await ps.tick(bindings.db, clock.now()))["payment_summaries"] == 0
    emails = await _emails(bindings)
    assert sorted(e["to"] for e in emails) == ["mike@acme.test", "payouts@gdq.test"]
    assert all(e["identity"] == "finance" and "Nov 22 – Sat Nov 28" in e["subject"] for e in emails)
    sends = {(s["recipient_name"], s["outcome"], s["reason"]) for s in await ps.recent_sends(bindings.db)}
    assert ("Joe Smith", "skipped", ps.NO_CONTRACTOR_EMAIL) in sends and ("GDQ", "sent", "") in sends
    clock.set(at("2026-12-07T12:00"))  # a week with no tick at its send time: not back-filled
    assert (await ps.tick(bindings.db, clock.now()))["payment_summaries"] == 0
    await sign_in_api(client, bindings, people.owner)
    page = await client.get("/maintenance/finance")
    assert page.status_code == 200 and "skipped: The contractor has no Email (Reports) address." in page.text


async def test_disabled_sends_nothing(client, bindings, people, net, clock):
    await sign_in_api(client, bindings, people.owner)
    await _done(client, net, 100000, 20000, contractor_id=net.mike["id"], date_start="2026-11-24")
    clock.set(at("2026-11-29T23:15"))
    assert (await ps.tick(bindings.db, clock.now()))["payment_summaries"] == 0
    assert not await _emails(bindings)


@pytest.mark.parametrize("who", ["admin", "agent", "viewer", "finance"])
async def test_only_the_owner_has_finance_settings(client, bindings, people, who):
    await sign_in_api(client, bindings, getattr(people, who))
    assert (await client.get("/api/finance-settings")).status_code == 403
    assert (await client.put("/api/finance-settings", json={"weekly_enabled": True})).status_code == 403
    assert (await client.post("/api/finance-settings/send-now", json={"to": "x@example.test"})).status_code == 403
    assert (await client.get("/maintenance/finance")).status_code == 403


async def test_bad_input_is_422_naming_the_field(client, bindings, people):
    made = await make_lines(bindings, people)
    await sign_in_api(client, bindings, people.owner)
    for body, name in (
        ({"sms_line_id": made.toll_free["id"]}, "sms_line_id"),  # NUM-3
        ({"sms_line_id": made.no_reply["id"]}, "sms_line_id"),  # NUM-4
        ({"sms_line_id": 999999}, "sms_line_id"),
        ({"weekly_enabled": "yes"}, "weekly_enabled"),
        ({"weekly_enabled": None}, "weekly_enabled"),
        ({"colour": "red"}, "colour"),
    ):
        r = await client.put("/api/finance-settings", json=body)
        assert r.status_code == 422 and name in r.text, (body, r.text)
    assert (await client.get("/api/finance-settings")).json()["sms_line_id"] is None  # nothing changed
    r = await client.put("/api/finance-settings", json={"sms_line_id": made.a["id"], "version": 1})
    assert r.status_code == 200 and r.json()["sms_line_number"] == "+12125550100"
    stale = await client.put("/api/finance-settings", json={"weekly_enabled": True, "version": 1})
    assert stale.status_code == 409
    bad = await client.post("/api/finance-settings/send-now", json={"to": "not an address"})
    assert bad.status_code == 422 and "to" in bad.json()["fields"]
    empty = await client.post("/api/finance-settings/send-now", json={"to": "owner@example.test", "week": "last"})
    assert empty.status_code == 422 and "week" in empty.json()["fields"]  # no jobs at all
    odd = await client.post("/api/finance-settings/send-now", json={"to": "owner@example.test", "week": "someday"})
    assert odd.status_code == 422 and "week" in odd.json()["fields"]
    partner = await client.post("/api/job-partners", json={"name": "P1", "report_email": "nope"})
    assert partner.status_code == 422 and "report_email" in partner.text


async def test_send_now_lands_in_the_dev_mailbox_unstamped(client, bindings, people, net, clock):
    await _finance(bindings, people)
    await sign_in_api(client, bindings, people.owner)
    await _done(client, net, 100000, 20000, contractor_id=net.mike["id"], date_start="2026-11-24")
    r = await client.post("/api/finance-settings/send-now", json={"to": "owner@example.test"})
    assert r.status_code == 200 and r.json() == {"queued": 2}  # Mike and GDQ
    await outbox.drain(bindings)
    mails = await bindings.db.all("SELECT * FROM dev_mailbox WHERE channel = 'email' ORDER BY subject")
    assert [m["subject"] for m in mails] == [
        "[Preview → mike@acme.test] Weekly payment summary — Mike Hernandez — Sun Nov 22 – Sat Nov 28, 2026",
        "[Preview → no address: would be skipped] Weekly payment summary — GDQ — Sun Nov 22 – Sat Nov 28, 2026",
    ]
    assert "Payout: $480.00" in mails[0]["body"]
    assert not await bindings.db.all("SELECT * FROM finance_summary_sends")
    audit = await bindings.db.first("SELECT * FROM audit_log WHERE action = 'finance.summaries_preview'")
    assert audit is not None and "owner@example.test" in audit["summary"]

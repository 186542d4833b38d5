"""Billing against the fake Intuit: sales metrics on the hand-checked fixture set with a frozen clock,
the summary and /billing, the panel on a customer record, active estimates and the status write-back
(outbox, 5010 re-read and one retry, requestid replay), and who may see or change any of it.

The fixture set (tests/fixtures/quickbooks/), amounts before tax, on Sunday 2026-11-22 (New York):
  invoices 130 (11-02, 500 + 40 tax, from estimate 100), 131 (11-16, 1,000 + 80), 132 (10-05, 200 + 16,
  overdue since 11-04), 133 (11-18, voided: 0), 134 (01-15, 100, inactive customer 4);
  sales receipts 300 (11-22, 100 + 8), 301 (11-15, 50 + 4); credit memo 400 (11-17, 50 + 4);
  refund receipt 500 (11-19, 20 + 1.60).
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

import cron
from core.clock import parse
from quickbooks import estimates, metrics, sync
from quickbooks.api import Api
from quickbooks.documents import company
from tests.conftest import PERSONAS, make_settings, sign_in, sign_in_api, snapshot_file
from tests.customers_support import make_customer
from tests.fakes.quickbooks import FakeQuickBooks
from tests.quickbooks_support import connect, fake_fixture, rows, run_import, settings_fixture  # noqa: F401


async def imported(client, bindings, people) -> None:
    await connect(client, bindings, people.owner)
    assert (await client.post("/api/quickbooks/import", json={})).status_code == 202
    await run_import(bindings)


def by_window(found: dict) -> dict[str, tuple[int, int, float | None]]:
    return {w["window"]: (w["cents"], w["prior_cents"], w["change_pct"]) for w in found["sales"]}


async def test_it_computes_the_hand_checked_sales_metrics(client, bindings, people, fake):
    await imported(client, bindings, people)
    answer = (await client.get("/api/billing/metrics")).json()
    assert answer["today"] == "2026-11-22" and answer["time_zone"] == "America/New_York"
    assert by_window(answer) == {
        # today: sales receipt 300; yesterday nothing
        "day": (10000, 0, None),
        # a Sunday: the week is today alone, beside last Sunday (sales receipt 301)
        "week": (10000, 5000, 100.0),
        # November: 500 + 1,000 + 0 (voided) + 100 + 50 − 50 (credit memo) − 20 (refund) = 1,580,
        # beside 1–22 October: invoice 132
        "month": (158000, 20000, 690.0),
        # the year adds October's 200 and January's 100 (an inactive customer's invoice still counts)
        "year": (188000, 0, None),
    }
    week = next(w for w in answer["sales"] if w["window"] == "week")
    assert (week["start"], week["prior_start"], week["prior_end"]) == ("2026-11-22", "2026-11-15", "2026-11-15")
    # Tax since 1 October: 40 + 80 + 16 + 0 + 8 + 4 − 4 − 1.60
    assert answer["sales_tax_quarter"] == {"start": "2026-10-01", "end": "2026-11-22", "cents": 14240}
    assert answer["balances"]["checking"] == {
        "qbo_id": "35",
        "account": "Checking",
        "cents": 1250000,
        "chosen_by": "auto",
    }
    assert answer["balances"]["credit_card"]["account"] == "Mastercard"
    assert answer["balances"]["credit_card"]["cents"] == 123456


async def test_period_boundaries_follow_the_company_calendar(bindings, people, fake, client, clock):
    await imported(client, bindings, people)
    db, realm = bindings.db, fake.realm
    # 04:59 UTC on the 23rd is still the 22nd in New York, and already the 23rd in UTC.
    late = parse("2026-11-23T04:59:00Z")
    ny = await metrics.compute(db, realm, late, ZoneInfo("America/New_York"))
    utc = await metrics.compute(db, realm, late, ZoneInfo("UTC"))
    assert ny["today"] == "2026-11-22" and by_window(ny)["day"] == (10000, 0, None)
    assert utc["today"] == "2026-11-23" and by_window(utc)["day"] == (0, 10000, -100.0)
    # Monday the 23rd: the week runs from Sunday, beside last Sunday–Monday (301 and invoice 131).
    assert by_window(utc)["week"] == (10000, 105000, -90.5)
    # A new quarter starts empty of tax; a new year beside the same days of the last.
    jan = await metrics.compute(db, realm, parse("2027-01-15T17:00:00Z"), ZoneInfo("UTC"))
    assert jan["sales_tax_quarter"]["cents"] == 0
    assert by_window(jan)["year"] == (0, 10000, -100.0)  # invoice 134 of 2026-01-15 is the prior span's
    # Month to date on the 31st reaches back to the last day of a shorter month.
    spans = {w.key: w for w in metrics.windows(date(2027, 3, 31))}
    assert (spans["month"].prior_start, spans["month"].prior_end) == (date(2027, 2, 1), date(2027, 2, 28))
    leap = {w.key: w for w in metrics.windows(date(2028, 2, 29))}
    assert leap["year"].prior_end == date(2027, 2, 28)


async def test_account_names_override_the_automatic_choice(bindings, people, fake, client):
    bindings.settings = make_settings(
        **fake.settings_env(), QBO_CHECKING_ACCOUNT="old savings", QBO_CARD_ACCOUNT="No Such Card"
    )
    await imported(client, bindings, people)
    balances = (await client.get("/api/billing/metrics")).json()["balances"]
    assert balances["checking"] == {"qbo_id": "90", "account": "Old Savings", "cents": 0, "chosen_by": "name"}
    assert balances["credit_card"] is None  # a name that matches nothing is not silently replaced


async def test_the_summary_counts_balances_and_recent_documents(client, bindings, people, fake):
    await imported(client, bindings, people)
    summary = (await client.get("/api/billing/summary")).json()
    assert summary["state"] == "connected" and summary["today"] == "2026-11-22"
    assert summary["counts"]["Invoice"] == {"count": 5, "total_cents": 54000 + 108000 + 21600 + 0 + 10000}
    assert summary["counts"]["Customer"] == {"count": 5, "total_cents": None}
    assert summary["open_balance"] == {"count": 2, "cents": 108000 + 21600}
    assert summary["overdue"]["count"] == 1 and summary["overdue"]["cents"] == 21600
    assert summary["overdue"]["items"][0]["number"] == "1039" and summary["overdue"]["items"][0]["days_overdue"] == 18
    assert [e["qbo_id"] for e in summary["recent"]["estimates"]] == ["103", "101", "100", "102"]
    assert [p["qbo_id"] for p in summary["recent"]["payments"]] == ["202", "200", "201"]
    assert summary["active_estimates"] == {"count": 2, "cents": 35000 + 129600}
    page = await client.get("/billing")
    assert page.status_code == 200
    for text in ("Open balance", "$1,296.00", "Overdue", "#1039", "Sales tax this quarter", "$142.40", "Mastercard"):
        assert text in page.text, text


async def test_active_estimates_leave_out_expired_and_invoiced_ones(client, bindings, people, fake, clock):
    await imported(client, bindings, people)
    found = (await client.get("/api/billing/estimates?active=1")).json()
    # 100 was turned into invoice 130 in full; 102 expired on 1 October; 103 never expires.
    assert [(e["qbo_id"], e["expires"]) for e in found["items"]] == [("103", None), ("101", "2026-12-10")]
    assert found["items"][0]["url"] == "https://app.sandbox.qbo.intuit.com/app/estimate?txnId=103"
    every = (await client.get("/api/billing/estimates?active=0")).json()
    assert {e["qbo_id"] for e in every["items"]} == {"100", "101", "102", "103"}
    # A partial invoice keeps an estimate active; invoicing the rest (in QuickBooks) ends it.
    clock.advance(minutes=20)
    fake.put("Invoice", {"Id": "140", "TxnDate": "2026-11-22", "TotalAmt": 600.0, "CustomerRef": {"value": "3"}})
    fake.update("Estimate", "101", LinkedTxn=[{"TxnId": "140", "TxnType": "Invoice"}])
    await sync.tick(bindings, clock.now())
    await sign_in_api(client, bindings, people.owner)
    found = (await client.get("/api/billing/estimates?active=1")).json()
    assert [(e["qbo_id"], e["invoiced_cents"]) for e in found["items"]] == [("103", 0), ("101", 60000)]
    fake.update("Invoice", "140", TotalAmt=1296.0)
    await sync.tick(bindings, clock.now())
    found = (await client.get("/api/billing/estimates?active=1")).json()
    assert [e["qbo_id"] for e in found["items"]] == ["103"]


async def test_a_status_change_is_written_back_as_a_sparse_update(client, bindings, people, fake, db_path):
    await imported(client, bindings, people)
    answer = await client.patch("/api/billing/estimates/101", json={"status": "Accepted"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "done" and answer.json()["write"]["status"] == "done"
    assert fake.objects["Estimate"]["101"]["TxnStatus"] == "Accepted"
    assert fake.objects["Estimate"]["101"]["SyncToken"] == "1"
    assert rows(db_path, "SELECT status, sync_token FROM quickbooks_objects WHERE qbo_id = '101'") == [
        ("Accepted", "1")
    ]
    posts = [p for p in fake.api_requests("/estimate?")]
    assert len(posts) == 1 and "requestid=pl-" in posts[0]
    actions = [r[0] for r in rows(db_path, "SELECT action FROM audit_log WHERE action LIKE 'quickbooks.estimate%'")]
    assert actions == ["quickbooks.estimate.status_requested", "quickbooks.estimate.status_written"]
    refused = await client.patch("/api/billing/estimates/101", json={"status": "Converted"})
    assert refused.status_code == 422
    assert (await client.patch("/api/billing/estimates/999", json={"status": "Closed"})).status_code == 404


async def test_a_stale_sync_token_is_read_again_and_retried_once(client, bindings, people, fake, clock):
    await imported(client, bindings, people)
    clock.advance(minutes=5)
    fake.update("Estimate", "101", PrivateNote="Edited in QuickBooks meanwhile")  # SyncToken 0 → 1 there
    answer = await client.patch("/api/billing/estimates/101", json={"status": "Rejected"})
    assert answer.json()["outcome"] == "done", answer.text
    estimate = fake.objects["Estimate"]["101"]
    assert (estimate["TxnStatus"], estimate["SyncToken"]) == ("Rejected", "2")  # applied once
    assert estimate["PrivateNote"] == "Edited in QuickBooks meanwhile"  # sparse: nothing else overwritten
    calls = [p for p in fake.api_requests("estimate")]
    assert len([p for p in calls if p.split("?")[0].endswith("/estimate")]) == 2
    assert len([p for p in calls if "/estimate/101" in p]) == 1
    # Stale twice in a row (someone keeps editing) is not retried forever: once, then it waits.
    clock.advance(minutes=5)
    fake.update("Estimate", "103", PrivateNote="edit one")
    outbox_id = await estimates.request_status(
        bindings.db, clock.now(), people.finance.actor, await company(bindings.db), "103", "Accepted"
    )
    original_read = fake._read

    def read_then_edit(lowered, qbo_id):
        result = original_read(lowered, qbo_id)
        fake.objects["Estimate"]["103"]["SyncToken"] = str(int(fake.objects["Estimate"]["103"]["SyncToken"]) + 1)
        return result

    fake._read = read_then_edit
    async with bindings.http() as http:
        outcome = await estimates.send(bindings, Api(bindings, http), outbox_id)
    fake._read = original_read
    assert outcome == "failed"  # 5010 is permanent: the person sees why and can try again
    assert fake.objects["Estimate"]["103"]["TxnStatus"] == "Pending"
    row = await estimates.outbox_row(bindings.db, outbox_id)
    assert row is not None and row["status"] == "failed" and "5010" in row["last_error"]


async def test_a_repeated_send_after_a_lost_answer_applies_once(client, bindings, people, fake, clock, db_path):
    await imported(client, bindings, people)
    co = await company(bindings.db)
    assert co is not None
    outbox_id = await estimates.request_status(bindings.db, clock.now(), people.owner.actor, co, "103", "Closed")
    row = (await estimates.outbox_row(bindings.db, outbox_id)) or {}
    request_id = outbox_id  # the outbox message's id is its requestid
    # A first send reached QuickBooks, but its answer never came back (the Worker was killed).
    async with bindings.http() as http:
        await Api(bindings, http).update("Estimate", {"Id": "103", "SyncToken": "0", "TxnStatus": "Closed"}, request_id)
    assert fake.objects["Estimate"]["103"]["SyncToken"] == "1" and row["status"] == "pending"
    # The sync tick sends it again with the same requestid: QuickBooks replays its first answer.
    clock.advance(minutes=10)
    result = await cron.run_job(bindings, "quickbooks-sync")
    assert result["outbox_done"] == 1, result
    assert fake.objects["Estimate"]["103"]["SyncToken"] == "1"  # not applied a second time
    assert rows(db_path, "SELECT status, sync_token FROM quickbooks_objects WHERE qbo_id = '103'") == [("Closed", "1")]
    assert rows(db_path, "SELECT status FROM outbox WHERE id = ?", outbox_id) == [("delivered",)]
    # Nothing left: the next tick sends nothing.
    assert "outbox_done" not in await sync.tick(bindings, clock.now())


async def test_a_transient_failure_waits_for_the_sync_tick(client, bindings, people, fake, clock, db_path):
    await imported(client, bindings, people)
    fake.inject("500", "estimate")
    answer = await client.patch("/api/billing/estimates/101", json={"status": "Accepted"})
    assert answer.status_code == 202 and answer.json()["write"]["status"] == "pending"
    assert fake.objects["Estimate"]["101"]["TxnStatus"] == "Pending"
    listed = (await client.get("/api/billing/estimates")).json()["items"]
    assert next(e for e in listed if e["qbo_id"] == "101")["write"]["to"] == "Accepted"
    clock.advance(minutes=10)
    assert (await sync.tick(bindings, clock.now()))["outbox_done"] == 1
    assert fake.objects["Estimate"]["101"]["TxnStatus"] == "Accepted"
    # Deleted in QuickBooks meanwhile: a permanent refusal, shown on the estimate, never retried.
    fake.delete("Estimate", "103")
    await sign_in_api(client, bindings, people.owner)
    refused = await client.patch("/api/billing/estimates/103", json={"status": "Accepted"})
    assert refused.status_code == 502 and refused.json()["write"]["status"] == "failed"
    assert "quickbooks.estimate.status_failed" in [r[0] for r in rows(db_path, "SELECT action FROM audit_log")]


async def test_the_customer_record_shows_its_quickbooks_money(client, bindings, people, fake):
    await imported(client, bindings, people)
    linked = await make_customer(bindings, people.office_a, "Brightside", quickbooks_id="2")
    unlinked = await make_customer(bindings, people.office_a, "Nobody Yet")
    page = (await client.get(f"/clients/{linked['display_id']}")).text
    assert 'title="QuickBooks\' open balance"' in page and "$1,026.00" in page
    assert "$129.00" in page  # credit: payment 202's unapplied 75 + credit memo 400's open 54
    assert "#1038" in page and "#1004" in page and "Open in QuickBooks" in page
    bare = (await client.get(f"/clients/{unlinked['display_id']}")).text
    assert "Not linked to a QuickBooks customer" in bare
    # An agent sees the record but not QuickBooks money.
    client.cookies.clear()
    await sign_in(client, bindings, people.agent)
    page = (await client.get(f"/clients/{linked['display_id']}")).text
    assert "$1,026.00" not in page and 'id="quickbooks"' not in page


@pytest.mark.parametrize(
    ("persona", "sees", "writes"),
    [("finance", True, True), ("viewer", True, False), ("admin", False, False), ("agent", False, False)],
)
async def test_billing_follows_the_finance_roles(client, bindings, people, fake, db_path, persona, sees, writes):
    await imported(client, bindings, people)
    client.cookies.clear()
    csrf = await sign_in(client, bindings, getattr(people, persona))
    for path in ("/billing", "/api/billing/summary", "/api/billing/metrics", "/api/billing/estimates?active=1"):
        assert (await client.get(path)).status_code == (200 if sees else 403), (persona, path)
    before = snapshot_file(db_path)
    answer = await client.patch(
        "/api/billing/estimates/101", json={"status": "Accepted"}, headers={"x-csrf-token": csrf}
    )
    assert answer.status_code == (200 if writes else 403), (persona, answer.text)
    if not writes:
        after = snapshot_file(db_path)
        after.pop("sessions"), before.pop("sessions")
        assert after == before and fake.objects["Estimate"]["101"]["TxnStatus"] == "Pending"
    assert {p[0] for p in PERSONAS} >= {persona}


async def test_billing_without_quickbooks_says_so(client, bindings, people):
    bindings.settings = make_settings()
    await sign_in_api(client, bindings, people.owner)
    assert (await client.get("/api/billing/summary")).json() == {"state": "not_connected"}
    assert (await client.get("/api/billing/metrics")).json() == {"state": "not_connected"}
    page = await client.get("/billing")
    assert page.status_code == 200 and "QuickBooks is not connected" in page.text
    assert (await client.patch("/api/billing/estimates/101", json={"status": "Closed"})).status_code == 409


def test_the_fake_is_the_one_the_fixtures_describe():
    fake = FakeQuickBooks().seed_fixtures()
    assert fake.objects["Invoice"]["133"]["TotalAmt"] == 0 and fake.objects["Customer"]["4"]["Active"] is False

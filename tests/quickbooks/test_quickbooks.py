"""QuickBooks end to end against the fake Intuit: connect → import → sync → purge, resuming a failed
import with exact counts, the CDC fallbacks, production confirmation, and who may do any of it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import cron
from core.clock import iso
from quickbooks import importer, oauth, sync
from tests.conftest import PERSONAS, make_settings, sign_in, sign_in_api, snapshot_file
from tests.fakes.quickbooks import REALM
from tests.quickbooks_support import (  # noqa: F401 (fixtures)
    FIXTURE_COUNTS,
    connect,
    dump,
    fake_fixture,
    rows,
    run_import,
    settings_fixture,
)


async def test_it_connects_imports_syncs_and_purges(client, bindings, people, fake, clock, db_path, caplog):
    caplog.set_level(logging.DEBUG)
    back = await connect(client, bindings, people.owner)
    assert back.status_code == 303 and back.headers["location"] == "/maintenance/quickbooks"
    status = (await client.get("/api/quickbooks/status")).json()
    assert status["connection"]["status"] == "connected"
    assert status["connection"]["company_name"] == "Porchlight Test Plumbing"
    assert status["connection"]["realm_id"] == REALM
    assert status["environment"] == "sandbox"
    assert status["connection"]["token_health"] == "healthy"

    started = await client.post("/api/quickbooks/import", json={})
    assert started.status_code == 202
    assert started.json()["status"] == "running"
    # A second press while it runs returns the same run, not a second one.
    assert (await client.post("/api/quickbooks/import", json={})).json()["id"] == started.json()["id"]

    ticked = await cron.run_job(bindings, "quickbooks-import")
    assert ticked["pages"] == 8 and ticked["records"] == sum(FIXTURE_COUNTS.values())
    finished = await cron.run_job(bindings, "quickbooks-import")
    assert finished["completed"] == 1
    status = (await client.get("/api/quickbooks/status")).json()
    assert status["counts"] == FIXTURE_COUNTS  # inactive customer and account included
    assert status["import"]["status"] == "completed" and status["import"]["progress"] == 100
    assert {e["entity"]: e["imported"] for e in status["import"]["entities"]} == FIXTURE_COUNTS

    # The columns billing and metrics read, straight from the recorded shapes.
    invoice = rows(
        db_path,
        "SELECT total_cents, tax_cents, balance_cents, customer_qbo_id, txn_date, due_date, name"
        " FROM quickbooks_objects WHERE entity = 'Invoice' AND qbo_id = '131'",
    )
    assert invoice == [(108000, 8000, 108000, "2", "2026-11-16", "2026-12-16", "Brightside Plumbing LLC")]
    estimate = rows(
        db_path,
        "SELECT status, expiration_date, linked_txns FROM quickbooks_objects"
        " WHERE entity = 'Estimate' AND qbo_id = '100'",
    )
    assert estimate[0][:2] == ("Closed", "2026-12-31")
    assert json.loads(estimate[0][2]) == [{"TxnId": "130", "TxnType": "Invoice"}]
    customer = rows(
        db_path,
        "SELECT name, email, phone_last10, active FROM quickbooks_objects"
        " WHERE entity = 'Customer' AND qbo_id IN ('2','4') ORDER BY qbo_id",
    )
    assert customer == [
        ("Brightside Plumbing LLC", "billing@brightside.example", "2125550199", 1),
        ("Dmitri Volkov (deleted)", "dmitri@example.org", None, 0),
    ]
    refund = rows(db_path, "SELECT total_cents, tax_cents FROM quickbooks_objects WHERE entity = 'RefundReceipt'")
    assert refund == [(2160, 160)]
    account = rows(db_path, "SELECT total_cents, account_subtype FROM quickbooks_objects WHERE qbo_id = '89'")
    assert account == [(-37094, "GlobalTaxPayable")]
    raw = json.loads(
        rows(db_path, "SELECT raw FROM quickbooks_objects WHERE entity = 'Payment' AND qbo_id = '200'")[0][0]
    )
    assert raw["Line"][0]["LinkedTxn"] == [{"TxnId": "130", "TxnType": "Invoice"}]

    # Someone works in QuickBooks; the sync tick picks it up by CDC.
    clock.advance(hours=1)
    fake.update("Invoice", "131", Balance=0)
    fake.delete("Estimate", "103")
    fake.put("Payment", {"TxnDate": "2026-11-22", "TotalAmt": 1080.0, "CustomerRef": {"value": "2"}, "Line": []})
    fake.update("Customer", "5", Active=False, DisplayName="Elm Street HOA (deleted)")
    synced = await cron.run_job(bindings, "quickbooks-sync")
    assert synced["updated"] == 3 and synced["deleted"] == 1
    assert rows(db_path, "SELECT balance_cents, sync_token FROM quickbooks_objects WHERE qbo_id = '131'") == [(0, "1")]
    assert rows(db_path, "SELECT deleted_at IS NOT NULL FROM quickbooks_objects WHERE qbo_id = '103'") == [(1,)]
    assert rows(db_path, "SELECT active FROM quickbooks_objects WHERE entity = 'Customer' AND qbo_id = '5'") == [(0,)]
    await sign_in_api(client, bindings, people.owner)  # the hour outlived the session
    status = (await client.get("/api/quickbooks/status")).json()
    assert status["counts"]["Estimate"] == 3 and status["counts"]["Payment"] == 4
    assert status["connection"]["last_sync_at"] == iso(clock.now())
    # Applying the same changes again changes nothing.
    again = await cron.run_job(bindings, "quickbooks-sync")
    assert (await client.get("/api/quickbooks/status")).json()["counts"] == status["counts"], again

    refused = await client.post("/api/quickbooks/purge", json={"confirm": "wrong"})
    assert refused.status_code == 400
    purged = await client.post("/api/quickbooks/purge", json={"confirm": "porchlight test plumbing"})
    assert purged.json() == {"removed": sum(FIXTURE_COUNTS.values()) + 1}
    assert rows(db_path, "SELECT COUNT(*) FROM quickbooks_objects") == [(0,)]
    assert fake.count("Invoice") == 5  # nothing in QuickBooks was touched

    actions = [r[0] for r in rows(db_path, "SELECT action FROM audit_log WHERE action LIKE 'quickbooks.%' ORDER BY id")]
    assert actions == [
        "quickbooks.connected",
        "quickbooks.import.started",
        "quickbooks.import.completed",
        "quickbooks.purged",
    ]
    # Tokens: never in a log line, a page, an API answer, or the database in clear.
    page = (await client.get("/maintenance/quickbooks")).text
    assert "Porchlight Test Plumbing" in page and REALM in page
    tokens = [*fake.access, *fake.refresh]
    assert len(tokens) >= 2
    stored = dump(db_path)
    api = json.dumps(status)
    for token in tokens:
        assert token not in caplog.text and token not in page and token not in api and token not in stored
    assert "intuit_tid=1-" in caplog.text


async def test_a_failed_import_resumes_where_it_stopped_with_exact_counts(client, bindings, people, fake, db_path):
    fake.generate("Invoice", 2500)
    await connect(client, bindings, people.owner)
    await client.post("/api/quickbooks/import", json={})
    first = await importer.tick(bindings, bindings.clock.now(), pages=4)  # Customer, Account, Estimate, Invoice p1
    assert first == {"pages": 4, "records": 5 + 4 + 4 + 1000}

    # The next Invoice page fails every way QuickBooks fails, one per tick.
    for kind in ("fault200", "xml", "500", "fault200"):
        fake.inject(kind, "query")
        assert (await importer.tick(bindings, bindings.clock.now()))["retrying"] == 1
    run = await importer.latest_run(bindings.db)
    assert run is not None and run.status == "running" and run.attempts == 4
    assert "code 10000" in (run.last_error or "")
    fake.inject("fault200", "query")
    assert (await importer.tick(bindings, bindings.clock.now()))["failed"] == 1
    run = await importer.latest_run(bindings.db)
    assert run is not None and run.status == "failed"
    assert (await importer.tick(bindings, bindings.clock.now())) == {}  # a failed run waits for the owner

    resumed = await client.post("/api/quickbooks/import", json={})
    assert resumed.status_code == 202 and resumed.json()["id"] == run.id
    await run_import(bindings)
    run = await importer.latest_run(bindings.db)
    assert run is not None and run.status == "completed" and run.error_count == 5
    steps = {s.entity: (s.imported, s.total) for s in run.steps}
    assert steps["Invoice"] == (2505, 2505)
    assert steps == {e: (n + (2500 if e == "Invoice" else 0),) * 2 for e, n in FIXTURE_COUNTS.items()}
    assert rows(db_path, "SELECT COUNT(*) FROM quickbooks_objects WHERE entity = 'Invoice'") == [(2505,)]
    assert rows(db_path, "SELECT COUNT(*), COUNT(DISTINCT qbo_id) FROM quickbooks_objects") == [(2525, 2525)]
    actions = [
        r[0] for r in rows(db_path, "SELECT action FROM audit_log WHERE action LIKE 'quickbooks.import%' ORDER BY id")
    ]
    assert actions == [
        "quickbooks.import.started",
        "quickbooks.import.failed",
        "quickbooks.import.resumed",
        "quickbooks.import.completed",
    ]


async def test_two_runners_on_one_page_count_it_once(client, bindings, people, fake, db_path):
    fake.generate("Customer", 1500)
    await connect(client, bindings, people.owner)
    await client.post("/api/quickbooks/import", json={})
    now = bindings.clock.now()
    results = await asyncio.gather(*(importer.tick(bindings, now, pages=1) for _ in range(3)))
    assert sorted(r.get("overlapped", 0) for r in results) == [0, 1, 1]
    await run_import(bindings)
    run = await importer.latest_run(bindings.db)
    assert run is not None
    assert {s.entity: s.imported for s in run.steps}["Customer"] == 1505
    assert rows(db_path, "SELECT COUNT(*) FROM quickbooks_objects WHERE entity = 'Customer'") == [(1505,)]


async def test_429_backs_off_and_resumes_on_a_later_tick(client, bindings, people, fake, clock):
    await connect(client, bindings, people.owner)
    await client.post("/api/quickbooks/import", json={})
    fake.inject("429", "query")
    assert (await importer.tick(bindings, clock.now()))["throttled"] == 1
    conn = await oauth.connection(bindings.db)
    assert conn is not None and conn.backoff_until == iso(clock.now() + importer.THROTTLE_BACKOFF)
    asked = len(fake.api_requests())
    assert await importer.tick(bindings, clock.now()) == {"throttled": 1}
    assert len(fake.api_requests()) == asked  # nothing was asked while backing off
    clock.advance(seconds=61)
    await run_import(bindings)
    run = await importer.latest_run(bindings.db)
    assert run is not None and run.status == "completed" and run.attempts == 0
    assert run.imported == sum(FIXTURE_COUNTS.values())

    # The sync job backs off the same way.
    fake.inject("429", "cdc")
    assert (await sync.tick(bindings, clock.now()))["throttled"] == 1
    assert await sync.tick(bindings, clock.now()) == {"throttled": 1}
    clock.advance(seconds=61)
    assert "updated" in await sync.tick(bindings, clock.now())


async def test_an_old_watermark_or_a_capped_cdc_answer_falls_back_to_a_requery(
    client, bindings, people, fake, clock, db_path
):
    await connect(client, bindings, people.owner)
    await client.post("/api/quickbooks/import", json={})
    await run_import(bindings)
    # 1,001 invoices change at once: CDC stops at 1,000 and cannot page.
    clock.advance(hours=2)
    fake.generate("Invoice", 1001, start_id=50_000)
    for n in range(1001):
        fake.update("Invoice", str(50_000 + n), Balance=12.5)
    capped = await sync.tick(bindings, clock.now())
    assert capped["cdc_capped"] == 1
    # The re-query reads every entity from the old watermark, a bounded number of pages per tick.
    first = await sync.tick(bindings, clock.now())
    assert first["resync_pages"] == sync.RESYNC_PAGES_PER_TICK
    second = await sync.tick(bindings, clock.now())
    assert second["resync_pages"] == 4  # 8 entities, Invoice in two pages: 9 in all
    assert first["resync_records"] + second["resync_records"] >= 1001
    assert rows(
        db_path, "SELECT COUNT(*) FROM quickbooks_objects WHERE entity = 'Invoice' AND balance_cents = 1250"
    ) == [(1001,)]
    conn = await oauth.connection(bindings.db)
    assert conn is not None and conn.resync_since is None
    assert conn.sync_watermark == iso(clock.now() - sync.OVERLAP)

    # Forty days without a sync: CDC would refuse that far back, so the tick re-queries instead.
    clock.advance(days=40)
    fake.update("Invoice", "131", Balance=1.0)
    before = len(fake.api_requests("cdc"))
    result = await sync.tick(bindings, clock.now())
    assert result.get("resync_pages") and len(fake.api_requests("cdc")) == before
    await sync.tick(bindings, clock.now())
    assert rows(db_path, "SELECT balance_cents FROM quickbooks_objects WHERE qbo_id = '131'") == [(100,)]
    conn = await oauth.connection(bindings.db)
    assert conn is not None and conn.resync_since is None and conn.last_error is None


async def test_production_needs_the_company_name_typed(client, bindings, people, fake):
    bindings.settings = make_settings(**{**fake.settings_env(), "QBO_ENVIRONMENT": "production"})
    await connect(client, bindings, people.owner)
    page = (await client.get("/maintenance/quickbooks")).text
    assert "Live company" in page and "type Porchlight Test Plumbing to confirm" in page
    refused = await client.post("/api/quickbooks/import", json={})
    assert refused.status_code == 400 and "company name" in refused.json()["detail"]
    assert (await client.post("/api/quickbooks/import", json={"confirm": "Other Co"})).status_code == 400
    ok = await client.post("/api/quickbooks/import", json={"confirm": " Porchlight Test Plumbing "})
    assert ok.status_code == 202 and ok.json()["environment"] == "production"


async def test_only_the_owner_reaches_quickbooks(client, bindings, people, fake, db_path):
    await connect(client, bindings, people.owner)
    for key, *_ in PERSONAS:
        if key == "owner":
            continue
        client.cookies.clear()
        csrf = await sign_in(client, bindings, getattr(people, key))
        headers = {"x-csrf-token": csrf}
        before = snapshot_file(db_path)
        for method, path in (
            ("GET", "/maintenance/quickbooks"),
            ("GET", "/api/quickbooks/status"),
            ("GET", "/quickbooks/connect"),
            ("POST", "/api/quickbooks/import"),
            ("POST", "/api/quickbooks/purge"),
            ("POST", "/api/quickbooks/disconnect"),
        ):
            answer = await client.request(method, path, headers=headers, json={"confirm": "Porchlight Test Plumbing"})
            assert answer.status_code == 403, (key, path)
        after = snapshot_file(db_path)
        after.pop("sessions"), before.pop("sessions")
        assert after == before


async def test_the_page_explains_a_missing_configuration(client, bindings, people):
    bindings.settings = make_settings()
    await sign_in_api(client, bindings, people.owner)
    page = (await client.get("/maintenance/quickbooks")).text
    # Written for the office owner (issue 17): who to ask and where the setup notes are, no setting names.
    assert "whoever installed Porchlight for you" in page and 'href="/help/quickbooks#setup"' in page
    assert "QBO_" not in page and "Connect QuickBooks before running" in page
    help_page = await client.get("/help/quickbooks")
    assert help_page.status_code == 200 and 'id="setup"' in help_page.text and "QBO_" not in help_page.text
    start = await client.get("/quickbooks/connect")
    assert start.status_code == 303 and start.headers["location"] == "/maintenance/quickbooks"
    assert (await client.post("/api/quickbooks/import", json={})).status_code == 409
    assert (await client.get("/maintenance/quickbooks/progress")).status_code == 200


def test_the_cli_runs_both_jobs(tmp_path):
    """`porchlight cron run …` as an operator types it; with nothing connected each is a quiet no-op.
    (tests/browser/test_browser_quickbooks.py drives a real import through the same command.)"""
    from tests.app.test_cli import run

    db = tmp_path / "cli.sqlite3"
    for job in ("quickbooks-import", "quickbooks-sync"):
        ran = run(db, "cron", "run", job)
        assert ran.returncode == 0, ran.stderr
        assert json.loads(ran.stdout) == {"job": job}


async def _lease(bindings) -> dict:
    return await bindings.db.first("SELECT holder, leased_until FROM cron_leases WHERE job = 'quickbooks-import'")


async def test_a_killed_import_holds_its_lease_for_at_most_one_tick_and_the_next_resumes(
    client, bindings, people, fake, clock, db_path
):
    """Issue 16 #15: a run that died mid-import held the five-minute lease, so the ticks after it skipped."""
    fake.generate("Customer", 3000)  # 3,005 customers: four pages
    await connect(client, bindings, people.owner)
    await client.post("/api/quickbooks/import", json={})
    fake.inject("hang", "STARTPOSITION 2001")  # the third page never answers: the isolate dies waiting
    dying = asyncio.ensure_future(cron.run_job(bindings, "quickbooks-import", holder="isolate-1"))
    try:
        for _ in range(400):
            if (
                fake.hanging.is_set()
                and rows(db_path, "SELECT imported FROM quickbooks_import_steps WHERE ord = 0")[0][0] == 2000
            ):
                break
            await asyncio.sleep(0.025)
        assert rows(db_path, "SELECT entity, imported FROM quickbooks_import_steps ORDER BY ord LIMIT 1") == [
            ("Customer", 2000)
        ]
        held = await _lease(bindings)
        assert held["holder"].startswith("isolate-1:")
        assert held["leased_until"] == iso(clock.now() + cron.RENEWED["quickbooks-import"])  # short, not 5 min

        clock.advance(minutes=2)  # the next */2 tick, on another isolate, while the first is still stuck
        resumed = await cron.run_job(bindings, "quickbooks-import", holder="isolate-2")
        assert "skipped" not in resumed, resumed
        assert resumed["records"] >= 1005  # from the cursor: the last customer page, then the other entities
        finished = await cron.run_job(bindings, "quickbooks-import", holder="isolate-2")
        assert finished.get("completed") == 1, finished
    finally:
        dying.cancel()  # the stuck isolate goes away at last; its lease is long gone and it writes nothing
        fake.release_hang()
        with contextlib.suppress(asyncio.CancelledError):
            await dying
    run = await importer.latest_run(bindings.db)
    assert run is not None and run.status == "completed" and run.error_count == 0
    assert {s.entity: s.imported for s in run.steps}["Customer"] == 3005
    assert rows(db_path, "SELECT COUNT(*) FROM quickbooks_objects WHERE entity = 'Customer'") == [(3005,)]
    lease = await _lease(bindings)
    assert lease["holder"] is None and lease["leased_until"] is None


async def test_the_import_renews_its_lease_after_every_page_and_stops_once_it_is_lost(
    client, bindings, people, fake, clock, db_path
):
    fake.generate("Invoice", 2500)
    await connect(client, bindings, people.owner)
    await client.post("/api/quickbooks/import", json={})
    length = cron.RENEWED["quickbooks-import"]
    seen: list[str] = []

    class Watched(cron.Lease):
        async def renew(self) -> bool:
            clock.advance(seconds=40)  # a slow page: the run outlives its first lease many times over
            kept = await super().renew()
            seen.append((await _lease(bindings))["leased_until"])
            return kept

    await bindings.db.run(
        "INSERT INTO cron_leases (job, holder, leased_until) VALUES ('quickbooks-import', 'me', ?)",
        iso(clock.now() + length),
    )
    ticked = await importer.tick(
        bindings, clock.now(), pages=6, lease=Watched(bindings, "quickbooks-import", "me", length)
    )
    assert ticked["pages"] == 6 and "lease_lost" not in ticked
    assert len(seen) == 6 and seen == sorted(seen) and len(set(seen)) == 6  # moved on after each page
    assert seen[-1] == iso(clock.now() + length)

    # once another run has taken the lease (it ran out), this one stops after the page in hand
    await bindings.db.run("UPDATE cron_leases SET holder = 'someone else' WHERE job = 'quickbooks-import'")
    lost = await importer.tick(
        bindings, clock.now(), pages=6, lease=Watched(bindings, "quickbooks-import", "me", length)
    )
    assert lost["pages"] == 1 and lost["lease_lost"] == 1

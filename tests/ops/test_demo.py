"""The demo business (`porchlight demo seed`, issue 17): on a fresh migrated database it fills every
page a new user opens — the queue's views, the clients list, the reports and Billing — through the
real API; running it again adds nothing; production refuses it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ops import demo
from tests.conftest import TEST_ENV, sign_in_api


async def _seeded(bindings) -> demo.Summary:
    summary = await demo.seed_business(bindings, bindings.clock.now())
    assert summary is not None
    return summary


async def test_the_demo_business_fills_the_queue_clients_reports_and_billing(client, bindings, people):
    summary = await _seeded(bindings)
    assert summary.leads >= 250 and summary.customers >= 90 and summary.quickbooks_objects > 100
    assert summary.reactivated > 0 and summary.claimed > 0 and summary.call_attempts > 0
    assert {s for s, n in summary.statuses.items() if n} == {
        "fresh", "not_yet_scheduled", "needs_follow_up", "consultation_call", "converted", "irrelevant"
    }  # fmt: skip
    await sign_in_api(client, bindings, people.owner)
    for view in ("now", "later", "recovery"):
        answer = await client.get("/api/leads", params={"view": view})
        assert answer.status_code == 200, answer.text
        assert answer.json()["items"], view
    for urgency in ("high", "medium", "low"):
        answer = await client.get("/api/leads", params={"urgency": urgency})
        assert answer.json()["items"], urgency
    duplicates = await client.get("/api/leads/duplicates")
    assert duplicates.status_code == 200 and duplicates.json()["groups"], duplicates.text
    clients = await client.get("/api/customers")
    assert clients.status_code == 200 and len(clients.json()["items"]) > 0, clients.text
    reports = (await client.get("/api/reports/summary")).json()
    assert reports["tiles"]["leads"] > 0 and reports["tiles"]["customers"] > 0, reports["tiles"]
    for chart in ("leads_by_status", "leads_by_office", "source_mix", "pipeline", "status_by_day", "follow_up_by_day",
                  "reactivation_by_day", "conversion_by_attempt", "agents"):  # fmt: skip
        rows = reports[chart]
        assert any(any(isinstance(v, int) and v > 0 for k, v in r.items() if k != "office_id" and k != "user_id")
                   for r in rows), chart  # fmt: skip
    assert reports["customers_by_source"]["rows"] and reports["quickbooks"]["state"] == "connected"
    billing = (await client.get("/api/billing/summary")).json()
    assert billing["state"] == "connected" and "demo data" in billing["company_name"]
    assert billing["counts"]["Invoice"]["count"] > 0 and billing["open_balance"]["cents"] > 0
    assert billing["customers_linked"] > 0
    metrics = (await client.get("/api/billing/metrics")).json()
    assert metrics["balances"]["checking"]["cents"] > 0, metrics
    # the agent's own queue has work too (sources route to offices with staff)
    await sign_in_api(client, bindings, people.agent)
    mine = await client.get("/api/leads", params={"view": "now"})
    assert mine.json()["items"]


async def test_seeding_twice_adds_nothing(bindings):
    first = await _seeded(bindings)
    before = await bindings.db.first(
        "SELECT (SELECT COUNT(*) FROM leads) AS leads, (SELECT COUNT(*) FROM customers) AS c"
    )
    assert before["leads"] == first.leads and before["c"] == first.customers
    assert await demo.seed_business(bindings, bindings.clock.now()) is None
    after = await bindings.db.first(
        "SELECT (SELECT COUNT(*) FROM leads) AS leads, (SELECT COUNT(*) FROM customers) AS c"
    )
    assert dict(after) == dict(before)


def test_production_refuses_the_demo(tmp_path: Path):
    env = {**os.environ, **TEST_ENV, "PORCHLIGHT_DB": str(tmp_path / "prod.sqlite3"), "PORCHLIGHT_ENV": "production"}
    done = subprocess.run(
        [sys.executable, "-m", "cli", "demo", "seed"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode != 0 and "refusing to seed demo data in production" in done.stderr
    assert not (tmp_path / "prod.sqlite3").exists() or "leads" not in done.stdout

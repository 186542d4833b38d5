"""The demo's finance values and Auto Status Change rule (issue 20, second half): made through the
verbs, visible on /finance, idempotent."""

from __future__ import annotations

from ops import demo_jobs_finance
from tests.conftest import sign_in_api
from tests.jobs.support import make_network


async def test_demo_finance_is_seeded_once(client, bindings, people):
    await make_network(client, bindings, people.owner)
    now = bindings.clock.now()
    assert await demo_jobs_finance.seed_jobs_finance(bindings, now, people.owner) == 4
    await sign_in_api(client, bindings, people.owner)
    body = (await client.get("/api/finance")).json()
    assert body["totals"]["jobs"] == 4 and body["totals"]["cancelled"] == 1
    assert any(j["contractor_paid"] for j in body["items"]) and any(j["partner_paid"] for j in body["items"])
    rule = (await client.get("/api/jobs/auto-status")).json()
    assert rule["enabled"] and people.office_a.id in rule["office_ids"]
    before = await people.db.first("SELECT COUNT(*) AS n FROM job_events")
    assert await demo_jobs_finance.seed_jobs_finance(bindings, now, people.owner) == 0
    assert await people.db.first("SELECT COUNT(*) AS n FROM job_events") == before
    tomorrow = (await client.get("/api/jobs/reminders", params={"date": "2026-11-23", "kind": "eod"})).json()
    assert len(tomorrow["contractors"]) == 1 and "Reminder for Tomorrow." in tomorrow["contractors"][0]["text"]

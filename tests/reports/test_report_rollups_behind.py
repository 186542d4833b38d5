"""Report rollups counted just behind intake (migration 0018): a new lead is noted, and a report or
the `lead-indexes` tick counts it. Whatever happens to a lead before or after it is counted, the
rollups must equal a rebuild from the base tables."""

from __future__ import annotations

import random

import cron
from reports import rollups as report_rollups
from tests.reports.test_reports import make_lead, ready, summary  # noqa: F401  (ready is a fixture)

ROLLUPS = ("report_lead_days", "report_source_days", "report_attempt_days", "report_pipeline")


async def rollups(db) -> dict[str, list]:
    out = {}
    for table in ROLLUPS:
        rows = await db.all(f"SELECT * FROM {table} ORDER BY 1, 2, 3")
        out[table] = [r for r in rows if r.get("leads", 1) != 0]  # a row counted down to zero is no row
    return out


async def rebuilt(db, now) -> dict[str, list]:
    await db.run("DELETE FROM report_zones")  # every office stale: prepare rebuilds from `leads`
    await report_rollups.prepare(db, now)
    return await rollups(db)


async def noted(db) -> int:
    return (await db.first("SELECT COUNT(*) AS n FROM report_leads_pending"))["n"]


async def test_a_new_lead_is_noted_and_the_next_report_counts_it(bindings, ready):  # noqa: F811
    db, p = bindings.db, ready
    before = (await summary(bindings, p.owner))["tiles"]["leads"]
    await make_lead(db, p.office_a, "2026-11-20T15:00:00.000Z")
    assert await noted(db) == 1
    assert (await db.first("SELECT SUM(leads) AS n FROM report_pipeline"))["n"] in (None, 0)  # not yet
    assert (await summary(bindings, p.owner))["tiles"]["leads"] == before + 1
    assert await noted(db) == 0


async def test_edits_and_deletes_either_side_of_the_count_keep_the_rollups_true(bindings, ready):  # noqa: F811
    db, p, now = bindings.db, ready, bindings.clock.now()
    rng = random.Random(3)
    made = []
    for round_ in range(4):
        for n in range(6):
            office = rng.choice([p.office_a, p.office_b])
            made.append(await make_lead(db, office, f"2026-11-{10 + n:02d}T1{n}:00:00.000Z", source="yelp"))
        for lead in rng.sample(made, 5):  # some still noted, some counted already
            await db.run(
                "UPDATE leads SET status = ?, office_id = ?, call_count = call_count + 1, source_key = ?,"
                " archived_at = ? WHERE id = ?",
                rng.choice(["not_yet_scheduled", "converted", "irrelevant"]),
                rng.choice([p.office_a, p.office_b]).id,
                rng.choice(["angi", "google"]),
                rng.choice([None, "2026-11-21T00:00:00.000Z"]),
                lead["id"],
            )
        gone = made.pop(rng.randrange(len(made)))
        await db.run("DELETE FROM leads WHERE id = ?", gone["id"])
        if round_ % 2:
            await report_rollups.prepare(db, now)  # count what is noted now
    await report_rollups.prepare(db, now)
    assert await noted(db) == 0
    counted = await rollups(db)
    assert counted == await rebuilt(db, now)
    assert sum(r["leads"] for r in counted["report_source_days"]) == len(made)


async def test_a_lead_reusing_a_deleted_noted_leads_id_is_counted_once(bindings, ready):  # noqa: F811
    db, p, now = bindings.db, ready, bindings.clock.now()
    first = await make_lead(db, p.office_a, "2026-11-20T15:00:00.000Z")
    await db.run("DELETE FROM leads WHERE id = ?", first["id"])  # its note stays
    await db.run(
        "INSERT INTO leads (id, display_id, office_id, source_key, status, name, received_at, created_at, updated_at)"
        " VALUES (?, 'L-reuse', ?, 'yelp', 'fresh', 'Again', ?, ?, ?)",
        first["id"],
        p.office_b.id,
        *["2026-11-21T15:00:00.000Z"] * 3,
    )
    await report_rollups.prepare(db, now)
    assert await rollups(db) == await rebuilt(db, now)
    assert sum(r["leads"] for r in (await rollups(db))["report_pipeline"]) == 1


async def test_the_tick_counts_within_its_budget(bindings, ready, monkeypatch):  # noqa: F811
    db, p = bindings.db, ready
    monkeypatch.setattr(report_rollups, "CHUNK", 2)
    monkeypatch.setattr(cron, "LEAD_INDEX_BUDGET", 3)
    for n in range(5):
        await make_lead(db, p.office_a, f"2026-11-2{n}T15:00:00.000Z")
    first = await cron.run_job(bindings, "lead-indexes")
    assert first["leads_counted"] == 3 and await noted(db) == 2
    await db.run("UPDATE cron_leases SET leased_until = NULL")
    second = await cron.run_job(bindings, "lead-indexes")
    assert second["leads_counted"] == 2 and await noted(db) == 0
    assert await rollups(db) == await rebuilt(db, bindings.clock.now())

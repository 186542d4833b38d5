"""The demo jobs (believable, deterministic, idempotent, some needing attention) and the owner's data
export including jobs."""

from __future__ import annotations

from jobs import board
from ops import demo_jobs, demo_network, exports


async def test_the_demo_jobs_seed_once_across_statuses(bindings, clock, people):
    await demo_network.seed_network(bindings, clock.now())
    made = await demo_jobs.seed_jobs(bindings, clock.now())
    assert made == len(demo_jobs.JOBS)
    assert await demo_jobs.seed_jobs(bindings, clock.now()) == 0
    db = bindings.db
    statuses = {r["status"] for r in await db.all("SELECT status FROM jobs")}
    assert statuses == {"submitted", "in_progress", "deposit", "pending", "done", "cancelled"}
    assert (await db.first("SELECT COUNT(*) AS n FROM jobs WHERE k_confirmed = 1"))["n"] >= 3
    assert (await db.first("SELECT COUNT(*) AS n FROM jobs WHERE rebooked_at IS NOT NULL"))["n"] == 1
    owner = people.owner
    count = await board.attention_count(db, owner, clock.now())
    assert count >= 4  # no contractor ×3, a late deposit, a due follow-up
    flagged = await board.listing(db, owner, clock.now(), board.Filters(attention=True))
    flags = {f for r in await board.public_many(db, owner, clock.now(), flagged.rows) for f in r["attention"]}
    assert {"find_contractor", "update_needed", "follow_up_needed"} <= flags


async def test_the_data_export_includes_jobs(bindings, clock, people):
    await demo_network.seed_network(bindings, clock.now())
    await demo_jobs.seed_jobs(bindings, clock.now())
    names = {t.name for t in await exports.tables(bindings.db)}
    assert {"jobs", "job_events", "job_tag_links"} <= names
    assert "job_terms" not in names  # the search index is not data

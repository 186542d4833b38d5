"""Scheduled jobs: a registry from each cron expression in wrangler.toml to its jobs.

The Worker's `scheduled()` (src/entry.py), the local scheduler (`make dev`) and
`porchlight cron run NAME` all dispatch through here. Every job is an idempotent tick: it claims
its lease with a conditional write, does a bounded amount of work, and reports what it did.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import lead_search
import report_rollups
from bindings import Bindings
from clock import iso
from cron import housekeeping
from quickbooks import importer as quickbooks_import
from quickbooks import sync as quickbooks_sync
from storage import q

Job = Callable[[Bindings, datetime], Awaitable[dict[str, int]]]


async def _lead_indexes(bindings: Bindings, now: datetime) -> dict[str, int]:
    """New leads into the search index and the report rollups, in bulk (migrations 0017 and 0018)."""
    # independent tables, so together: on D1 their "anything noted?" reads share one round trip
    indexed, counted = await asyncio.gather(
        lead_search.index_pending(bindings.db, limit=LEAD_INDEX_BUDGET),
        report_rollups.count_pending(bindings.db, limit=LEAD_INDEX_BUDGET),
    )
    return {"leads_indexed": indexed, "leads_counted": counted}


LEAD_INDEX_BUDGET = 50_000  # leads per tick and index; a search or a report catches up on any rest itself

JOBS: dict[str, Job] = {
    "housekeeping": housekeeping.run,
    "lead-indexes": _lead_indexes,
    "quickbooks-import": quickbooks_import.tick,
    "quickbooks-sync": quickbooks_sync.tick,
}

# Keep in step with [triggers].crons in wrangler.toml (tests/test_cron.py checks both directions).
SCHEDULE: dict[str, tuple[str, ...]] = {
    "*/10 * * * *": ("housekeeping", "quickbooks-sync"),
    # New leads into the search index and the report rollups in bulk; searches and reports also
    # catch up first (src/lead_search.py, src/report_rollups.py).
    "* * * * *": ("lead-indexes",),
    # The one-time import, a bounded number of pages per tick (docs/quickbooks.md has the budget).
    "*/2 * * * *": ("quickbooks-import",),
}

LEASE = timedelta(minutes=5)


class UnknownJob(KeyError):
    pass


async def run_job(bindings: Bindings, name: str, holder: str = "local") -> dict[str, object]:
    """Run one job now if nobody else holds its lease. Returns what happened."""
    if name not in JOBS:
        raise UnknownJob(name)
    db, now = bindings.db, bindings.clock.now()
    # the row's creation and the claim in one batch: one D1 round trip
    _, claimed = await db.batch(
        [
            q("INSERT INTO cron_leases (job) VALUES (?) ON CONFLICT (job) DO NOTHING", name),
            q(
                "UPDATE cron_leases SET holder = ?, leased_until = ?, last_started = ?"
                " WHERE job = ? AND (leased_until IS NULL OR leased_until <= ?)",
                holder,
                iso(now + LEASE),
                iso(now),
                name,
                iso(now),
            ),
        ]
    )
    if claimed.changes != 1:
        return {"job": name, "skipped": "another run holds the lease"}
    try:
        result = await JOBS[name](bindings, now)
        outcome = ", ".join(f"{k}={v}" for k, v in result.items()) or "nothing to do"
    except Exception as exc:
        outcome = f"error: {type(exc).__name__}: {str(exc)[:200]}"
        result = {}
        raise
    finally:
        await db.run(
            "UPDATE cron_leases SET holder = NULL, leased_until = NULL, last_finished = ?, last_result = ?"
            " WHERE job = ? AND holder = ?",
            iso(bindings.clock.now()),
            outcome,
            name,
            holder,
        )
    return {"job": name, **result}


async def dispatch(bindings: Bindings, cron: str, holder: str = "local") -> list[dict[str, object]]:
    """Run every job registered for a cron expression (what `scheduled()` receives)."""
    names = SCHEDULE.get(cron)
    if names is None:
        raise UnknownJob(f"no jobs registered for cron {cron!r}")
    return [await run_job(bindings, name, holder) for name in names]

"""Scheduled jobs: a registry from each cron expression in wrangler.toml to its jobs.

The Worker's `scheduled()` (src/entry.py), the local scheduler (`make dev`) and
`porchlight cron run NAME` all dispatch through here. Every job is an idempotent tick: it claims
its lease with a conditional write, does a bounded amount of work, and reports what it did.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from automations import fire as automations_fire
from core import outbox
from core.bindings import Bindings
from core.clock import iso
from core.storage import q
from cron import housekeeping
from jobs import auto_status as jobs_auto_status
from leads import search as lead_search
from messaging import email as messaging_email  # noqa: F401 - registers the outbox's email handler
from messaging import sms_delivery  # noqa: F401 - registers the outbox's sms handler (issue 21)
from quickbooks import importer as quickbooks_import
from quickbooks import sync as quickbooks_sync
from reports import rollups as report_rollups
from tasks import recurring as recurring_tasks  # issue 23
from tasks import report_emails  # issue 23
from webhooks import delivery as webhook_delivery  # registers the outbox's webhook handlers (issue 22)
from webhooks import jobs_feed as webhook_jobs
from webhooks import leads_feed as webhook_leads

# A job is called as job(bindings, now); a job in RENEWED also gets lease=<its Lease>.
Job = Callable[..., Awaitable[dict[str, int]]]


async def _lead_indexes(bindings: Bindings, now: datetime) -> dict[str, int]:
    """New leads into the search index and the report rollups, in bulk (migrations 0017 and 0018)."""
    # independent tables, so together: on D1 their "anything noted?" reads share one round trip
    indexed, counted = await asyncio.gather(
        lead_search.index_pending(bindings.db, limit=LEAD_INDEX_BUDGET),
        report_rollups.count_pending(bindings.db, limit=LEAD_INDEX_BUDGET),
    )
    return {"leads_indexed": indexed, "leads_counted": counted}


async def _webhook_events(bindings: Bindings, now: datetime) -> dict[str, int]:
    """Issue 22: both webhook feeds under one lease (each is safe alone: its own guarded cursor)."""
    return {**await webhook_leads.tick(bindings, now), **await webhook_jobs.tick(bindings, now)}


async def _jobs_auto_status(bindings: Bindings, now: datetime) -> dict[str, int]:
    """Auto Status Change (ASC-1…ASC-9): Submitted → In Progress at 19:00 local the day before."""
    return await jobs_auto_status.tick(bindings.db, now)


LEAD_INDEX_BUDGET = 50_000  # leads per tick and index; a search or a report catches up on any rest itself

JOBS: dict[str, Job] = {
    "housekeeping": housekeeping.run,
    "lead-indexes": _lead_indexes,
    "quickbooks-import": quickbooks_import.tick,
    "quickbooks-sync": quickbooks_sync.tick,
    # issue 21: the outbox (every registered kind's handler is imported above or below)
    "outbox": outbox.tick,
    "jobs-auto-status": _jobs_auto_status,
    # issue 23: recurring tasks (RTK-3) and the emailed reports, each idempotent per occurrence/window
    "recurring-tasks": lambda bindings, now: recurring_tasks.tick(bindings.db, now),
    "report-emails": lambda bindings, now: report_emails.tick(bindings.db, now),
    # issue 22: automations — events each minute (after commit), time triggers every 5 minutes
    "automation-events": automations_fire.events_tick,
    "automation-times": automations_fire.timed_tick,
    # issue 22: the webhook delivery log is kept 30 days (its daily counters for ever)
    "webhooks-purge": webhook_delivery.purge,
    # issue 22: lead and job events (written in each change's batch) into webhook deliveries, before the outbox drains
    "webhooks-events": _webhook_events,
}

# Keep in step with [triggers].crons in wrangler.toml (tests/cron/test_cron.py checks both directions).
SCHEDULE: dict[str, tuple[str, ...]] = {
    "*/10 * * * *": ("housekeeping", "quickbooks-sync", "webhooks-purge"),
    # New leads into the search index and the report rollups in bulk; searches and reports also
    # catch up first (src/leads/search.py, src/reports/rollups.py).
    # issue 22: lead and job events into webhook deliveries before the outbox drains
    "* * * * *": ("lead-indexes", "webhooks-events", "outbox", "automation-events"),
    "*/5 * * * *": (
        "automation-times",
    ),  # issue 22: AUT-6's 5-minute tick  # outbox: issue 21, delivery of everything that leaves
    # The one-time import, a bounded number of pages per tick (docs/quickbooks.md has the budget).
    "*/2 * * * *": ("quickbooks-import",),
    # Auto Status Change (ASC-7): a transition lands within ~15 minutes of 19:00 local; issue 23:
    # recurring tasks and the emailed reports.
    "*/15 * * * *": ("jobs-auto-status", "recurring-tasks", "report-emails"),
}

LEASE = timedelta(minutes=5)
# Jobs that renew their lease as they make progress hold a short one, so a run that dies (a Worker
# killed at its limit, a process killed) blocks at most the next tick, not five minutes of them.
# The import renews after every page it writes; a page takes seconds, and should one take longer
# than this, a second runner on the same page still writes nothing (the import's cursor guard).
RENEWED: dict[str, timedelta] = {"quickbooks-import": timedelta(seconds=60), "outbox": timedelta(seconds=60)}


class UnknownJob(KeyError):
    pass


@dataclass(frozen=True)
class Lease:
    """A claimed job lease that its run extends as it makes progress."""

    bindings: Bindings
    job: str
    holder: str
    length: timedelta

    async def renew(self) -> bool:
        """Hold the lease for another `length` from now. False when it is no longer ours (it ran out
        and another run took it): the caller stops, leaving the work to that run."""
        renewed = await self.bindings.db.run(
            "UPDATE cron_leases SET leased_until = ? WHERE job = ? AND holder = ?",
            iso(self.bindings.clock.now() + self.length),
            self.job,
            self.holder,
        )
        return renewed.changes == 1


async def run_job(bindings: Bindings, name: str, holder: str = "local") -> dict[str, object]:
    """Run one job now if nobody else holds its lease. Returns what happened."""
    if name not in JOBS:
        raise UnknownJob(name)
    db, now = bindings.db, bindings.clock.now()
    # Each run holds the lease under its own name, so a run that outlived its lease cannot release
    # (or renew) the one a later run holds.
    holder = f"{holder}:{secrets.token_hex(4)}"
    length = RENEWED.get(name, LEASE)
    # the row's creation and the claim in one batch: one D1 round trip
    _, claimed = await db.batch(
        [
            q("INSERT INTO cron_leases (job) VALUES (?) ON CONFLICT (job) DO NOTHING", name),
            q(
                "UPDATE cron_leases SET holder = ?, leased_until = ?, last_started = ?"
                " WHERE job = ? AND (leased_until IS NULL OR leased_until <= ?)",
                holder,
                iso(now + length),
                iso(now),
                name,
                iso(now),
            ),
        ]
    )
    if claimed.changes != 1:
        return {"job": name, "skipped": "another run holds the lease"}
    outcome = "interrupted"  # cancelled (a BaseException): released all the same, saying so
    try:
        if name in RENEWED:
            result = await JOBS[name](bindings, now, lease=Lease(bindings, name, holder, length))
        else:
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

"""Scheduled jobs: a registry from each cron expression in wrangler.toml to its jobs.

The Worker's `scheduled()` (src/entry.py), the local scheduler (`make dev`) and
`porchlight cron run NAME` all dispatch through here. Every job is an idempotent tick: it claims
its lease with a conditional write, does a bounded amount of work, and reports what it did.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from automations import fire as automations_fire
from core import outbox
from core.bindings import Bindings
from core.clock import iso
from core.storage import DatabaseError, Statement, q
from cron import housekeeping
from jobs import auto_status as jobs_auto_status
from leads import search as lead_search
from messaging import email as messaging_email  # noqa: F401 - registers the outbox's email handler
from messaging import sms_delivery  # noqa: F401 - registers the outbox's sms handler (issue 21)
from quickbooks import importer as quickbooks_import
from quickbooks import sync as quickbooks_sync
from reports import rollups as report_rollups
from tasks import payment_summaries as finance_summaries  # FIN-8: weekly payment summaries
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
    """Issue 22: both webhook feeds under one lease (each is safe alone: its own guarded cursor), run
    together so their first reads share a D1 round trip; one failing does not stop the other."""
    results = await asyncio.gather(
        webhook_leads.tick(bindings, now), webhook_jobs.tick(bindings, now), return_exceptions=True
    )
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return {**results[0], **results[1]}  # type: ignore[dict-item]


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
    # FIN-8: the weekly per-contractor / per-partner payment summaries, once per (week, recipient)
    "payment-summaries": lambda bindings, now: finance_summaries.tick(bindings.db, now),
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
    # issue 22: lead and job events into webhook deliveries, and event automations into messages, before the
    # outbox drains (FEEDS: when either has work, the outbox runs in the same tick)
    "* * * * *": ("lead-indexes", "webhooks-events", "automation-events", "outbox"),
    "*/5 * * * *": (
        "automation-times",
    ),  # issue 22: AUT-6's 5-minute tick  # outbox: issue 21, delivery of everything that leaves
    # The one-time import, a bounded number of pages per tick (docs/quickbooks.md has the budget).
    "*/2 * * * *": ("quickbooks-import",),
    # Auto Status Change (ASC-7): a transition lands within ~15 minutes of 19:00 local; issue 23:
    # recurring tasks and the emailed reports.
    # FIN-8: the weekly payment summaries (Sunday 23:00 New York; bounded per tick).
    "*/15 * * * *": ("jobs-auto-status", "recurring-tasks", "report-emails", "payment-summaries"),
}

LEASE = timedelta(minutes=5)
# Jobs that renew their lease as they make progress hold a short one, so a run that dies (a Worker
# killed at its limit, a process killed) blocks at most the next tick, not five minutes of them.
# The import renews after every page it writes; a page takes seconds, and should one take longer
# than this, a second runner on the same page still writes nothing (the import's cursor guard).
RENEWED: dict[str, timedelta] = {"quickbooks-import": timedelta(seconds=60), "outbox": timedelta(seconds=60)}

# "Anything to do?" for `dispatch`: statements that return a row when the job has work. They ride in
# the tick's claim batch, so a tick whose jobs are all idle costs two D1 round trips (claim + probes,
# release). A job without a probe always runs. `porchlight cron run NAME` (run_job) never probes.
Probe = Callable[[datetime], Sequence[Statement]]
PROBES: dict[str, Probe] = {
    "lead-indexes": lambda now: (lead_search.pending_probe(), report_rollups.pending_probe()),
    "webhooks-events": lambda now: (webhook_jobs.events_probe(webhook_leads.SOURCE, webhook_jobs.SOURCE),),
    "outbox": lambda now: (outbox.due_probe(now),),
    "automation-events": lambda now: (automations_fire.events_probe(),),
    "automation-times": lambda now: (automations_fire.timed_probe(now),),
    "jobs-auto-status": lambda now: (jobs_auto_status.due_probe(),),
    "recurring-tasks": lambda now: (recurring_tasks.due_probe(),),
    "report-emails": lambda now: (report_emails.due_probe(),),
    "payment-summaries": lambda now: (finance_summaries.due_probe(),),  # FIN-8
}
# A job whose work makes work for later jobs of the same tick: when it is due, they run too, whatever
# their probe said before it ran (webhook deliveries and automated messages leave in the same minute).
FEEDS: dict[str, tuple[str, ...]] = {"webhooks-events": ("outbox",), "automation-events": ("outbox",)}
IDLE = "nothing to do"

log = logging.getLogger("porchlight.cron")


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


@dataclass
class _Run:
    """One job in one tick: whether it got its lease, whether it has work, and how it ended."""

    name: str
    lease: Lease
    claimed: bool = False
    due: bool = True
    outcome: str = "interrupted"  # cancelled (a BaseException): released all the same, saying so
    finished: datetime | None = None
    report: dict[str, object] = field(default_factory=dict)
    error: Exception | None = None


def _claims(runs: list[_Run], now: datetime) -> list[Statement]:
    """Every job's row exists, then each is claimed if no live run holds it (a dead run's lease has
    run out): 2 statements a job, in one batch."""
    rows = [q("INSERT INTO cron_leases (job) VALUES (?) ON CONFLICT (job) DO NOTHING", r.name) for r in runs]
    claims = [
        q(
            "UPDATE cron_leases SET holder = ?, leased_until = ?, last_started = ?"
            " WHERE job = ? AND (leased_until IS NULL OR leased_until <= ?)",
            r.lease.holder,
            iso(now + r.lease.length),
            iso(now),
            r.name,
            iso(now),
        )
        for r in runs
    ]
    return rows + claims


def _release(run: _Run, at: datetime) -> Statement:
    # only our own claim: a run that outlived its lease cannot release the one a later run holds
    return q(
        "UPDATE cron_leases SET holder = NULL, leased_until = NULL, last_finished = ?, last_result = ?"
        " WHERE job = ? AND holder = ?",
        iso(run.finished or at),
        run.outcome,
        run.name,
        run.lease.holder,
    )


async def _claim(bindings: Bindings, runs: list[_Run], now: datetime, probe: bool) -> None:
    """One round trip: the claims and, when PROBE, every claimed job's "anything to do?" reads."""
    claims = _claims(runs, now)
    probes = [(r, st) for r in runs if probe and r.name in PROBES for st in PROBES[r.name](now)]
    try:
        results = await bindings.db.batch([*claims, *(st for _, st in probes)])
    except DatabaseError:
        if not probes:
            raise
        log.exception("cron probes failed; every job runs")  # a broken probe must not stop the tick
        probes = []
        results = await bindings.db.batch(claims)
    for run, claimed in zip(runs, results[len(runs) : len(claims)], strict=True):
        run.claimed = claimed.changes == 1
    answers = results[len(claims) :]
    for run in runs:
        if run.name in PROBES and probes:
            run.due = any(res.rows for (r, _), res in zip(probes, answers, strict=True) if r is run)
    for run in runs:  # in schedule order, so a feed's due makes the jobs it feeds due
        if run.due:
            for later in runs:
                if later.name in FEEDS.get(run.name, ()):
                    later.due = True


async def _work(bindings: Bindings, run: _Run, now: datetime) -> None:
    """Run one claimed job that has work; its failure is recorded, logged and kept, never raised here."""
    clock = bindings.clock
    # Released at the end of the tick: a job that waited behind slow ones renews before it starts,
    # so it never works on a lease that ran out (and that another run may hold by now).
    if clock.now() - now > run.lease.length / 2 and not await run.lease.renew():
        run.claimed, run.report = False, {"skipped": "another run holds the lease"}
        return
    try:
        if run.name in RENEWED:
            result = await JOBS[run.name](bindings, now, lease=run.lease)
        else:
            result = await JOBS[run.name](bindings, now)
        run.outcome = ", ".join(f"{k}={v}" for k, v in result.items()) or IDLE
        run.report = dict(result)
    except Exception as exc:
        run.outcome = f"error: {type(exc).__name__}: {str(exc)[:200]}"
        run.report, run.error = {"error": run.outcome}, exc
        log.exception("cron job %s failed", run.name)
    run.finished = clock.now()


async def _tick(bindings: Bindings, names: Sequence[str], holder: str, *, probe: bool) -> list[_Run]:
    """Claim every job of NAMES in one batch, run those claimed with work in order, release every
    claim in one batch (an idle job's says "nothing to do")."""
    now = bindings.clock.now()
    # Each tick holds its leases under its own name, so a run that outlived its lease cannot release
    # (or renew) the one a later run holds.
    holder = f"{holder}:{secrets.token_hex(4)}"
    runs = [_Run(n, Lease(bindings, n, holder, RENEWED.get(n, LEASE))) for n in names]
    await _claim(bindings, runs, now, probe)
    claimed = [r for r in runs if r.claimed]
    try:
        for run in claimed:
            if run.due:
                await _work(bindings, run, now)
            else:
                run.outcome, run.finished = IDLE, now
    finally:
        held = [r for r in claimed if r.claimed]
        if held:
            await bindings.db.batch([_release(r, bindings.clock.now()) for r in held])
    return runs


def _report(run: _Run) -> dict[str, object]:
    if not run.claimed and not run.report:
        return {"job": run.name, "skipped": "another run holds the lease"}
    if not run.due:
        return {"job": run.name, "result": IDLE}
    return {"job": run.name, **run.report}


async def run_job(bindings: Bindings, name: str, holder: str = "local") -> dict[str, object]:
    """Run one job now (no probe: it looks for work itself) if nobody else holds its lease; a failure
    is recorded in cron_leases and raised. Returns what happened."""
    if name not in JOBS:
        raise UnknownJob(name)
    (run,) = await _tick(bindings, [name], holder, probe=False)
    if run.error is not None:
        raise run.error
    return _report(run)


async def dispatch(bindings: Bindings, cron: str, holder: str = "local") -> list[dict[str, object]]:
    """Run every job registered for a cron expression (what `scheduled()` receives).

    D1 round trips: one batch claims every job's lease and asks each job with a probe whether it has
    anything to do; the claimed jobs with work run in schedule order, each with its own reads and
    writes; one batch releases every claim with its result (`nothing to do` for the idle ones). An
    idle tick is 2 round trips, whatever the number of jobs. A job that raises is recorded as
    `error: …` and logged, and the next job still runs."""
    names = SCHEDULE.get(cron)
    if names is None:
        raise UnknownJob(f"no jobs registered for cron {cron!r}")
    return [_report(run) for run in await _tick(bindings, names, holder, probe=True)]

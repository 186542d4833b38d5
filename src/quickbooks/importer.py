"""The one-time import: runs, their per-entity cursors, the cron tick that advances them, and purge.

Owns `quickbooks_import_runs` and `quickbooks_import_steps`.

`start_import` makes a run (or resumes a failed one). The cron job `quickbooks-import` then reads
at most `PAGES_PER_TICK` pages per tick: for the run's first unfinished entity it asks QuickBooks for
`SELECT * FROM <Entity> ORDERBY Id STARTPOSITION n MAXRESULTS 1000` (name lists with
`Active IN (true, false)`, so inactive customers come too), and writes the page as one batch: first
the cursor move, guarded by the cursor's old value (a second runner on the same page stops there and
writes nothing), then the page's upserts. A tick killed between the call and the batch wrote
nothing, and the next tick asks for the same page again; a page applied twice changes nothing. So a
run can be stopped anywhere and resumes exactly where it was, with exact counts.

Budget per tick (docs/quickbooks.md): 8 pages = at most 8,000 objects, 8 API calls (+8 COUNT calls
on a run's first tick, +1 token refresh at most) and ~4 D1 round trips per page (one renews the
cron lease): far inside a Worker invocation's
1,000 subrequests and 1,000 D1 queries, QuickBooks' 500 requests/minute, and (measured locally) well
under a second of CPU for typical pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from core import records
from core.bindings import Bindings
from core.clock import iso
from core.errors import Conflict, Invalid
from core.records import Actor
from core.storage import Database, Row, Statement, q
from quickbooks import identity, oauth, objects, webhook
from quickbooks.api import Api
from quickbooks.client import QuickBooksError, Throttled, select

PAGE_SIZE = 1000
PAGES_PER_TICK = 8
MAX_ATTEMPTS = 5
THROTTLE_BACKOFF = timedelta(seconds=60)
# CDC after an import starts from a little before the import began, so changes made while it ran are
# fetched (applying one twice is harmless).
WATERMARK_OVERLAP = timedelta(minutes=5)
PURGE_CHUNK = 2000


class KeepsLease(Protocol):
    """The cron lease of the run doing the tick (cron.Lease), renewed after each page."""

    async def renew(self) -> bool: ...


class NotConfirmed(Invalid):
    """The owner did not type the confirmation word; answered 400, as the API always has."""

    status = 400


@dataclass(frozen=True)
class Step:
    entity: str
    imported: int
    total: int | None
    done: bool


@dataclass(frozen=True)
class Run:
    id: int
    realm_id: str
    environment: str
    status: str
    started_at: str
    finished_at: str | None
    attempts: int
    error_count: int
    last_error: str | None
    last_error_at: str | None
    steps: tuple[Step, ...]

    @property
    def imported(self) -> int:
        return sum(s.imported for s in self.steps)

    @property
    def total(self) -> int | None:
        """Objects to import, once every entity has been counted."""
        if any(s.total is None and not s.done for s in self.steps):
            return None
        return sum(max(s.total or 0, s.imported) for s in self.steps)

    @property
    def percent(self) -> int:
        if self.status == "completed":
            return 100
        total = self.total
        if total:
            return min(99, self.imported * 100 // total)
        return sum(1 for s in self.steps if s.done) * 100 // max(1, len(self.steps))

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "realm_id": self.realm_id,
            "environment": self.environment,
            "status": self.status,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "progress": self.percent,
            "imported": self.imported,
            "total": self.total,
            "errors": self.error_count,
            "last_error": self.last_error,
            "last_error_at": self.last_error_at,
            "entities": [
                {"entity": s.entity, "imported": s.imported, "total": s.total, "done": s.done} for s in self.steps
            ],
        }


async def _run(db: Database, row: Row | None) -> Run | None:
    if row is None:
        return None
    steps = await db.all(
        "SELECT entity, imported, total, done_at FROM quickbooks_import_steps WHERE run_id = ? ORDER BY ord", row["id"]
    )
    return Run(
        id=row["id"],
        realm_id=row["realm_id"],
        environment=row["environment"],
        status=row["status"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        attempts=row["attempts"],
        error_count=row["error_count"],
        last_error=row["last_error"],
        last_error_at=row["last_error_at"],
        steps=tuple(Step(s["entity"], s["imported"], s["total"], s["done_at"] is not None) for s in steps),
    )


async def latest_run(db: Database) -> Run | None:
    return await _run(db, await db.first("SELECT * FROM quickbooks_import_runs ORDER BY id DESC LIMIT 1"))


async def running_run(db: Database) -> Run | None:
    return await _run(db, await db.first("SELECT * FROM quickbooks_import_runs WHERE status = 'running' LIMIT 1"))


def confirmation_ok(conn: oauth.Connection | None, confirm: str | None, *, always: bool = False) -> bool:
    """Production (or `always`) needs the company name typed; case and outer spaces do not matter."""
    if conn is None:
        return True
    if conn.environment != "production" and not always:
        return True
    expected = (conn.company_name or conn.realm_id).strip().casefold()
    return (confirm or "").strip().casefold() == expected


async def start_import(bindings: Bindings, actor: Actor, *, confirm: str | None = None) -> Run:
    """Start the one-time import (or resume the latest run if it failed)."""
    db, now = bindings.db, bindings.clock.now()
    conn = await oauth.connection(db)
    if conn is None or not conn.connected:
        raise Conflict("Connect QuickBooks before running the one-time import.")
    if not confirmation_ok(conn, confirm):
        raise NotConfirmed(f"Type the company name ({conn.company_name}) to import from production.")
    running = await running_run(db)
    if running is not None:
        return running
    latest = await latest_run(db)
    label = conn.company_name or conn.realm_id
    if latest is not None and latest.status == "failed" and latest.realm_id == conn.realm_id:
        await db.batch(_resumed(now, actor, latest, label))
    else:
        await db.batch(_started(now, actor, conn, label))
    run = await running_run(db)
    assert run is not None
    return run


def _resumed(now: datetime, actor: Actor, latest: Run, label: str) -> list[Statement]:
    """Set a failed run going again from its cursors, its attempts back to 0 (audited if it moved)."""
    return [
        q(
            "UPDATE quickbooks_import_runs SET status = 'running', attempts = 0, updated_at = ?"
            " WHERE id = ? AND status = 'failed'",
            iso(now),
            latest.id,
        ),
        records.if_changed(
            records.audit(
                now,
                actor,
                "quickbooks.import.resumed",
                f"{actor.label} resumed the QuickBooks import from {label}",
                meta={"run_id": latest.id},
            )
        ),
    ]


def _started(now: datetime, actor: Actor, conn: oauth.Connection, label: str) -> list[Statement]:
    """A new run for the connected company, with one step (cursor) per entity in import order."""
    return [
        q(
            "INSERT INTO quickbooks_import_runs (realm_id, environment, status, started_at, started_by,"
            " updated_at) VALUES (?, ?, 'running', ?, ?, ?)",
            conn.realm_id,
            conn.environment,
            iso(now),
            actor.user_id,
            iso(now),
        ),
        q(
            "INSERT INTO quickbooks_import_steps (run_id, entity, ord)"
            " SELECT (SELECT max(id) FROM quickbooks_import_runs), value, key FROM json_each(?)",
            json.dumps(list(objects.ENTITIES)),
        ),
        records.audit(
            now,
            actor,
            "quickbooks.import.started",
            f"{actor.label} started the one-time QuickBooks import from {label} ({conn.environment})",
            meta={"realm_id": conn.realm_id, "environment": conn.environment},
        ),
    ]


async def _fail_page(db: Database, now: datetime, run: Run, error: QuickBooksError) -> str:
    """Count a failed page; after MAX_ATTEMPTS in a row the run is marked failed (and can be resumed)."""
    message = error.summary()
    give_up = run.attempts + 1 >= MAX_ATTEMPTS and not isinstance(error, Throttled)
    statements = [
        q(
            "UPDATE quickbooks_import_runs SET attempts = attempts + ?, error_count = error_count + 1,"
            " last_error = ?, last_error_at = ?, updated_at = ?, status = ?, finished_at = ?"
            " WHERE id = ? AND status = 'running'",
            0 if isinstance(error, Throttled) else 1,
            message,
            iso(now),
            iso(now),
            "failed" if give_up else "running",
            iso(now) if give_up else None,
            run.id,
        )
    ]
    if give_up:
        statements.append(
            records.audit(
                now,
                records.SYSTEM,
                "quickbooks.import.failed",
                f"The QuickBooks import stopped after {MAX_ATTEMPTS} failed attempts: {message}",
                meta={"run_id": run.id},
            )
        )
    await db.batch(statements)
    return "failed" if give_up else "retrying"


async def _finish(db: Database, now: datetime, run: Run) -> None:
    watermark = iso(datetime.fromisoformat(run.started_at.replace("Z", "+00:00")) - WATERMARK_OVERLAP)
    await db.batch(
        [
            q(
                "UPDATE quickbooks_import_runs SET status = 'completed', finished_at = ?, updated_at = ?"
                " WHERE id = ? AND status = 'running'",
                iso(now),
                iso(now),
                run.id,
            ),
            records.if_changed(
                records.audit(
                    now,
                    records.SYSTEM,
                    "quickbooks.import.completed",
                    f"The QuickBooks import finished: {run.imported} records",
                    meta={"run_id": run.id, **{s.entity: s.imported for s in run.steps}},
                )
            ),
            # Sync starts from the import's start, or stays at an older watermark (a re-import).
            oauth.start_sync_from(now, run.realm_id, watermark),
        ]
    )


async def tick(
    bindings: Bindings,
    now: datetime,
    *,
    page_size: int = PAGE_SIZE,
    pages: int = PAGES_PER_TICK,
    lease: KeepsLease | None = None,
) -> dict[str, int]:
    """Advance the running import by at most `pages` pages. Safe to run any number of times. Under
    cron, each page written renews the job's short lease: a tick that dies holds it for under a
    minute past its last page, and the next tick resumes from the cursor."""
    db = bindings.db
    run = await running_run(db)
    if run is None:
        return {}
    waiting = await _waiting(db, run, now)
    if waiting:
        return waiting
    done_pages = fetched = 0
    customers_seen = lease_lost = False
    # The next page of the same entity is asked for while this one is written, so QuickBooks prepares
    # it while the database works. Only within the tick's page budget; dropped on any other path.
    ahead: tuple[str, int, asyncio.Task[list[dict[str, Any]]]] | None = None
    async with bindings.http() as http:
        api = Api(bindings, http)
        try:
            while done_pages < pages:
                step = await _next_step(db, run.id)
                if step is None:
                    linked = await _complete(bindings, now, run)
                    return {"pages": done_pages, "records": fetched, "completed": 1, "linked": linked}
                entity, position = step["entity"], step["next_position"]
                try:
                    if step["total"] is None:
                        await _count_all(db, api, run.id)
                    pending, ahead = ahead, None
                    rows = await _read_page(api, entity, position, page_size, pending)
                except QuickBooksError as exc:
                    outcome = await _page_failed(db, now, run, exc)
                    return {"pages": done_pages, "records": fetched, outcome: 1}
                finished = len(rows) < page_size
                if not finished and done_pages + 1 < pages:
                    ahead = _ask_ahead(api, entity, position + len(rows), page_size)
                try:
                    await db.batch(_page_statements(now, run, entity, position, rows, finished=finished))
                except records.LostRace:
                    return {"pages": done_pages, "records": fetched, "overlapped": 1}
                done_pages += 1
                fetched += len(rows)
                customers_seen = customers_seen or (entity == "Customer" and bool(rows))
                if lease is not None and not await lease.renew():
                    lease_lost = True  # it ran out and another run took it: that run goes on from the cursor
                    break
        finally:
            await _drop(ahead)
    # Customers just arrived: link those that match exactly one of ours (idempotent, set-based).
    linked = await identity.auto_link(db, run.realm_id, now) if customers_seen else 0
    extra = {"linked": linked} if linked else {}
    return {"pages": done_pages, "records": fetched, **extra, **({"lease_lost": 1} if lease_lost else {})}


async def _waiting(db: Database, run: Run, now: datetime) -> dict[str, int]:
    """Why the run cannot go on now (QuickBooks not connected to the run's company, or backing off
    after throttling), or {} when it can."""
    conn = await oauth.connection(db)
    if conn is None or not conn.connected or conn.realm_id != run.realm_id:
        return {"waiting_for_connection": 1}
    if conn.throttled(now):
        return {"throttled": 1}
    return {}


async def _next_step(db: Database, run_id: int) -> Row | None:
    """The run's first unfinished entity, in import order, with its cursor; None when all are done."""
    return await db.first(
        "SELECT entity, next_position, total FROM quickbooks_import_steps"
        " WHERE run_id = ? AND done_at IS NULL ORDER BY ord LIMIT 1",
        run_id,
    )


async def _complete(bindings: Bindings, now: datetime, run: Run) -> int:
    """No step left: mark the run completed (from its fresh counts), then link the customers that
    match exactly one of ours. Returns how many were linked."""
    db = bindings.db
    await _finish(db, bindings.clock.now(), (await _run(db, await _row(db, run.id))) or run)
    return await identity.auto_link(db, run.realm_id, now)


async def _read_page(
    api: Api,
    entity: str,
    position: int,
    page_size: int,
    ahead: tuple[str, int, asyncio.Task[list[dict[str, Any]]]] | None,
) -> list[dict[str, Any]]:
    """The page of `entity` at `position`: the one asked for ahead when it is that page; otherwise
    the page asked ahead (if any) is dropped and this one asked for now."""
    if ahead is not None and ahead[:2] == (entity, position):
        return await ahead[2]
    await _drop(ahead)
    return await api.query(select(entity, start=position, size=page_size))


def _ask_ahead(
    api: Api, entity: str, position: int, page_size: int
) -> tuple[str, int, asyncio.Task[list[dict[str, Any]]]]:
    """Ask for the page at `position` now, so QuickBooks prepares it while this one is written; the
    next round collects it (`_read_page`) or drops it."""
    query = api.query(select(entity, start=position, size=page_size))
    return (entity, position, asyncio.ensure_future(query))


async def _page_failed(db: Database, now: datetime, run: Run, error: QuickBooksError) -> str:
    """Record a page QuickBooks refused; returns the tick's outcome. Throttling also backs the
    connection off, and is reported as "throttled" whatever the run's count says."""
    if isinstance(error, Throttled):
        await oauth.note_error(db, now, error.summary(), backoff=THROTTLE_BACKOFF)
        await _fail_page(db, now, run, error)
        return "throttled"
    return await _fail_page(db, now, run, error)


def _page_statements(
    now: datetime, run: Run, entity: str, position: int, rows: list[dict[str, Any]], *, finished: bool
) -> list[Statement]:
    """One page as one batch: the cursor moves first, guarded by its old value (a second runner on
    the same page stops there and writes nothing), then the page's upserts, then the run's attempts
    reset."""
    return [
        q(
            "UPDATE quickbooks_import_steps SET next_position = next_position + ?,"
            " imported = imported + ?, done_at = ?"
            " WHERE run_id = ? AND entity = ? AND next_position = ? AND done_at IS NULL",
            len(rows),
            len(rows),
            iso(now) if finished else None,
            run.id,
            entity,
            position,
        ),
        records.guard_changed(),
        *objects.upserts(run.realm_id, entity, rows, now),
        q(
            "UPDATE quickbooks_import_runs SET attempts = 0, updated_at = ? WHERE id = ? AND status = 'running'",
            iso(now),
            run.id,
        ),
    ]


async def _drop(ahead: tuple[str, int, asyncio.Task[list[dict[str, Any]]]] | None) -> None:
    """Abandon a page asked for ahead: cancel it, or collect its answer or error so none is left
    unretrieved."""
    if ahead is None:
        return
    task = ahead[2]
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, QuickBooksError):
        await task


async def _count_all(db: Database, api: Api, run_id: int) -> None:
    """COUNT(*) of every entity not counted yet (one call each, once per run): the progress bar's
    denominator from the first tick on."""
    for step in await db.all(
        "SELECT entity FROM quickbooks_import_steps WHERE run_id = ? AND total IS NULL ORDER BY ord", run_id
    ):
        await db.run(
            "UPDATE quickbooks_import_steps SET total = ? WHERE run_id = ? AND entity = ?",
            await api.count(step["entity"]),
            run_id,
            step["entity"],
        )


async def _row(db: Database, run_id: int) -> Row | None:
    return await db.first("SELECT * FROM quickbooks_import_runs WHERE id = ?", run_id)


async def purge(bindings: Bindings, actor: Actor, *, confirm: str | None) -> int:
    """Delete every imported QuickBooks object from our database (never anything in QuickBooks).
    Needs the company name typed, in any environment. Returns how many rows went."""
    db, now = bindings.db, bindings.clock.now()
    conn = await oauth.connection(db)
    word = (conn.company_name or conn.realm_id) if conn else "PURGE"
    if (confirm or "").strip().casefold() != word.strip().casefold():
        raise NotConfirmed(f"Type {word!r} to confirm the purge.")
    await db.run(
        "UPDATE quickbooks_import_runs SET status = 'cancelled', finished_at = ?, updated_at = ?"
        " WHERE status IN ('running', 'failed')",
        iso(now),
        iso(now),
    )
    removed = 0
    while True:  # bounded chunks: one huge DELETE could outlast a D1 query's time limit
        chunk = objects.purge_chunk(PURGE_CHUNK)
        result = await db.run(chunk.sql, *chunk.params)
        removed += result.changes
        if result.changes < PURGE_CHUNK:
            break
    await db.batch(
        [
            webhook.clear_all_changes(),
            oauth.forget_sync(now),
            records.audit(
                now,
                actor,
                "quickbooks.purged",
                f"{actor.label} purged {removed} imported QuickBooks records from Porchlight"
                " (nothing was deleted in QuickBooks)",
                meta={"removed": removed},
            ),
        ]
    )
    return removed

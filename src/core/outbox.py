"""The outbox: one table and one delivery loop for everything that leaves (X-11, X-12).

A change that causes an outbound message (an email, an SMS, a webhook call, a QuickBooks write-back)
puts `enqueue(...)`'s statement **in its own batch**, so the message exists exactly when the change
does. Delivery never happens inside the request: the one-minute `outbox` cron tick and, right after
a response that enqueued something, a background run (`routes/outbox_kick.py`: a task locally,
`ctx.waitUntil` at the edge) call `drain`.

`drain` claims due rows with one conditional UPDATE (claim-then-act): a claimed row is `sending`
with a lease (`lease_owner`, `lease_until`, and `next_attempt_at` moved to the lease's end), so an
overlapping tick never takes it; a worker killed mid-drain leaves it `sending` until the lease runs
out, and the next drain takes it again. Delivery is therefore at-least-once, and the row's id is the
idempotency key every handler sends to its provider, which de-duplicates. Each attempt is logged in
`outbox_attempts` (time, status, error, latency).

Handlers are registered by kind (`register("email", deliver)`) by the package that owns the kind, at
import. `async deliver(bindings, row) -> Result` gets the row with `payload` decoded and answers
`delivered(ref)`, `retry(error)` (5xx, timeouts: the schedule below) or `failed(error)` (a refusal
that cannot succeed: failed at once). A handler that raises or outlives HANDLER_TIMEOUT is a retry.
The retry schedule is Standard Webhooks' (immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h):
after the eighth attempt the row is `dead`. Redeliver (owner, Maintenance → Outbox) puts a failed or
dead row back to pending with a fresh schedule.

    status: pending → sending → delivered | pending (retry) | failed | dead
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core import records
from core.clock import iso
from core.records import Actor
from core.storage import DatabaseError, Row, Statement, q

# Seconds to wait before attempt n+1 (index n-1 is "before the first"): Standard Webhooks' schedule.
SCHEDULE = (0, 5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
MAX_ATTEMPTS = len(SCHEDULE)
LEASE = timedelta(seconds=60)  # longer than any handler may take (HANDLER_TIMEOUT), so a lease never runs out mid-call
HANDLER_TIMEOUT = 20.0  # seconds: a provider that hangs is a retry, not a stuck row
DRAIN_LIMIT = 50  # rows per tick: each is about one subrequest, under the Worker's per-invocation limit
CONCURRENCY = 8  # deliveries in flight at once within one drain
KICK_LIMIT = 10  # rows a post-response run delivers (the tick takes the rest)
STATUSES = ("pending", "sending", "delivered", "failed", "dead")
ERROR_LENGTH = 500


@dataclass(frozen=True)
class Result:
    """A handler's answer. `statements` (optional) join the batch that records it, for a kind that
    keeps its own state in step (they must be safe to repeat: the row may be delivered again)."""

    outcome: str  # "delivered" | "retry" | "failed"
    provider_ref: str | None = None
    error: str | None = None
    statements: tuple[Statement, ...] = field(default_factory=tuple)


def delivered(provider_ref: str | None = None, statements: Sequence[Statement] = ()) -> Result:
    return Result("delivered", provider_ref=provider_ref, statements=tuple(statements))


def retry(error: str, statements: Sequence[Statement] = ()) -> Result:
    return Result("retry", error=error, statements=tuple(statements))


def failed(error: str, statements: Sequence[Statement] = ()) -> Result:
    return Result("failed", error=error, statements=tuple(statements))


Deliver = Callable[[Any, Row], Awaitable[Result]]  # (bindings, row) -> Result
HANDLERS: dict[str, Deliver] = {}


def register(kind: str, deliver: Deliver) -> None:
    """The owning package's handler for one kind (at import; registering again replaces it)."""
    HANDLERS[kind] = deliver


def new_id() -> str:
    return f"msg_{secrets.token_hex(12)}"


def enqueue(
    kind: str,
    payload: dict[str, Any],
    *,
    office_id: int | None = None,
    not_before: str | None = None,
    now: str,
    message_id: str | None = None,
    if_new: bool = False,
) -> tuple[str, Statement]:
    """A new message: its id (the idempotency key) and the INSERT the caller puts in the batch of the
    change that causes it. `not_before` (ISO time) holds it until then (quiet hours, a reminder).
    `if_new` (with a deterministic MESSAGE_ID): a message that exists already is left as it is (a
    fan-out written twice adds nothing; issue 22)."""
    mid = message_id or new_id()
    due = max(not_before, now) if not_before else now
    return mid, q(
        f"INSERT {'OR IGNORE ' if if_new else ''}INTO outbox"
        " (id, kind, office_id, payload, status, attempts, next_attempt_at, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)",
        mid,
        kind,
        office_id,
        json.dumps(payload, separators=(",", ":")),
        due,
        now,
        now,
    )


def not_before(message_id: str, at: str) -> Statement:
    """Push a message that is waiting for its next attempt to AT at the earliest (a receiver's
    `Retry-After`); for a handler's statements, after the outcome is recorded."""
    return q(
        "UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND status = 'pending' AND next_attempt_at < ?",
        at,
        message_id,
        at,
    )


def is_last_attempt(row: Row) -> bool:
    """True while delivering a row whose failure would make it dead (a handler may say so)."""
    return int(row["attempts"]) >= MAX_ATTEMPTS


def next_delay(attempts: int) -> timedelta | None:
    """After `attempts` attempts failed: how long until the next one, or None when it is dead."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return timedelta(seconds=SCHEDULE[max(attempts, 1)])


# --- one HTTP client per drain -------------------------------------------------------------------
# Opening an httpx client costs tens of milliseconds (its TLS context), more than a delivery to a
# nearby API; a drain therefore lends one client to all its handlers (`http_client`), opened on first
# use and closed when the drain ends — never kept between requests (the Worker forbids I/O objects
# that outlive their request).


class _Lender:
    def __init__(self, bindings: Any):
        self.bindings = bindings
        self.client: Any = None
        self.opening: asyncio.Lock = asyncio.Lock()
        self.memo: dict[Any, Any] = {}

    async def get(self) -> Any:
        async with self.opening:
            if self.client is None:
                self.client = await self.bindings.http().__aenter__()
        return self.client

    async def close(self) -> None:
        if self.client is not None:
            await self.client.__aexit__(None, None, None)


_LENDER: contextvars.ContextVar[_Lender | None] = contextvars.ContextVar("outbox_http", default=None)


async def remembered(key: Any, load: Callable[[], Awaitable[Any]]) -> Any:
    """LOAD's answer, loaded once per drain (a sender identity read for 50 messages from one office).
    Outside a drain it is loaded every time."""
    lender = _LENDER.get()
    if lender is None:
        return await load()
    if key not in lender.memo:  # the load itself is kept, so rows delivered at once share one read
        lender.memo[key] = asyncio.ensure_future(load())
    return await lender.memo[key]


@asynccontextmanager
async def http_client(bindings: Any) -> AsyncIterator[Any]:
    """The drain's shared client when delivering inside one, else a fresh one for this use."""
    lender = _LENDER.get()
    if lender is not None:
        yield await lender.get()
        return
    async with bindings.http() as client:
        yield client


# --- the loop ------------------------------------------------------------------------------------


async def claim(bindings: Any, now: datetime, owner: str, limit: int, kinds: Sequence[str]) -> list[Row]:
    """Take up to LIMIT due rows of KINDS for OWNER, oldest due first, in one statement: a pending row
    whose time has come, or a sending row whose lease ran out (its worker died). Atomic in both
    runtimes, so two drains at once never hold the same row."""
    if not kinds or limit <= 0:
        return []
    result = await bindings.db.run(
        "UPDATE outbox SET status = 'sending', lease_owner = ?, lease_until = ?, next_attempt_at = ?,"
        " attempts = attempts + 1, updated_at = ? WHERE id IN (SELECT id FROM outbox INDEXED BY outbox_due"
        " WHERE status IN ('pending', 'sending') AND next_attempt_at <= ?"
        " AND kind IN (SELECT value FROM json_each(?)) ORDER BY next_attempt_at LIMIT ?)"
        " AND status IN ('pending', 'sending') AND next_attempt_at <= ?"
        " RETURNING id, kind, office_id, payload, status, attempts, created_at",
        owner,
        iso(now + LEASE),
        iso(now + LEASE),
        iso(now),
        iso(now),
        json.dumps(sorted(kinds)),
        limit,
        iso(now),
    )
    rows = []
    for row in result.rows:
        row = dict(row)
        row["payload"] = json.loads(row["payload"])
        rows.append(row)
    rows.sort(key=lambda r: r["created_at"])
    return rows


def due_probe(now: datetime) -> Statement:
    """A row when `claim` would take one (any registered kind): the cron dispatcher's probe, so an
    idle minute reads one index entry instead of running an UPDATE."""
    return q(
        "SELECT 1 AS due FROM outbox INDEXED BY outbox_due WHERE status IN ('pending', 'sending')"
        " AND next_attempt_at <= ? AND kind IN (SELECT value FROM json_each(?)) LIMIT 1",
        iso(now),
        json.dumps(sorted(HANDLERS)),
    )


async def _attempt(bindings: Any, row: Row, time_limit: float, handler: Deliver | None) -> tuple[Result, int]:
    deliver = handler or HANDLERS.get(row["kind"])
    began = time.perf_counter()
    try:
        if deliver is None:
            result = retry(f"no handler for kind {row['kind']!r}")
        else:
            result = await asyncio.wait_for(deliver(bindings, row), time_limit)
    except TimeoutError:
        result = retry(f"timed out after {time_limit:g} s")
    except Exception as exc:  # a handler's bug or a transport error: try again on schedule
        result = retry(f"{type(exc).__name__}: {exc}")
    return result, int((time.perf_counter() - began) * 1000)


def record(row: Row, owner: str, result: Result, latency_ms: int, now: datetime) -> list[Statement]:
    """The statements that write one attempt's outcome: the row (only while OWNER still holds it) and
    the attempt log line; plus the handler's own statements."""
    error = (result.error or "")[:ERROR_LENGTH] or None
    attempts = int(row["attempts"])
    if result.outcome == "delivered":
        status, due = "delivered", None
    elif result.outcome == "failed":
        status, due = "failed", None
    else:
        delay = next_delay(attempts)
        status, due = ("dead", None) if delay is None else ("pending", iso(now + delay))
    update = q(
        "UPDATE outbox SET status = ?, next_attempt_at = coalesce(?, next_attempt_at), lease_owner = NULL,"
        " lease_until = NULL, last_error = ?, provider_ref = coalesce(?, provider_ref), updated_at = ?,"
        " finished_at = CASE WHEN ? IN ('delivered', 'failed', 'dead') THEN ? END"
        " WHERE id = ? AND status = 'sending' AND lease_owner = ?",
        status,
        due,
        error,
        result.provider_ref,
        iso(now),
        status,
        iso(now),
        row["id"],
        owner,
    )
    log = q(
        "INSERT INTO outbox_attempts (outbox_id, attempt, at, status, error, latency_ms, provider_ref)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        row["id"],
        attempts,
        iso(now),
        status if status != "pending" else "retry",
        error,
        latency_ms,
        result.provider_ref,
    )
    return [update, log, *result.statements]


async def deliver_rows(
    bindings: Any,
    rows: Sequence[Row],
    owner: str,
    *,
    time_limit: float = HANDLER_TIMEOUT,
    concurrency: int = CONCURRENCY,
    handler: Deliver | None = None,
) -> dict[str, int]:
    """Deliver claimed rows, CONCURRENCY at a time, and record their outcomes together in one batch
    (one commit, one D1 round trip, per drain). A worker killed before that batch leaves its rows
    leased: they are delivered again after the lease, and the provider's idempotency key absorbs it.
    HANDLER replaces the registered one (a caller holding an open API client, the QuickBooks tick)."""
    counts: dict[str, int] = {}
    gate = asyncio.Semaphore(max(1, concurrency))
    recorded: list[list[Statement]] = []

    async def one(row: Row) -> None:
        async with gate:
            result, latency = await _attempt(bindings, row, time_limit, handler)
            recorded.append(record(row, owner, result, latency, bindings.clock.now()))
            key = result.outcome if result.outcome != "retry" or next_delay(int(row["attempts"])) else "dead"
            counts[key] = counts.get(key, 0) + 1

    lender = _Lender(bindings)
    token = _LENDER.set(lender)
    try:
        await asyncio.gather(*(one(r) for r in rows))
    finally:
        _LENDER.reset(token)
        await lender.close()
    try:
        await bindings.db.batch([st for each in recorded for st in each])
    except DatabaseError:  # one row's statements were refused: record the rows one by one
        for each in recorded:
            try:
                await bindings.db.batch(each)
            except DatabaseError:  # its handler's own statements: the outcome, without them
                await bindings.db.batch(each[:2])
    return counts


async def drain(
    bindings: Any,
    limit: int = DRAIN_LIMIT,
    *,
    kinds: Sequence[str] | None = None,
    owner: str | None = None,
    time_limit: float = HANDLER_TIMEOUT,
    concurrency: int = CONCURRENCY,
) -> dict[str, int]:
    """Deliver up to LIMIT due messages of KINDS (default: every registered kind). Returns counts
    by outcome (`delivered`, `retry`, `failed`, `dead`) and `claimed`."""
    owner = owner or f"drain:{secrets.token_hex(6)}"
    wanted = [k for k in (kinds if kinds is not None else sorted(HANDLERS)) if k in HANDLERS]
    rows = await claim(bindings, bindings.clock.now(), owner, limit, wanted)
    if not rows:
        return {}
    counts = await deliver_rows(bindings, rows, owner, time_limit=time_limit, concurrency=concurrency)
    return {"claimed": len(rows), **counts}


async def deliver_now(
    bindings: Any, message_id: str, *, time_limit: float = HANDLER_TIMEOUT, handler: Deliver | None = None
) -> str:
    """Claim and deliver one message at once if it is due and free (an explicit user action that
    waits on purpose). Returns its status afterwards."""
    now, owner = bindings.clock.now(), f"now:{secrets.token_hex(6)}"
    result = await bindings.db.run(
        "UPDATE outbox SET status = 'sending', lease_owner = ?, lease_until = ?, next_attempt_at = ?,"
        " attempts = attempts + 1, updated_at = ? WHERE id = ? AND status IN ('pending', 'sending')"
        " AND next_attempt_at <= ? RETURNING id, kind, office_id, payload, status, attempts, created_at",
        owner,
        iso(now + LEASE),
        iso(now + LEASE),
        iso(now),
        message_id,
        iso(now),
    )
    if result.rows:
        row = dict(result.rows[0])
        row["payload"] = json.loads(row["payload"])
        await deliver_rows(bindings, [row], owner, time_limit=time_limit, handler=handler)
    found = await bindings.db.first("SELECT status FROM outbox WHERE id = ?", message_id)
    return str(found["status"]) if found else "missing"


async def tick(bindings: Any, now: datetime, lease: Any = None) -> dict[str, int]:
    """The one-minute cron job: a bounded drain. (Its cron lease is short, cron.RENEWED: each row has
    its own lease, so a tick that died holds nobody else back for long.)"""
    return await drain(bindings, DRAIN_LIMIT, owner=f"tick:{secrets.token_hex(6)}")


# --- reading and redelivering (Maintenance → Outbox) ----------------------------------------------

LISTED = 100


async def listing(
    db: Any, *, status: str | None = None, kind: str | None = None, office_id: int | None = None, limit: int = LISTED
) -> list[Row]:
    """Rows newest first; by default the ones needing attention (pending, sending, failed, dead)."""
    where: list[str] = []
    params: list[str | int] = []
    if status:
        where.append("status = ?")
        params.append(status)
    else:
        where.append("status != 'delivered'")
    if kind:
        where.append("kind = ?")
        params.append(kind)
    if office_id is not None:
        where.append("office_id = ?")
        params.append(office_id)
    rows = await db.all(
        "SELECT id, kind, office_id, payload, status, attempts, next_attempt_at, last_error, provider_ref,"
        f" created_at, updated_at, finished_at FROM outbox WHERE {' AND '.join(where)}"
        " ORDER BY created_at DESC, id DESC LIMIT ?",
        *params,
        limit,
    )
    return [shape(r) for r in rows]


def shape(row: Row) -> dict[str, Any]:
    """The JSON form of a row (docs/api.md, "Outbox")."""
    payload = row.get("payload")
    return {
        "id": row["id"],
        "kind": row["kind"],
        "office_id": row.get("office_id"),
        "status": row["status"],
        "attempts": row["attempts"],
        "next_attempt_at": row.get("next_attempt_at") if row["status"] in ("pending", "sending") else None,
        "last_error": row.get("last_error"),
        "provider_ref": row.get("provider_ref"),
        "created_at": row["created_at"],
        "updated_at": row.get("updated_at"),
        "finished_at": row.get("finished_at"),
        "summary": summary(row["kind"], json.loads(payload) if isinstance(payload, str) else (payload or {})),
    }


def summary(kind: str, payload: dict[str, Any]) -> str:
    """One line saying what the message is, for the list (never a secret: payloads hold none)."""
    if kind == "email":
        return f"to {payload.get('to', '?')}: {payload.get('subject', '')}"[:160]
    if kind == "sms":
        return f"to {payload.get('to', '?')}: {payload.get('body', '')}"[:160]
    if kind == "quickbooks":
        return f"{payload.get('entity', '?')} {payload.get('qbo_id', '?')} → {json.dumps(payload.get('change'))}"[:160]
    return str(payload.get("summary") or payload.get("url") or "")[:160]


async def message(db: Any, message_id: str) -> dict[str, Any] | None:
    row = await db.first("SELECT * FROM outbox WHERE id = ?", message_id)
    if row is None:
        return None
    attempts = await db.all(
        "SELECT attempt, at, status, error, latency_ms, provider_ref FROM outbox_attempts WHERE outbox_id = ?"
        " ORDER BY id DESC LIMIT 50",
        message_id,
    )
    return {**shape(row), "payload": json.loads(row["payload"]), "attempt_log": attempts}


async def counts(db: Any) -> dict[str, int]:
    rows = await db.all("SELECT status, COUNT(*) AS n FROM outbox WHERE status != 'delivered' GROUP BY status")
    return {r["status"]: int(r["n"]) for r in rows}


def redelivery(message_id: str, now: datetime) -> Statement:
    """Back to pending with a fresh schedule; only a failed or dead row (the caller guards it)."""
    return q(
        "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, last_error = NULL,"
        " finished_at = NULL, updated_at = ? WHERE id = ? AND status IN ('failed', 'dead')",
        iso(now),
        iso(now),
        message_id,
    )


async def redeliver(db: Any, now: datetime, actor: Actor, message_id: str) -> None:
    """Owner's Redeliver: a failed or dead message goes back to the queue, audited, in one batch."""
    from core.errors import Conflict, NotFound

    row = await db.first("SELECT id, kind, status FROM outbox WHERE id = ?", message_id)
    if row is None:
        raise NotFound("No such message.")
    if row["status"] not in ("failed", "dead"):
        raise Conflict(f"Only a failed or dead message can be redelivered; this one is {row['status']}.")
    await db.batch(
        [
            redelivery(message_id, now),
            records.guard_changed(),
            records.audit(
                now,
                actor,
                "outbox.redeliver",
                f"{actor.label} redelivered {row['kind']} message {message_id} (was {row['status']})",
                meta={"outbox": message_id, "kind": row["kind"], "was": row["status"]},
            ),
        ]
    )

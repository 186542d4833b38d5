"""Estimates: which are active, and changing an estimate's status in QuickBooks through the outbox.

**Active** means not deleted, not expired (`ExpirationDate` today or later, or none), not fully
invoiced (the invoices named in its header `LinkedTxn` total less than the estimate; a voided invoice
totals 0 and invoices nothing), and not Closed or Rejected.

**Status changes** (Pending, Accepted, Rejected, Closed) are written to QuickBooks, which stays the
record: `request_status` adds a row to `quickbooks_outbox` (with its audit row, one batch) and the
caller may `send` it at once; whatever is left is sent by the `quickbooks-sync` tick (`drain`).
Sending claims the row with a conditional UPDATE, posts a sparse update with the SyncToken we hold
and the row's `request_id`; on Fault 5010 (stale SyncToken) it reads the estimate again and retries
once with the fresh token (request id + "-r"). A send repeated after a lost answer reuses the same
ids, and QuickBooks answers a known `requestid` with its first answer instead of applying it again.
The object QuickBooks returns is stored in the same batch that marks the row done.
"""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from core import records
from core.bindings import Bindings
from core.clock import iso
from core.errors import Conflict, Invalid, NotFound
from core.records import Actor
from core.storage import Database, Row, q
from quickbooks import oauth, objects
from quickbooks.api import Api
from quickbooks.client import QuickBooksError, StaleObject, Throttled
from quickbooks.documents import DOC_COLUMNS, Company, money_row

STATUSES = ("Pending", "Accepted", "Rejected", "Closed")
DONE = ("Closed", "Rejected")
MAX_ATTEMPTS = 5
CLAIM = timedelta(seconds=60)
DRAIN_PER_TICK = 20
LISTED = 50

# The invoiced part of an estimate, from its header LinkedTxn (live invoices only).
_INVOICED = (
    "coalesce((SELECT SUM(i.total_cents) FROM json_each(e.linked_txns) l JOIN quickbooks_objects i"
    " ON i.realm_id = e.realm_id AND i.entity = 'Invoice' AND i.qbo_id = json_extract(l.value, '$.TxnId')"
    " AND i.deleted_at IS NULL WHERE json_extract(l.value, '$.TxnType') = 'Invoice'), 0)"
)
_ACTIVE = (
    "e.realm_id = ? AND e.entity = 'Estimate' AND e.deleted_at IS NULL"
    " AND (e.expiration_date IS NULL OR e.expiration_date >= ?)"
    f" AND coalesce(e.status, 'Pending') NOT IN ('Closed', 'Rejected') AND {_INVOICED} < coalesce(e.total_cents, 0)"
)


async def active(db: Database, co: Company, day: date, *, limit: int = LISTED) -> dict[str, Any]:
    """Active estimates, newest first, with the count and total of all of them."""
    total = await db.first(
        f"SELECT COUNT(*) AS n, coalesce(SUM(e.total_cents), 0) AS cents FROM quickbooks_objects e WHERE {_ACTIVE}",
        co.realm_id,
        day.isoformat(),
    )
    rows = await db.all(
        f"SELECT {', '.join('e.' + c.strip() for c in DOC_COLUMNS.split(','))}, {_INVOICED} AS invoiced_cents"
        f" FROM quickbooks_objects e WHERE {_ACTIVE} ORDER BY e.txn_date DESC, e.id DESC LIMIT ?",
        co.realm_id,
        day.isoformat(),
        limit,
    )
    items = [money_row(r, co) | {"invoiced_cents": int(r["invoiced_cents"] or 0)} for r in rows]
    await _with_pending(db, co, items)
    return {"count": int(total["n"]) if total else 0, "cents": int(total["cents"]) if total else 0, "items": items}


async def listed(db: Database, co: Company, *, limit: int = LISTED) -> dict[str, Any]:
    """Every live estimate, newest first (the `active=0` view)."""
    rows = await db.all(
        f"SELECT {', '.join('e.' + c.strip() for c in DOC_COLUMNS.split(','))}, {_INVOICED} AS invoiced_cents"
        " FROM quickbooks_objects e WHERE e.realm_id = ? AND e.entity = 'Estimate' AND e.deleted_at IS NULL"
        " ORDER BY e.txn_date DESC, e.id DESC LIMIT ?",
        co.realm_id,
        limit,
    )
    items = [money_row(r, co) | {"invoiced_cents": int(r["invoiced_cents"] or 0)} for r in rows]
    await _with_pending(db, co, items)
    return {"count": len(items), "items": items}


async def _with_pending(db: Database, co: Company, items: list[dict[str, Any]]) -> None:
    """Each estimate's latest write to QuickBooks that is not done (pending or failed)."""
    if not items:
        return
    rows = await db.all(
        "SELECT qbo_id, id, change, status, last_error FROM quickbooks_outbox WHERE realm_id = ?"
        " AND entity = 'Estimate' AND status != 'done' AND qbo_id IN (SELECT value FROM json_each(?)) ORDER BY id",
        co.realm_id,
        json.dumps([i["qbo_id"] for i in items]),
    )
    latest = {r["qbo_id"]: r for r in rows}
    for item in items:
        row = latest.get(item["qbo_id"])
        item["write"] = (
            {
                "id": row["id"],
                "status": row["status"],
                "to": json.loads(row["change"]).get("TxnStatus"),
                "error": row["last_error"],
            }
            if row
            else None
        )


async def estimate(db: Database, realm: str, qbo_id: str) -> Row | None:
    return await db.first(
        "SELECT * FROM quickbooks_objects WHERE realm_id = ? AND entity = 'Estimate' AND qbo_id = ?"
        " AND deleted_at IS NULL",
        realm,
        qbo_id,
    )


# --- the write-back ------------------------------------------------------------------------------


async def request_status(db: Database, now: datetime, actor: Actor, co: Company, qbo_id: str, status: str) -> int:
    """Queue a status change of one estimate; returns the outbox row's id."""
    if status not in STATUSES:
        raise Invalid(f"Status must be one of: {', '.join(STATUSES)}.")
    if co.status != "connected":
        raise Conflict("QuickBooks is not connected, so nothing can be written to it.")
    row = await estimate(db, co.realm_id, qbo_id)
    if row is None:
        raise NotFound("No such estimate.")
    label = row["doc_number"] or qbo_id
    request_id = f"pl-{secrets.token_hex(12)}"
    await db.batch(
        [
            q(
                "INSERT INTO quickbooks_outbox (realm_id, entity, qbo_id, change, request_id, created_at, created_by,"
                " updated_at) VALUES (?, 'Estimate', ?, ?, ?, ?, ?, ?)",
                co.realm_id,
                qbo_id,
                json.dumps({"TxnStatus": status}),
                request_id,
                iso(now),
                actor.user_id,
                iso(now),
            ),
            records.audit(
                now,
                actor,
                "quickbooks.estimate.status_requested",
                f"{actor.label} set estimate {label} to {status} in QuickBooks (was {row['status'] or 'Pending'})",
                meta={"estimate": qbo_id, "status": status, "previous": row["status"], "request_id": request_id},
            ),
        ]
    )
    found = await db.first("SELECT id FROM quickbooks_outbox WHERE request_id = ?", request_id)
    assert found is not None
    return int(found["id"])


async def _claim(db: Database, now: datetime, outbox_id: int) -> Row | None:
    """Take one pending row for CLAIM; None when it is done, failed, or someone else holds it."""
    result = await db.run(
        "UPDATE quickbooks_outbox SET claimed_until = ?, attempts = attempts + 1, updated_at = ?"
        " WHERE id = ? AND status = 'pending' AND (claimed_until IS NULL OR claimed_until <= ?)",
        iso(now + CLAIM),
        iso(now),
        outbox_id,
        iso(now),
    )
    if result.changes != 1:
        return None
    return await db.first("SELECT * FROM quickbooks_outbox WHERE id = ?", outbox_id)


async def _post(api: Api, db: Database, row: Row) -> dict[str, Any]:
    """The sparse update with our SyncToken; on 5010 re-read the object and retry once."""
    entity, qbo_id = row["entity"], row["qbo_id"]
    change = json.loads(row["change"])
    held = await db.first(
        "SELECT sync_token FROM quickbooks_objects WHERE realm_id = ? AND entity = ? AND qbo_id = ?",
        row["realm_id"],
        entity,
        qbo_id,
    )
    token = held["sync_token"] if held else "0"
    try:
        return await api.update(entity, {"Id": qbo_id, "SyncToken": token, **change}, row["request_id"])
    except StaleObject:
        current = await api.read(entity, qbo_id)
        body = {"Id": qbo_id, "SyncToken": str(current.get("SyncToken") or "0"), **change}
        return await api.update(entity, body, row["request_id"] + "-r")


async def send(bindings: Bindings, api: Api, outbox_id: int) -> str:
    """Send one outbox row: "done", "failed" (a permanent refusal or too many tries), "retry" (it
    stays pending for the next tick), or "busy" (not pending, or claimed by another sender)."""
    db, now = bindings.db, bindings.clock.now()
    row = await _claim(db, now, outbox_id)
    if row is None:
        return "busy"
    what = f"estimate {row['qbo_id']} → {json.loads(row['change']).get('TxnStatus')}"
    try:
        saved = await _post(api, db, row)
    except Throttled as exc:
        await oauth.note_error(db, now, exc.summary(), backoff=timedelta(seconds=60))
        await _release(db, now, row, exc.summary(), give_up=False)
        return "retry"
    except QuickBooksError as exc:
        give_up = exc.permanent or row["attempts"] >= MAX_ATTEMPTS
        await _release(db, now, row, exc.summary(), give_up=give_up, what=what)
        return "failed" if give_up else "retry"
    await db.batch(
        [
            q(
                "UPDATE quickbooks_outbox SET status = 'done', finished_at = ?, claimed_until = NULL,"
                " last_error = NULL, updated_at = ? WHERE id = ? AND status = 'pending'",
                iso(now),
                iso(now),
                row["id"],
            ),
            records.if_changed(
                records.audit(
                    now,
                    records.SYSTEM,
                    "quickbooks.estimate.status_written",
                    f"QuickBooks accepted {what}",
                    meta={"outbox": row["id"], "request_id": row["request_id"], "sync_token": saved.get("SyncToken")},
                )
            ),
            *objects.upserts(row["realm_id"], row["entity"], [saved] if saved.get("Id") else [], now),
        ]
    )
    return "done"


async def _release(db: Database, now: datetime, row: Row, error: str, *, give_up: bool, what: str = "") -> None:
    statements = [
        q(
            "UPDATE quickbooks_outbox SET status = ?, claimed_until = NULL, last_error = ?, finished_at = ?,"
            " updated_at = ? WHERE id = ? AND status = 'pending'",
            "failed" if give_up else "pending",
            error[:300],
            iso(now) if give_up else None,
            iso(now),
            row["id"],
        )
    ]
    if give_up:
        statements.append(
            records.audit(
                now,
                records.SYSTEM,
                "quickbooks.estimate.status_failed",
                f"QuickBooks refused {what}: {error}"[:400],
                meta={"outbox": row["id"], "request_id": row["request_id"]},
            )
        )
    await db.batch(statements)


async def send_now(bindings: Bindings, outbox_id: int) -> str:
    """Try a fresh request at once; anything short of done stays for the sync tick."""
    conn = await oauth.connection(bindings.db)
    if conn is None or not conn.connected or conn.throttled(bindings.clock.now()):
        return "retry"
    async with bindings.http() as http:
        try:
            return await send(bindings, Api(bindings, http), outbox_id)
        except QuickBooksError:  # the token refresh itself failed; the tick tries again
            return "retry"


async def drain(bindings: Bindings, api: Api, *, limit: int = DRAIN_PER_TICK) -> dict[str, int]:
    """Send pending rows, oldest first (the sync tick calls this)."""
    rows = await bindings.db.all("SELECT id FROM quickbooks_outbox WHERE status = 'pending' ORDER BY id LIMIT ?", limit)
    outcome: dict[str, int] = {}
    for row in rows:
        result = await send(bindings, api, row["id"])
        outcome[f"outbox_{result}"] = outcome.get(f"outbox_{result}", 0) + 1
        if result == "retry":
            break  # QuickBooks is unwell or throttling: leave the rest for the next tick
    return outcome


async def outbox_row(db: Database, outbox_id: int) -> dict[str, Any] | None:
    row = await db.first(
        "SELECT id, entity, qbo_id, change, status, attempts, last_error, created_at, finished_at"
        " FROM quickbooks_outbox WHERE id = ?",
        outbox_id,
    )
    if row is None:
        return None
    return {**row, "change": json.loads(row["change"])}

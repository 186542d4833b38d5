"""Estimates: which are active, and changing an estimate's status in QuickBooks through the outbox.

**Active** means not deleted, not expired (`ExpirationDate` today or later, or none), not fully
invoiced (the invoices named in its header `LinkedTxn` total less than the estimate; a voided invoice
totals 0 and invoices nothing), and not Closed or Rejected.

**Status changes** (Pending, Accepted, Rejected, Closed) are written to QuickBooks, which stays the
record: `request_status` adds an outbox message of kind `quickbooks` (core/outbox.py; with its audit
row, one batch) and the caller may `send` it at once; whatever is left is sent on the outbox's
schedule by the `quickbooks-sync` tick (`drain`, with that tick's client) or the outbox tick (the
registered handler). Sending claims the row (the outbox's lease), posts a sparse update with the
SyncToken we hold and the message id as `requestid`; on Fault 5010 (stale SyncToken) it reads the
estimate again and retries once with the fresh token (request id + "-r"). A send repeated after a
lost answer reuses the same ids, and QuickBooks answers a known `requestid` with its first answer
instead of applying it again. The object QuickBooks returns is stored in the same batch that marks the row done.
"""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from core import outbox, records
from core.bindings import Bindings
from core.clock import iso
from core.errors import Conflict, Invalid, NotFound
from core.records import Actor
from core.storage import Database, Row
from quickbooks import oauth, objects
from quickbooks.api import Api
from quickbooks.client import QuickBooksError, StaleObject, Throttled
from quickbooks.documents import DOC_COLUMNS, Company, money_row

STATUSES = ("Pending", "Accepted", "Rejected", "Closed")
DONE = ("Closed", "Rejected")
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
        "SELECT json_extract(payload, '$.qbo_id') AS qbo_id, id, json_extract(payload, '$.change') AS change,"
        " status, last_error FROM outbox WHERE kind = 'quickbooks' AND status != 'delivered'"
        " AND json_extract(payload, '$.realm_id') = ? AND json_extract(payload, '$.entity') = 'Estimate'"
        " AND json_extract(payload, '$.qbo_id') IN (SELECT value FROM json_each(?)) ORDER BY created_at, id",
        co.realm_id,
        json.dumps([i["qbo_id"] for i in items]),
    )
    latest = {r["qbo_id"]: r for r in rows}
    for item in items:
        row = latest.get(item["qbo_id"])
        item["write"] = (
            {
                "id": row["id"],
                "status": _SHOWN[row["status"]],
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


# --- the write-back (through the outbox, kind 'quickbooks') ---------------------------------------

KIND = "quickbooks"
_SHOWN = {"pending": "pending", "sending": "pending", "delivered": "done", "failed": "failed", "dead": "failed"}


async def request_status(db: Database, now: datetime, actor: Actor, co: Company, qbo_id: str, status: str) -> str:
    """Queue a status change of one estimate; returns the outbox message's id (also its requestid)."""
    if status not in STATUSES:
        raise Invalid(f"Status must be one of: {', '.join(STATUSES)}.")
    if co.status != "connected":
        raise Conflict("QuickBooks is not connected, so nothing can be written to it.")
    row = await estimate(db, co.realm_id, qbo_id)
    if row is None:
        raise NotFound("No such estimate.")
    label = row["doc_number"] or qbo_id
    payload = {
        "realm_id": co.realm_id,
        "entity": "Estimate",
        "qbo_id": qbo_id,
        "change": {"TxnStatus": status},
        "created_by": actor.user_id,
    }
    message_id, queued = outbox.enqueue(KIND, payload, now=iso(now), message_id=f"pl-{secrets.token_hex(12)}")
    await db.batch(
        [
            queued,
            records.audit(
                now,
                actor,
                "quickbooks.estimate.status_requested",
                f"{actor.label} set estimate {label} to {status} in QuickBooks (was {row['status'] or 'Pending'})",
                meta={"estimate": qbo_id, "status": status, "previous": row["status"], "request_id": message_id},
            ),
        ]
    )
    return message_id


async def _post(api: Api, db: Database, row: Row) -> dict[str, Any]:
    """The sparse update with our SyncToken; on 5010 re-read the object and retry once."""
    p = row["payload"]
    entity, qbo_id, change = p["entity"], p["qbo_id"], p["change"]
    held = await db.first(
        "SELECT sync_token FROM quickbooks_objects WHERE realm_id = ? AND entity = ? AND qbo_id = ?",
        p["realm_id"],
        entity,
        qbo_id,
    )
    token = held["sync_token"] if held else "0"
    try:
        return await api.update(entity, {"Id": qbo_id, "SyncToken": token, **change}, row["id"])
    except StaleObject:
        current = await api.read(entity, qbo_id)
        body = {"Id": qbo_id, "SyncToken": str(current.get("SyncToken") or "0"), **change}
        return await api.update(entity, body, row["id"] + "-r")


def _deliver_with(api: Api) -> outbox.Deliver:
    async def deliver(bindings: Bindings, row: Row) -> outbox.Result:
        db, now = bindings.db, bindings.clock.now()
        p = row["payload"]
        what = f"estimate {p['qbo_id']} → {p['change'].get('TxnStatus')}"
        try:
            saved = await _post(api, db, row)
        except Throttled as exc:
            await oauth.note_error(db, now, exc.summary(), backoff=timedelta(seconds=60))
            return outbox.retry(exc.summary())
        except QuickBooksError as exc:
            if not exc.permanent and not outbox.is_last_attempt(row):
                return outbox.retry(exc.summary())
            audit = records.audit(
                now,
                records.SYSTEM,
                "quickbooks.estimate.status_failed",
                f"QuickBooks refused {what}: {exc.summary()}"[:400],
                meta={"outbox": row["id"], "request_id": row["id"]},
            )
            return outbox.failed(exc.summary(), [audit]) if exc.permanent else outbox.retry(exc.summary(), [audit])
        audit = records.audit(
            now,
            records.SYSTEM,
            "quickbooks.estimate.status_written",
            f"QuickBooks accepted {what}",
            meta={"outbox": row["id"], "request_id": row["id"], "sync_token": saved.get("SyncToken")},
        )
        upserts = objects.upserts(p["realm_id"], p["entity"], [saved] if saved.get("Id") else [], now)
        return outbox.delivered(str(saved.get("SyncToken") or "") or None, [audit, *upserts])

    return deliver


async def _deliver(bindings: Bindings, row: Row) -> outbox.Result:
    """The registered handler (the outbox tick, Redeliver): opens its own client."""
    conn = await oauth.connection(bindings.db)
    if conn is None or not conn.connected:
        return outbox.retry("QuickBooks is not connected.")
    if conn.throttled(bindings.clock.now()):
        return outbox.retry("QuickBooks is throttling; waiting.")
    async with bindings.http() as http:
        try:
            return await _deliver_with(Api(bindings, http))(bindings, row)
        except QuickBooksError as exc:  # the token refresh itself failed
            return outbox.retry(exc.summary())


outbox.register(KIND, _deliver)


async def send(bindings: Bindings, api: Api, message_id: str) -> str:
    """Send one queued change now: "done", "failed" (a permanent refusal or the last try), "retry"
    (it stays pending for the schedule), or "busy" (claimed by another sender)."""
    status = await outbox.deliver_now(bindings, message_id, handler=_deliver_with(api))
    return {"delivered": "done", "failed": "failed", "dead": "failed", "pending": "retry"}.get(status, "busy")


async def send_now(bindings: Bindings, message_id: str) -> str:
    """Try a fresh request at once; anything short of done stays for the outbox's schedule."""
    conn = await oauth.connection(bindings.db)
    if conn is None or not conn.connected or conn.throttled(bindings.clock.now()):
        return "retry"
    async with bindings.http() as http:
        try:
            return await send(bindings, Api(bindings, http), message_id)
        except QuickBooksError:  # the token refresh itself failed; the outbox tries again
            return "retry"


async def drain(bindings: Bindings, api: Api, *, limit: int = DRAIN_PER_TICK) -> dict[str, int]:
    """Send due QuickBooks rows with the sync tick's client (before its CDC reads them back)."""
    owner = f"qbo:{secrets.token_hex(6)}"
    rows = await outbox.claim(bindings, bindings.clock.now(), owner, limit, [KIND])
    if not rows:
        return {}
    counts = await outbox.deliver_rows(bindings, rows, owner, handler=_deliver_with(api), concurrency=1)
    named = {"delivered": "done", "failed": "failed", "dead": "failed", "retry": "retry"}
    outcome: dict[str, int] = {}
    for key, n in counts.items():
        outcome[f"outbox_{named[key]}"] = outcome.get(f"outbox_{named[key]}", 0) + n
    return outcome


async def outbox_row(db: Database, message_id: str) -> dict[str, Any] | None:
    row = await db.first(
        "SELECT id, payload, status, attempts, last_error, created_at, finished_at FROM outbox"
        " WHERE id = ? AND kind = ?",
        message_id,
        KIND,
    )
    if row is None:
        return None
    p = json.loads(row["payload"])
    return {
        "id": row["id"],
        "entity": p["entity"],
        "qbo_id": p["qbo_id"],
        "change": p["change"],
        "status": _SHOWN[row["status"]],
        "attempts": row["attempts"],
        "last_error": row["last_error"],
        "created_at": row["created_at"],
        "finished_at": row["finished_at"],
    }

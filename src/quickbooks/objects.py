"""Imported QuickBooks objects: the `quickbooks_objects` table and the statements that fill it.

One row per (realm, entity, QuickBooks id), written by idempotent upserts that import, sync and the
webhook fetch all share. A page of objects becomes a few statements: the rows travel as one JSON
array parameter read with `json_each` (D1 allows 100 parameters per statement, not per row), split
so no parameter passes `CHUNK_BYTES`. An upsert only replaces a row with a copy at least as new
(QuickBooks' LastUpdatedTime), and a deletion leaves a tombstone that an older copy cannot revive,
so pages applied twice, late or out of order leave the same table.

The columns beside `raw` are what billing, metrics and customer matching read (see the migration).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from core import phones
from core.clock import iso, parse
from core.storage import Database, Statement, q

ENTITIES = ("Customer", "Account", "Estimate", "Invoice", "Payment", "SalesReceipt", "CreditMemo", "RefundReceipt")
# D1 takes strings up to 2 MB per value and row; a chunk well below keeps every statement small.
CHUNK_BYTES = 700_000

_COLUMNS = (
    "sync_token",
    "doc_number",
    "txn_date",
    "due_date",
    "expiration_date",
    "status",
    "active",
    "customer_qbo_id",
    "name",
    "company",
    "email",
    "phone_last10",
    "total_cents",
    "balance_cents",
    "tax_cents",
    "unapplied_cents",
    "account_type",
    "account_subtype",
    "linked_txns",
    "qbo_updated_at",
)

_UPSERT = (
    "INSERT INTO quickbooks_objects (realm_id, entity, qbo_id, "
    + ", ".join(_COLUMNS)
    + ", raw, first_seen_at, synced_at) SELECT ?1, json_extract(value, '$.entity'), json_extract(value, '$.qbo_id'), "
    + ", ".join(f"json_extract(value, '$.{c}')" for c in _COLUMNS)
    + ", json_extract(value, '$.raw'), ?2, ?2 FROM json_each(?3) WHERE true"
    + " ON CONFLICT (realm_id, entity, qbo_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS)
    + ", raw = excluded.raw, deleted_at = NULL, synced_at = excluded.synced_at"
    # Never go back in time; and a tombstone yields only to a strictly newer copy.
    + " WHERE quickbooks_objects.qbo_updated_at IS NULL OR excluded.qbo_updated_at IS NULL"
    + " OR excluded.qbo_updated_at > quickbooks_objects.qbo_updated_at"
    + " OR (quickbooks_objects.deleted_at IS NULL AND excluded.qbo_updated_at = quickbooks_objects.qbo_updated_at)"
)

_TOMBSTONE = (
    "INSERT INTO quickbooks_objects (realm_id, entity, qbo_id, raw, qbo_updated_at, deleted_at, first_seen_at,"
    " synced_at) SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), '{}',"
    " json_extract(value, '$[2]'), ?2, ?2, ?2 FROM json_each(?3) WHERE true"
    " ON CONFLICT (realm_id, entity, qbo_id) DO UPDATE SET deleted_at = excluded.deleted_at,"
    " qbo_updated_at = max(coalesce(quickbooks_objects.qbo_updated_at, ''), coalesce(excluded.qbo_updated_at, '')),"
    " synced_at = excluded.synced_at"
    " WHERE quickbooks_objects.deleted_at IS NULL"
)


def cents(value: Any) -> int | None:
    """A QuickBooks money value (a JSON number) as integer cents, exactly: 362.07 → 36207."""
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))
    except InvalidOperation:
        return None
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _ref(obj: dict[str, Any], key: str, part: str = "value") -> str | None:
    ref = obj.get(key)
    return str(ref[part]) if isinstance(ref, dict) and ref.get(part) is not None else None


def _updated(obj: dict[str, Any]) -> str | None:
    stamp = (obj.get("MetaData") or {}).get("LastUpdatedTime")
    try:
        return iso(parse(stamp)) if stamp else None
    except ValueError:
        return None


def _links(obj: dict[str, Any]) -> str:
    links = [
        {"TxnId": str(link.get("TxnId")), "TxnType": str(link.get("TxnType"))}
        for link in obj.get("LinkedTxn") or []
        if isinstance(link, dict) and link.get("TxnId")
    ]
    return json.dumps(links)


def columns(entity: str, obj: dict[str, Any]) -> dict[str, Any]:
    """The row for one object: its key, the columns readers use, and the raw object."""
    detail = obj.get("TxnTaxDetail")
    tax: dict[str, Any] = detail if isinstance(detail, dict) else {}
    row: dict[str, Any] = {
        "entity": entity,
        "qbo_id": str(obj["Id"]),
        "sync_token": str(obj.get("SyncToken") or "0"),
        "doc_number": obj.get("DocNumber"),
        "txn_date": obj.get("TxnDate"),
        "due_date": obj.get("DueDate"),
        "expiration_date": obj.get("ExpirationDate"),
        "status": obj.get("TxnStatus"),
        "active": None,
        "customer_qbo_id": _ref(obj, "CustomerRef"),
        "name": _ref(obj, "CustomerRef", "name"),
        "company": None,
        "email": None,
        "phone_last10": None,
        "total_cents": cents(obj.get("TotalAmt")),
        "balance_cents": cents(obj.get("Balance")),
        "tax_cents": cents(tax.get("TotalTax")),
        "unapplied_cents": cents(obj.get("UnappliedAmt")),
        "account_type": None,
        "account_subtype": None,
        "linked_txns": _links(obj),
        "qbo_updated_at": _updated(obj),
        # As JSON *text* inside the row: SQLite then parses it as one string, not as an object, for
        # each of the row's json_extract calls (a third of a page's write time at 1,000 invoices).
        "raw": json.dumps(obj, separators=(",", ":")),
    }
    if entity in ("Customer", "Account"):
        row["active"] = 0 if obj.get("Active") is False else 1
    if entity == "Customer":
        email = (obj.get("PrimaryEmailAddr") or {}).get("Address")
        phone = next(
            (
                p["FreeFormNumber"]
                for p in (obj.get(k) for k in ("PrimaryPhone", "Mobile", "AlternatePhone"))
                if isinstance(p, dict) and p.get("FreeFormNumber")
            ),
            None,
        )
        row.update(
            name=obj.get("DisplayName"),
            company=obj.get("CompanyName"),
            email=email.strip().lower() if isinstance(email, str) and email.strip() else None,
            phone_last10=phones.last10(phone) if phone else None,
            customer_qbo_id=_ref(obj, "ParentRef"),
        )
    elif entity == "Account":
        row.update(
            name=obj.get("FullyQualifiedName") or obj.get("Name"),
            account_type=obj.get("AccountType"),
            account_subtype=obj.get("AccountSubType"),
            total_cents=cents(obj.get("CurrentBalance")),
        )
    return row


def _chunks(items: Sequence[Any]) -> Iterable[str]:
    """JSON arrays of the items, each below CHUNK_BYTES."""
    batch: list[str] = []
    size = 0
    for item in items:
        text = json.dumps(item, separators=(",", ":"))
        if batch and size + len(text) > CHUNK_BYTES:
            yield "[" + ",".join(batch) + "]"
            batch, size = [], 0
        batch.append(text)
        size += len(text) + 1
    if batch:
        yield "[" + ",".join(batch) + "]"


def upserts(realm_id: str, entity: str, objects: Iterable[dict[str, Any]], now: datetime) -> list[Statement]:
    rows = [columns(entity, obj) for obj in objects if obj.get("Id") is not None and obj.get("status") != "Deleted"]
    return [q(_UPSERT, realm_id, iso(now), chunk) for chunk in _chunks(rows)]


def tombstones(realm_id: str, deleted: Iterable[tuple[str, str, str | None]], now: datetime) -> list[Statement]:
    """Mark (entity, id, when) deleted; rows never seen before get a tombstone too."""
    return [q(_TOMBSTONE, realm_id, iso(now), chunk) for chunk in _chunks([list(d) for d in deleted])]


def deleted_stub_time(stub: dict[str, Any]) -> str | None:
    return _updated(stub)


async def counts(db: Database, realm_id: str | None = None) -> dict[str, int]:
    """Live (not deleted) objects per entity, for the status panel."""
    where, params = ("realm_id = ? AND ", [realm_id]) if realm_id else ("", [])
    rows = await db.all(
        f"SELECT entity, COUNT(*) AS n FROM quickbooks_objects WHERE {where}deleted_at IS NULL GROUP BY entity",
        *params,
    )
    found = {r["entity"]: int(r["n"]) for r in rows}
    return {entity: found.get(entity, 0) for entity in ENTITIES}


def purge_chunk(size: int) -> Statement:
    """Delete the first `size` objects (the purge deletes in bounded chunks)."""
    return q("DELETE FROM quickbooks_objects WHERE id IN (SELECT id FROM quickbooks_objects ORDER BY id LIMIT ?)", size)

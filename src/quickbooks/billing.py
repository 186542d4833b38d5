"""Billing figures from the imported QuickBooks objects: what `/billing`, `GET /api/billing/summary` and
the billing panel on a customer record show. Reads only; QuickBooks stays the accounting record.

Figures are for the company Porchlight is (or was last) connected to: imported data stays after a
disconnect until it is purged, so the page keeps showing it, marked as not current.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from accounts import offices
from core.bindings import Bindings
from core.storage import Database
from quickbooks import documents, estimates, metrics
from quickbooks.documents import Company, company, money_row
from quickbooks.objects import ENTITIES

RECENT = 10
PANEL_ROWS = 10
_LIVE = "realm_id = ? AND deleted_at IS NULL"
_DOC_COLUMNS = documents.DOC_COLUMNS


async def time_zone(bindings: Bindings) -> ZoneInfo:
    """The company's calendar: QBO_TIME_ZONE, else the first office's zone, else UTC."""
    if bindings.settings.qbo_time_zone:
        return ZoneInfo(bindings.settings.qbo_time_zone)
    found = await offices.all_offices(bindings.db)
    return found[0].zone if found else ZoneInfo("UTC")


async def today(bindings: Bindings) -> date:
    return bindings.clock.now().astimezone(await time_zone(bindings)).date()


async def metrics_for(bindings: Bindings, realm: str) -> dict[str, Any]:
    """`metrics.compute` with the operator's account names and the company's calendar."""
    settings = bindings.settings
    return await metrics.compute(
        bindings.db,
        realm,
        bindings.clock.now(),
        await time_zone(bindings),
        checking_account=settings.qbo_checking_account,
        card_account=settings.qbo_card_account,
    )


async def recent(db: Database, co: Company, entity: str, limit: int = RECENT) -> list[dict[str, Any]]:
    rows = await db.all(
        f"SELECT {_DOC_COLUMNS} FROM quickbooks_objects WHERE {_LIVE} AND entity = ?"
        " ORDER BY txn_date DESC, id DESC LIMIT ?",
        co.realm_id,
        entity,
        limit,
    )
    return [money_row(r, co) for r in rows]


async def overdue(db: Database, co: Company, day: date, limit: int = RECENT) -> dict[str, Any]:
    where = f"{_LIVE} AND entity = 'Invoice' AND balance_cents > 0 AND due_date < ?"
    total = await db.first(
        f"SELECT COUNT(*) AS n, coalesce(SUM(balance_cents), 0) AS cents FROM quickbooks_objects WHERE {where}",
        co.realm_id,
        day.isoformat(),
    )
    rows = await db.all(
        f"SELECT {_DOC_COLUMNS} FROM quickbooks_objects WHERE {where} ORDER BY due_date, id LIMIT ?",
        co.realm_id,
        day.isoformat(),
        limit,
    )
    return {
        "count": int(total["n"]) if total else 0,
        "cents": int(total["cents"]) if total else 0,
        "items": [money_row(r, co) | {"days_overdue": (day - date.fromisoformat(r["due_date"])).days} for r in rows],
    }


async def summary(bindings: Bindings) -> dict[str, Any]:
    """Counts and totals per imported entity, open balance, overdue invoices, the most recent
    estimates, invoices and payments, and the count of customers waiting for review."""
    db = bindings.db
    co = await company(db)
    if co is None:
        return {"state": "not_connected"}
    day = await today(bindings)
    rows = await db.all(
        "SELECT entity, COUNT(*) AS n, coalesce(SUM(total_cents), 0) AS cents FROM quickbooks_objects"
        f" WHERE {_LIVE} GROUP BY entity",
        co.realm_id,
    )
    found = {r["entity"]: r for r in rows}
    open_ar = await db.first(
        "SELECT COUNT(*) AS n, coalesce(SUM(balance_cents), 0) AS cents FROM quickbooks_objects"
        f" WHERE {_LIVE} AND entity = 'Invoice' AND balance_cents > 0",
        co.realm_id,
    )
    linked = await db.first(
        "SELECT COUNT(*) AS n FROM quickbooks_objects o WHERE o.realm_id = ? AND o.entity = 'Customer'"
        " AND o.deleted_at IS NULL AND EXISTS (SELECT 1 FROM customers c WHERE c.quickbooks_customer_id = o.qbo_id)",
        co.realm_id,
    )
    active = await estimates.active(db, co, day, limit=RECENT)
    return {
        "state": "connected" if co.status == "connected" else co.status,
        "company_name": co.company_name,
        "realm_id": co.realm_id,
        "environment": co.environment,
        "last_sync_at": co.last_sync_at,
        "today": day.isoformat(),
        "counts": {
            e: {
                "count": int(found[e]["n"]) if e in found else 0,
                # Accounts carry balances, not amounts: a total of them means nothing.
                "total_cents": None if e in ("Account", "Customer") else int(found[e]["cents"]) if e in found else 0,
            }
            for e in ENTITIES
        },
        "open_balance": {
            "count": int(open_ar["n"]) if open_ar else 0,
            "cents": int(open_ar["cents"]) if open_ar else 0,
        },
        "overdue": await overdue(db, co, day),
        "customers_linked": int(linked["n"]) if linked else 0,
        "active_estimates": {"count": active["count"], "cents": active["cents"]},
        "recent": {
            "estimates": await recent(db, co, "Estimate"),
            "invoices": await recent(db, co, "Invoice"),
            "payments": await recent(db, co, "Payment"),
        },
    }


async def customer_panel(bindings: Bindings, qbo_customer_id: str | None) -> dict[str, Any] | None:
    """The billing panel of one linked customer: QuickBooks' balance, account credit (unapplied
    payments and credit memos), open invoices, estimates and payments. None when not linked or
    nothing was imported for it."""
    if not qbo_customer_id:
        return None
    db = bindings.db
    co = await company(db)
    if co is None:
        return None
    customer = await db.first(
        "SELECT name, balance_cents, active, deleted_at FROM quickbooks_objects"
        " WHERE realm_id = ? AND entity = 'Customer' AND qbo_id = ?",
        co.realm_id,
        qbo_customer_id,
    )
    if customer is None:
        return None
    day = await today(bindings)
    credit = await db.first(
        "SELECT coalesce(SUM(CASE WHEN entity = 'Payment' THEN unapplied_cents ELSE balance_cents END), 0) AS cents"
        " FROM quickbooks_objects WHERE realm_id = ? AND customer_qbo_id = ? AND entity IN ('Payment', 'CreditMemo')"
        " AND deleted_at IS NULL",
        co.realm_id,
        qbo_customer_id,
    )

    async def docs(entity: str, extra: str = "") -> list[dict[str, Any]]:
        rows = await db.all(
            f"SELECT {_DOC_COLUMNS} FROM quickbooks_objects WHERE realm_id = ? AND customer_qbo_id = ?"
            f" AND entity = ? AND deleted_at IS NULL{extra} ORDER BY txn_date DESC, id DESC LIMIT ?",
            co.realm_id,
            qbo_customer_id,
            entity,
            PANEL_ROWS,
        )
        return [money_row(r, co) for r in rows]

    open_invoices = await docs("Invoice", " AND balance_cents > 0")
    for item in open_invoices:
        item["overdue"] = bool(item["due"] and item["due"] < day.isoformat())
    return {
        "qbo_id": qbo_customer_id,
        "name": customer["name"],
        "active": bool(customer["active"]) and customer["deleted_at"] is None,
        "url": co.url("Customer", qbo_customer_id),
        "company_name": co.company_name,
        "last_sync_at": co.last_sync_at,
        "balance_cents": int(customer["balance_cents"] or 0),
        "account_credit_cents": int(credit["cents"]) if credit else 0,
        "open_invoices": open_invoices,
        "estimates": await docs("Estimate"),
        "payments": await docs("Payment"),
    }


def cents_text(cents: int | None) -> str:
    if cents is None:
        return "—"
    sign = "−" if cents < 0 else ""
    return f"{sign}${abs(cents) / 100:,.2f}"


def now_date(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()

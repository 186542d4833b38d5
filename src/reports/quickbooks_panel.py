"""The QuickBooks panel of the reports: sales against the prior period, account balances, sales tax
this quarter, outstanding invoices and active estimates, read from the imported QuickBooks objects
(`quickbooks_objects`, migration 0012), mostly through the QuickBooks capability's own functions.
Reads only; Porchlight never invents accounting truth.

QuickBooks is one company, not one office, so these figures are company-wide: `reports` shows them
only to people who may see billing and every office (docs/reports.md, "QuickBooks").
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from core.storage import Database
from quickbooks import documents, estimates, metrics

ESTIMATES_LISTED = 25
# Sales count positive, credit memos and refunds negative, each before sales tax: the definition of
# `quickbooks.metrics`, applied here per customer source (which that module does not split by).
_SIGNED = (
    "CASE WHEN {p}entity IN ('Invoice', 'SalesReceipt') THEN 1 ELSE -1 END"
    " * (coalesce({p}total_cents, 0) - coalesce({p}tax_cents, 0))"
)
_ENTITIES = "'Invoice', 'SalesReceipt', 'CreditMemo', 'RefundReceipt'"


async def connection(db: Database) -> dict[str, Any] | None:
    return await db.first(
        "SELECT realm_id, environment, company_name, status, last_sync_at, resync_since FROM quickbooks_connection"
        " WHERE id = 1"
    )


async def refreshing(db: Database, conn: dict[str, Any]) -> bool:
    """An import run or a catch-up re-query is under way: figures are still arriving."""
    running = await db.first("SELECT 1 AS yes FROM quickbooks_import_runs WHERE status = 'running' LIMIT 1")
    return running is not None or conn["resync_since"] is not None


async def billing_metrics(db: Database, today: date, accounts: tuple[str, str] = ("", "")) -> dict[str, Any]:
    """Every QuickBooks figure of the panel for the company's calendar date `today`.

    `state` is `not_connected` (never connected, or disconnected), `broken` (QuickBooks refused the
    tokens: connect again) or `connected`; figures come only with `connected`. Sales, balances, sales
    tax and estimates are the QuickBooks capability's own (`quickbooks.metrics`, `quickbooks.estimates`),
    so the report and `/billing` always agree; `accounts` names the master checking and card accounts
    (settings QBO_CHECKING_ACCOUNT, QBO_CARD_ACCOUNT; empty picks automatically).
    """
    conn = await connection(db)
    if conn is None or conn["status"] == "disconnected":
        return {"state": "not_connected"}
    if conn["status"] != "connected":
        return {"state": "broken", "company_name": conn["company_name"]}
    realm = conn["realm_id"]
    return {
        "state": "connected",
        "company_name": conn["company_name"],
        "environment": conn["environment"],
        "last_sync_at": conn["last_sync_at"],
        "refreshing": await refreshing(db, conn),
        "sales": await metrics.sales(db, realm, today),
        "balances": {
            "checking": await metrics.account(db, realm, "checking", accounts[0]),
            "credit_card": await metrics.account(db, realm, "credit_card", accounts[1]),
        },
        "sales_tax_quarter": await metrics.sales_tax_quarter(db, realm, today),
        "outstanding_invoices": await outstanding_invoices(db, realm),
        "active_estimates": await active_estimates(db, today),
    }


async def outstanding_invoices(db: Database, realm: str) -> dict[str, int]:
    row = await db.first(
        "SELECT COUNT(*) AS n, coalesce(SUM(balance_cents), 0) AS cents FROM quickbooks_objects"
        " WHERE realm_id = ? AND entity = 'Invoice' AND deleted_at IS NULL AND balance_cents > 0",
        realm,
    )
    return {"count": int(row["n"]) if row else 0, "cents": int(row["cents"]) if row else 0}


async def active_estimates(db: Database, today: date) -> dict[str, Any]:
    """The QuickBooks capability's active estimates (not expired, closed, rejected or fully invoiced),
    newest first, each with its open-in-QuickBooks link and any status change still on its way."""
    co = await documents.company(db)
    if co is None:
        return {"count": 0, "cents": 0, "items": []}
    return await estimates.active(db, co, today, limit=ESTIMATES_LISTED)


async def sales_by_customer_source(
    db: Database, realm: str, office_ids: list[int], start: date, end: date
) -> dict[str, int]:
    """Sales dated in [start, end] to customers matched to a Porchlight customer of these offices, by
    that customer's source ('' = none)."""
    rows = await db.all(
        f"SELECT c.source, SUM({_SIGNED.format(p='o.')})"
        " AS cents FROM quickbooks_objects o JOIN customers c ON c.quickbooks_customer_id = o.customer_qbo_id"
        f" WHERE o.realm_id = ? AND o.entity IN ({_ENTITIES}) AND o.deleted_at IS NULL"
        " AND o.txn_date BETWEEN ? AND ? AND c.archived_at IS NULL"
        " AND c.office_id IN (SELECT value FROM json_each(?)) GROUP BY c.source",
        realm,
        start.isoformat(),
        end.isoformat(),
        json.dumps(office_ids),
    )
    return {r["source"]: int(r["cents"] or 0) for r in rows}

"""The QuickBooks panel of the reports: sales against the prior period, account balances, sales tax
this quarter, outstanding invoices and active estimates, read from the imported QuickBooks objects
(`quickbooks_objects`, migration 0012). Reads only; Porchlight never invents accounting truth.

QuickBooks is one company, not one office, so these figures are company-wide: `reports` shows them
only to people who may see billing and every office (docs/reports.md, "QuickBooks").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from storage import Database

SALES = ("Invoice", "SalesReceipt")
RETURNS = ("CreditMemo", "RefundReceipt")
# Estimates QuickBooks still counts as open: not closed (invoiced), rejected or converted.
DONE_ESTIMATES = ("Closed", "Rejected", "Converted")
ESTIMATES_LISTED = 25
# Sales count positive, credit memos and refunds negative, each before sales tax (tax collected is owed
# to the state, not earned): the same definition as the QuickBooks capability's billing metrics.
_SIGNED = (
    "CASE WHEN {p}entity IN ('Invoice', 'SalesReceipt') THEN 1 ELSE -1 END"
    " * (coalesce({p}total_cents, 0) - coalesce({p}tax_cents, 0))"
)
_ENTITIES = "'Invoice', 'SalesReceipt', 'CreditMemo', 'RefundReceipt'"
APP_HOST = {"production": "https://app.qbo.intuit.com", "sandbox": "https://app.sandbox.qbo.intuit.com"}


@dataclass(frozen=True)
class Window:
    key: str
    label: str
    start: date
    end: date
    prior_start: date
    prior_end: date


def _same_day_a_month_back(day: date) -> date:
    first = day.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    length = (first - previous).days
    return previous.replace(day=min(day.day, length))


def _same_day_a_year_back(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def windows(today: date) -> list[Window]:
    """Today, week to date (from Sunday), month to date and year to date, each beside the same span of
    the period before: yesterday, last week to the same weekday, last month to the same day (or its
    last day), last year to the same date."""
    sunday = today - timedelta(days=(today.weekday() + 1) % 7)
    yesterday = today - timedelta(days=1)
    month_back = _same_day_a_month_back(today)
    year_back = _same_day_a_year_back(today)
    return [
        Window("day", "Today", today, today, yesterday, yesterday),
        Window("week", "Week to date", sunday, today, sunday - timedelta(days=7), today - timedelta(days=7)),
        Window("month", "Month to date", today.replace(day=1), today, month_back.replace(day=1), month_back),
        Window(
            "year", "Year to date", today.replace(month=1, day=1), today, year_back.replace(month=1, day=1), year_back
        ),
    ]


def _change(current: int, prior: int) -> float | None:
    if prior == 0:
        return None
    return round((current - prior) * 100 / abs(prior), 1)


async def connection(db: Database) -> dict[str, Any] | None:
    return await db.first(
        "SELECT realm_id, environment, company_name, status, last_sync_at, resync_since FROM quickbooks_connection"
        " WHERE id = 1"
    )


async def refreshing(db: Database, conn: dict[str, Any]) -> bool:
    """An import run or a catch-up re-query is under way: figures are still arriving."""
    running = await db.first("SELECT 1 AS yes FROM quickbooks_import_runs WHERE status = 'running' LIMIT 1")
    return running is not None or conn["resync_since"] is not None


async def billing_metrics(db: Database, today: date) -> dict[str, Any]:
    """Every QuickBooks figure of the panel for the company's calendar date `today`.

    `state` is `not_connected` (never connected, or disconnected), `broken` (QuickBooks refused the
    tokens: connect again) or `connected`; figures come only with `connected`.
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
        "sales": await sales(db, realm, today),
        "balances": await balances(db, realm),
        "sales_tax_quarter": await sales_tax_quarter(db, realm, today),
        "outstanding_invoices": await outstanding_invoices(db, realm),
        "active_estimates": await active_estimates(db, realm, today, conn["environment"]),
    }


async def sales(db: Database, realm: str, today: date) -> list[dict[str, Any]]:
    """Sales (invoices and sales receipts, less credit memos and refunds, before tax) by transaction
    date, in one pass over the widest span with a conditional sum per window."""
    spans = windows(today)
    sums: list[str] = []
    params: list[Any] = []
    for w in spans:
        for start, end in ((w.start, w.end), (w.prior_start, w.prior_end)):
            alias = f"w{len(sums)}"
            sums.append(
                f"coalesce(SUM(CASE WHEN txn_date BETWEEN ? AND ? THEN {_SIGNED.format(p='')} END), 0) AS {alias}"
            )
            params += [start.isoformat(), end.isoformat()]
    first = min(w.prior_start for w in spans)
    row = await db.first(
        f"SELECT {', '.join(sums)} FROM quickbooks_objects WHERE realm_id = ? AND entity IN"
        f" ({_ENTITIES}) AND deleted_at IS NULL AND txn_date BETWEEN ? AND ?",
        *params,
        realm,
        first.isoformat(),
        today.isoformat(),
    )
    values = [row[f"w{n}"] for n in range(len(sums))] if row else [0] * len(sums)
    out = []
    for n, w in enumerate(spans):
        current, prior = int(values[2 * n] or 0), int(values[2 * n + 1] or 0)
        out.append(
            {
                "window": w.key,
                "label": w.label,
                "start": w.start.isoformat(),
                "end": w.end.isoformat(),
                "cents": current,
                "prior_start": w.prior_start.isoformat(),
                "prior_end": w.prior_end.isoformat(),
                "prior_cents": prior,
                "change_pct": _change(current, prior),
            }
        )
    return out


async def balances(db: Database, realm: str) -> dict[str, Any]:
    """The master checking and credit-card accounts: of each kind, the active account with the largest
    balance (QuickBooks' CurrentBalance)."""
    out: dict[str, Any] = {}
    for key, account_type in (("checking", "Bank"), ("credit_card", "Credit Card")):
        row = await db.first(
            "SELECT name, total_cents FROM quickbooks_objects WHERE realm_id = ? AND entity = 'Account'"
            " AND deleted_at IS NULL AND coalesce(active, 1) = 1 AND account_type = ?"
            " ORDER BY (account_subtype = 'Checking') DESC, abs(coalesce(total_cents, 0)) DESC LIMIT 1",
            realm,
            account_type,
        )
        out[key] = {"account": row["name"], "cents": int(row["total_cents"] or 0)} if row else None
    return out


def quarter_start(today: date) -> date:
    return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)


async def sales_tax_quarter(db: Database, realm: str, today: date) -> dict[str, Any]:
    start = quarter_start(today)
    row = await db.first(
        "SELECT coalesce(SUM(tax_cents), 0) AS cents FROM quickbooks_objects WHERE realm_id = ?"
        " AND entity IN ('Invoice', 'SalesReceipt') AND deleted_at IS NULL AND txn_date BETWEEN ? AND ?",
        realm,
        start.isoformat(),
        today.isoformat(),
    )
    return {"start": start.isoformat(), "end": today.isoformat(), "cents": int(row["cents"]) if row else 0}


async def outstanding_invoices(db: Database, realm: str) -> dict[str, int]:
    row = await db.first(
        "SELECT COUNT(*) AS n, coalesce(SUM(balance_cents), 0) AS cents FROM quickbooks_objects"
        " WHERE realm_id = ? AND entity = 'Invoice' AND deleted_at IS NULL AND balance_cents > 0",
        realm,
    )
    return {"count": int(row["n"]) if row else 0, "cents": int(row["cents"]) if row else 0}


async def active_estimates(db: Database, realm: str, today: date, environment: str) -> dict[str, Any]:
    """Estimates not yet invoiced, rejected or converted that have not expired, newest first."""
    where = (
        "realm_id = ? AND entity = 'Estimate' AND deleted_at IS NULL"
        f" AND coalesce(status, 'Pending') NOT IN ({', '.join(repr(s) for s in DONE_ESTIMATES)})"
        " AND (expiration_date IS NULL OR expiration_date >= ?)"
    )
    count = await db.first(
        f"SELECT COUNT(*) AS n, coalesce(SUM(total_cents), 0) AS cents FROM quickbooks_objects WHERE {where}",
        realm,
        today.isoformat(),
    )
    rows = await db.all(
        "SELECT qbo_id, doc_number, name, txn_date, expiration_date, status, total_cents FROM quickbooks_objects"
        f" WHERE {where} ORDER BY txn_date DESC, id DESC LIMIT ?",
        realm,
        today.isoformat(),
        ESTIMATES_LISTED,
    )
    host = APP_HOST.get(environment, APP_HOST["production"])
    return {
        "count": int(count["n"]) if count else 0,
        "cents": int(count["cents"]) if count else 0,
        "items": [
            {
                "qbo_id": r["qbo_id"],
                "number": r["doc_number"] or r["qbo_id"],
                "customer": r["name"] or "",
                "date": r["txn_date"],
                "expires": r["expiration_date"],
                "status": r["status"] or "Pending",
                "cents": int(r["total_cents"] or 0),
                "url": f"{host}/app/estimate?txnId={r['qbo_id']}",
            }
            for r in rows
        ],
    }


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

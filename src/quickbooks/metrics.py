"""Sales metrics from the imported QuickBooks objects: what `GET /api/billing/metrics`, `/billing` and
the reports read. Reads only.

**Sales** (docs/quickbooks.md, "What each figure means") are invoices plus sales receipts, less credit
memos and refund receipts, counted on their transaction date (`TxnDate`, the company's calendar), each
document at its amount *before* sales tax (`TotalAmt − TxnTaxDetail.TotalTax`): tax collected is owed
to the state, not earned. A voided invoice has `TotalAmt` 0 and so counts nothing; deleted documents
(tombstones) are left out. **Sales tax accrued** in the quarter is `TxnTaxDetail.TotalTax` of the same
documents with the same signs, from the quarter's first day to today.

Each window (today, the week from Sunday, month to date, year to date) sits beside the prior period of
the same length: yesterday, last week to the same weekday, last month to the same day (or its last
day), last year to the same date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.storage import Database

SALES = ("Invoice", "SalesReceipt")
RETURNS = ("CreditMemo", "RefundReceipt")
_DOCS = "'Invoice', 'SalesReceipt', 'CreditMemo', 'RefundReceipt'"
_SIGN = "CASE WHEN entity IN ('Invoice', 'SalesReceipt') THEN 1 ELSE -1 END"
_NET = f"{_SIGN} * (coalesce(total_cents, 0) - coalesce(tax_cents, 0))"
_TAX = f"{_SIGN} * coalesce(tax_cents, 0)"


@dataclass(frozen=True)
class Window:
    key: str
    label: str
    start: date
    end: date
    prior_start: date
    prior_end: date


def _month_back(day: date) -> date:
    first = day.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    return previous.replace(day=min(day.day, (first - previous).days))


def _year_back(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def windows(today: date) -> list[Window]:
    sunday = today - timedelta(days=(today.weekday() + 1) % 7)
    month_back, year_back = _month_back(today), _year_back(today)
    yesterday = today - timedelta(days=1)
    return [
        Window("day", "Today", today, today, yesterday, yesterday),
        Window("week", "Week to date", sunday, today, sunday - timedelta(days=7), today - timedelta(days=7)),
        Window("month", "Month to date", today.replace(day=1), today, month_back.replace(day=1), month_back),
        Window(
            "year", "Year to date", today.replace(month=1, day=1), today, year_back.replace(month=1, day=1), year_back
        ),
    ]


def quarter_start(today: date) -> date:
    return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)


def _change(current: int, prior: int) -> float | None:
    return None if prior == 0 else round((current - prior) * 100 / abs(prior), 1)


async def sales(db: Database, realm: str, today: date) -> list[dict[str, Any]]:
    """Every window and its prior period in one pass over the widest span (the txn_date index)."""
    spans = windows(today)
    sums: list[str] = []
    params: list[Any] = []
    for w in spans:
        for start, end in ((w.start, w.end), (w.prior_start, w.prior_end)):
            sums.append(f"coalesce(SUM(CASE WHEN txn_date BETWEEN ? AND ? THEN {_NET} END), 0)")
            params += [start.isoformat(), end.isoformat()]
    row = await db.first(
        f"SELECT {', '.join(f'{s} AS s{n}' for n, s in enumerate(sums))} FROM quickbooks_objects"
        f" WHERE realm_id = ? AND entity IN ({_DOCS}) AND deleted_at IS NULL AND txn_date BETWEEN ? AND ?",
        *params,
        realm,
        min(w.prior_start for w in spans).isoformat(),
        today.isoformat(),
    )
    values = [int((row or {}).get(f"s{n}") or 0) for n in range(len(sums))]
    return [
        {
            "window": w.key,
            "label": w.label,
            "start": w.start.isoformat(),
            "end": w.end.isoformat(),
            "cents": values[2 * n],
            "prior_start": w.prior_start.isoformat(),
            "prior_end": w.prior_end.isoformat(),
            "prior_cents": values[2 * n + 1],
            "change_pct": _change(values[2 * n], values[2 * n + 1]),
        }
        for n, w in enumerate(spans)
    ]


async def sales_tax_quarter(db: Database, realm: str, today: date) -> dict[str, Any]:
    start = quarter_start(today)
    row = await db.first(
        f"SELECT coalesce(SUM({_TAX}), 0) AS cents FROM quickbooks_objects WHERE realm_id = ?"
        f" AND entity IN ({_DOCS}) AND deleted_at IS NULL AND txn_date BETWEEN ? AND ?",
        realm,
        start.isoformat(),
        today.isoformat(),
    )
    return {"start": start.isoformat(), "end": today.isoformat(), "cents": int(row["cents"]) if row else 0}


async def account(db: Database, realm: str, kind: str, override: str = "") -> dict[str, Any] | None:
    """The master account of a kind ("checking" or "credit_card"): the account named by the override
    (case-insensitive, name or full name), else the active one of that type with the largest balance,
    a Checking subtype first among banks. None when there is none (or the named one is missing)."""
    base = (
        "SELECT qbo_id, name, total_cents, account_subtype FROM quickbooks_objects WHERE realm_id = ?"
        " AND entity = 'Account' AND deleted_at IS NULL"
    )
    if override:
        row = await db.first(
            f"{base} AND (lower(name) = lower(?) OR lower(json_extract(raw, '$.Name')) = lower(?))"
            " ORDER BY coalesce(active, 1) DESC LIMIT 1",
            realm,
            override,
            override,
        )
    else:
        account_type = "Bank" if kind == "checking" else "Credit Card"
        row = await db.first(
            f"{base} AND coalesce(active, 1) = 1 AND account_type = ?"
            " ORDER BY (account_subtype = 'Checking') DESC, abs(coalesce(total_cents, 0)) DESC, id LIMIT 1",
            realm,
            account_type,
        )
    if row is None:
        return None
    return {
        "qbo_id": row["qbo_id"],
        "account": row["name"],
        "cents": int(row["total_cents"] or 0),
        "chosen_by": "name" if override else "auto",
    }


async def compute(
    db: Database,
    realm: str,
    now: datetime,
    tz: ZoneInfo,
    *,
    checking_account: str = "",
    card_account: str = "",
) -> dict[str, Any]:
    """Every sales figure for the company's calendar date at `now` in `tz`."""
    today = now.astimezone(tz).date()
    return {
        "today": today.isoformat(),
        "time_zone": tz.key,
        "sales": await sales(db, realm, today),
        "balances": {
            "checking": await account(db, realm, "checking", checking_account),
            "credit_card": await account(db, realm, "credit_card", card_account),
        },
        "sales_tax_quarter": await sales_tax_quarter(db, realm, today),
    }

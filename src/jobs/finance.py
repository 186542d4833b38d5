"""Finance (FIN-1…FIN-11): the Deposit and Done jobs with their money, edited inline.

- Closing, Parts, Deposit (integer cents) and Profit % (basis points) are edited in place (FIN-3); the
  contractor payout is derived, never stored: (closing − parts) × (1 − profit %), computed in integer
  cents and rounded half away from zero to the cent (`payout_cents`; $1,000.00, $200.00, 30 % → $560.00).
- Contractor paid / Partner paid toggles stamp who and when; off clears the stamp (FIN-4). House-brand
  auto-K (FIN-5) is stamped by the status verb when a job enters Done (jobs.status._house_brand).
- Finance-cancel with a reason and a note, independent of the job's status; ↺ Undo cancel clears it
  (FIN-7). A cancelled job that leaves Deposit/Done keeps its stamp and returns with it (FIN-9).

Every change is one batch: the version-guarded update, a timeline entry, an audit row and a
`job_events` row; the loser of two changes at once gets 409 and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from accounts.users import User
from core import records
from core.clock import iso
from core.errors import Conflict, Invalid
from core.storage import Database, Param, Row, Statement
from core.text import clean_text
from jobs import actions, board, inputs, record

STATUSES = ("deposit", "done")  # FIN-2: the jobs with money to track
EDITABLE = ("closing_cents", "parts_cents", "deposit_cents", "profit_bp")
LABELS = {"closing_cents": "Closing", "parts_cents": "Parts", "deposit_cents": "Deposit", "profit_bp": "Profit %"}
FLAGS = ("contractor_paid", "partner_paid")  # FIN-4's two toggles
REASONS = ("Chargeback", "Refund", "Dispute", "Other")  # FIN-7's examples; any reason text is accepted
LIMIT = 500


def payout_cents(job: Row) -> int | None:
    """FIN-3 in exact integer cents: (closing − parts) × (10000 − profit_bp) / 10000, half away from 0."""
    return board.payout_cents(job)


def money(cents: int | None) -> str:
    if cents is None:
        return "—"
    sign = "−" if cents < 0 else ""
    c = abs(cents)
    return f"{sign}${c // 100:,}.{c % 100:02d}"


def percent(bp: int | None) -> str:
    if bp is None:
        return "—"
    return f"{bp // 100}%" if bp % 100 == 0 else f"{bp / 100:.2f}".rstrip("0") + "%"


@dataclass(frozen=True)
class Filters:
    statuses: tuple[str, ...] = STATUSES
    cancelled: str = "all"  # all | only | none
    unpaid: str = ""  # "" or one of FLAGS: only the jobs without that stamp
    date_from: str | None = None
    date_to: str | None = None
    q: str = ""


async def listing(db: Database, user: User, f: Filters, limit: int = LIMIT) -> list[Row]:
    """FIN-2: the user's non-archived Deposit/Done jobs in offices with Jobs on, newest first."""
    condition, params = await board.scope(db, user)
    where = [condition, "j.archived_at IS NULL", "j.status IN (SELECT value FROM json_each(?))"]
    args: list[Param] = [*params, _json(f.statuses)]
    if f.cancelled == "only":
        where.append("j.finance_cancelled_at IS NOT NULL")
    elif f.cancelled == "none":
        where.append("j.finance_cancelled_at IS NULL")
    if f.unpaid in FLAGS:
        where.append(f"j.{f.unpaid}_at IS NULL")
    if f.date_from:
        where.append("j.date_start >= ?")
        args.append(f.date_from)
    if f.date_to:
        where.append("j.date_start <= ?")
        args.append(f.date_to)
    if f.q:
        where.append("j.id IN (SELECT rowid FROM job_terms WHERE terms LIKE ?)")
        args.append(f"%{f.q}%")
    return await db.all(
        f"{board.LIST_SQL} WHERE {' AND '.join(where)} ORDER BY j.start_at DESC, j.id DESC LIMIT ?", *args, limit
    )


def _json(values: tuple[str, ...]) -> str:
    import json

    return json.dumps(list(values))


def totals(rows: list[Row]) -> dict[str, int]:
    """The summary strip: sums over the rows that are not finance-cancelled."""
    live = [r for r in rows if not r["finance_cancelled_at"]]
    out = {k: sum(r[k] or 0 for r in live) for k in ("closing_cents", "parts_cents", "deposit_cents")}
    out["payout_cents"] = sum(payout_cents(r) or 0 for r in live)
    out["jobs"] = len(rows)
    out["cancelled"] = len(rows) - len(live)
    return out


def public(job: Row) -> dict[str, Any]:
    """A Finance row as JSON (docs/api.md)."""
    keys = (
        "display_id", "status", "office_id", "company", "first_name", "last_name", "date_start", "time_start",
        "job_type_label", "partner_label", "contractor_id", "contractor_name", "profit_share_bp",
        "closing_cents", "parts_cents", "deposit_cents", "profit_bp",
        "contractor_paid_at", "contractor_paid_by_label", "partner_paid_at", "partner_paid_by_label",
        "finance_cancelled_at", "finance_cancelled_by_label", "finance_cancel_reason", "finance_cancel_note",
        "version",
    )  # fmt: skip
    out = {k: job[k] for k in keys}
    out["office_name"] = job.get("office_name")
    out["payout_cents"] = payout_cents(job)
    out["contractor_paid"] = job["contractor_paid_at"] is not None
    out["partner_paid"] = job["partner_paid_at"] is not None
    out["partner_paid_auto"] = bool(job["partner_paid_auto"])
    out["finance_cancelled"] = job["finance_cancelled_at"] is not None
    return out


def _check_version(job: Row, fields: dict[str, Any]) -> None:
    if fields.get("version") is not None and fields["version"] != job["version"]:
        raise Conflict(actions.CHANGED)


def _check_status(job: Row) -> None:
    if job["status"] not in STATUSES or job["archived_at"]:
        raise Invalid("status: only Deposit and Done jobs are on Finance.", "status")


def _bp(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= 10000:
        raise Invalid("profit_bp: basis points from 0 to 10000 (30 % = 3000).", "profit_bp")
    return raw


def _statements(
    now: datetime, user: User, job: Row, columns: dict[str, Any], body: str, kind: str, payload: dict[str, Any]
) -> list[Statement]:
    return [
        record.update(job, now, columns),
        records.guard_changed(),
        actions.timeline(now, user.actor, job, body),
        records.audit(
            now, user.actor, kind, f"Job {job['display_id']}: {body}", office_id=job["office_id"],
            meta={"job": job["display_id"], **payload},
        ),
        record.event(now, kind, job, payload),
    ]  # fmt: skip


async def edit(db: Database, now: datetime, user: User, job: Row, fields: dict[str, Any]) -> Row:
    """FIN-3: change any of Closing, Parts, Deposit, Profit %; unchanged values write nothing."""
    _check_status(job)
    _check_version(job, fields)
    columns: dict[str, Any] = {}
    for name in EDITABLE:
        if name not in fields or fields[name] is None:
            continue
        value = _bp(fields[name]) if name == "profit_bp" else inputs.cents(fields[name], name)
        if value != job[name]:
            columns[name] = value
    if not columns:
        return job
    words = []
    for name, value in columns.items():
        show = percent if name == "profit_bp" else money
        words.append(f"{LABELS[name]} {show(job[name])} → {show(value)}")
    after = {**job, **columns}
    body = "💵 Finance: " + " · ".join(words) + f" · payout {money(payout_cents(after))}"
    payload = {"fields": {k: [job[k], v] for k, v in columns.items()}, "payout_cents": payout_cents(after)}
    return await actions.run(db, job, _statements(now, user, job, columns, body, "job.finance_updated", payload))


async def set_paid(
    db: Database, now: datetime, user: User, job: Row, flag: str, paid: bool, version: Any = None
) -> Row:
    """FIN-4: Contractor paid / Partner paid, stamped with who and when; off clears the stamp."""
    if flag not in FLAGS:
        raise Invalid("flag: contractor_paid or partner_paid.", "flag")
    _check_status(job)
    _check_version(job, {"version": version})
    if (job[f"{flag}_at"] is not None) == paid:
        return job
    columns: dict[str, Any] = {
        f"{flag}_at": iso(now) if paid else None,
        f"{flag}_by": user.id if paid else None,
        f"{flag}_by_label": user.name if paid else None,
    }
    if flag == FLAGS[1]:
        columns["partner_paid_auto"] = 0  # a person's toggle is never "Auto"
    label = "Contractor paid" if flag == FLAGS[0] else "Partner paid"
    body = f"✅ {label}" if paid else f"↩ {label} cleared"
    payload = {"flag": flag, "paid": paid}
    return await actions.run(db, job, _statements(now, user, job, columns, body, "job.paid_changed", payload))


async def cancel(db: Database, now: datetime, user: User, job: Row, fields: dict[str, Any]) -> Row:
    """FIN-7: finance-cancel a Deposit/Done job with a reason (required) and a note; the job's status
    is untouched. Cancelling again replaces the reason and fires again."""
    _check_status(job)
    _check_version(job, fields)
    reason = clean_text(str(fields.get("reason") or ""), 200)
    if not reason:
        raise Invalid("reason: give the reason (chargeback, refund, dispute…).", "reason")
    note = clean_text(str(fields.get("note") or ""), 2000)
    columns = {
        "finance_cancelled_at": iso(now),
        "finance_cancelled_by": user.id,
        "finance_cancelled_by_label": user.name,
        "finance_cancel_reason": reason,
        "finance_cancel_note": note,
    }
    body = f"🚫 Finance-cancelled: {reason}" + (f" — {note}" if note else "")
    payload = {
        "FinanceCancelReason": reason,
        "FinanceCancelNote": note,
        "FinanceCancelledAt": iso(now),
        "FinanceCancelledBy": user.name,
    }
    return await actions.run(db, job, _statements(now, user, job, columns, body, "job.finance_cancelled", payload))


async def undo_cancel(db: Database, now: datetime, user: User, job: Row, fields: dict[str, Any]) -> Row:
    """FIN-7: ↺ Undo cancel clears the stamp (the event is recorded; webhooks fire nothing for it)."""
    _check_version(job, fields)
    if job["finance_cancelled_at"] is None:
        raise Invalid("finance_cancelled: this job is not finance-cancelled.", "finance_cancelled")
    columns = {
        "finance_cancelled_at": None,
        "finance_cancelled_by": None,
        "finance_cancelled_by_label": None,
        "finance_cancel_reason": "",
        "finance_cancel_note": "",
    }
    body = f"↺ Finance cancel undone (was: {job['finance_cancel_reason']})"
    payload = {"was": job["finance_cancel_reason"]}
    return await actions.run(db, job, _statements(now, user, job, columns, body, "job.finance_uncancelled", payload))

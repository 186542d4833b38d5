"""Finance as JSON (FIN-1…FIN-11): the Deposit and Done jobs with their money, inline edits, paid
toggles and finance-cancel. Money is integer cents (`*_cents`), percentages basis points (`*_bp`).
Reading: owner, finance admin, viewer; writing: owner and finance admin (a viewer's write is 403).
The page is routes/finance_page.py.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from core.inputs import Int
from jobs import finance, schedule
from routes import lookup
from routes.guard import bindings_of, current_user

router = APIRouter(tags=["finance"])


def filters_of(status: list[str], cancelled: str, unpaid: str, date_from: str, date_to: str, q: str) -> finance.Filters:
    from core.errors import Invalid

    for s in status:
        if s not in finance.STATUSES:
            raise Invalid("status: deposit or done.", "status")
    if cancelled not in ("all", "only", "none"):
        raise Invalid("cancelled: all, only or none.", "cancelled")
    if unpaid not in ("", *finance.FLAGS):
        raise Invalid("unpaid: contractor_paid or partner_paid.", "unpaid")
    return finance.Filters(
        statuses=tuple(status) or finance.STATUSES,
        cancelled=cancelled,
        unpaid=unpaid,
        date_from=schedule.check_date(date_from, "date_from") if date_from else None,
        date_to=schedule.check_date(date_to, "date_to") if date_to else None,
        q=q.strip(),
    )


@router.get("/api/finance", summary="Deposit and Done jobs with their money (FIN-2)")
async def api_list(
    request: Request,
    status: list[str] = Query([], description="deposit, done (default both)"),
    cancelled: str = Query("all", description="all, only (finance-cancelled), none"),
    unpaid: str = Query("", description="contractor_paid or partner_paid: only jobs without that stamp"),
    date_from: str = Query("", max_length=10),
    date_to: str = Query("", max_length=10),
    q: str = Query("", max_length=60),
    limit: int = Query(finance.LIMIT, ge=1, le=finance.LIMIT),
) -> dict[str, Any]:
    f = filters_of(status, cancelled, unpaid, date_from, date_to, q)
    rows = await finance.listing(bindings_of(request).db, current_user(request), f, limit)
    return {"items": [finance.public(r) for r in rows], "totals": finance.totals(rows)}


class FinanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Int | None = Field(None, description="the version you read; 409 when the job moved on")
    closing_cents: Int | None = Field(None, description="≥ 0")
    parts_cents: Int | None = Field(None, description="≥ 0")
    deposit_cents: Int | None = Field(None, description="≥ 0")
    profit_bp: Int | None = Field(None, description="Profit %, basis points 0–10000 (30 % = 3000)")


@router.patch("/api/finance/{display_id}", summary="Edit Closing, Parts, Deposit, Profit % (FIN-3)")
async def api_edit(request: Request, display_id: str, body: FinanceIn) -> dict[str, Any]:
    b = bindings_of(request)
    row = await lookup.job(request, display_id)
    row = await finance.edit(b.db, b.clock.now(), current_user(request), row, body.model_dump(exclude_unset=True))
    return finance.public(row)


class PaidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    flag: Literal["contractor_paid", "partner_paid"]
    paid: bool
    version: Int | None = None


@router.put("/api/finance/{display_id}/paid", summary="Contractor paid / Partner paid (FIN-4)")
async def api_paid(request: Request, display_id: str, body: PaidIn) -> dict[str, Any]:
    b = bindings_of(request)
    row = await lookup.job(request, display_id)
    row = await finance.set_paid(b.db, b.clock.now(), current_user(request), row, body.flag, body.paid, body.version)
    return finance.public(row)


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(max_length=200, description="chargeback, refund, dispute…")
    note: str = Field("", max_length=2000)
    version: Int | None = None


@router.post("/api/finance/{display_id}/cancel", summary="Finance-cancel a Deposit/Done job (FIN-7)")
async def api_cancel(request: Request, display_id: str, body: CancelIn) -> dict[str, Any]:
    b = bindings_of(request)
    row = await lookup.job(request, display_id)
    row = await finance.cancel(b.db, b.clock.now(), current_user(request), row, body.model_dump())
    return finance.public(row)


class UndoIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Int | None = None


@router.post("/api/finance/{display_id}/undo-cancel", summary="↺ Undo a finance-cancel (FIN-7)")
async def api_undo(request: Request, display_id: str, body: UndoIn) -> dict[str, Any]:
    b = bindings_of(request)
    row = await lookup.job(request, display_id)
    row = await finance.undo_cancel(b.db, b.clock.now(), current_user(request), row, body.model_dump())
    return finance.public(row)

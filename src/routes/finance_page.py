"""The Finance page `/finance` (FIN-1…FIN-11): Deposit and Done jobs with inline Closing / Parts /
Deposit / Profit %, the derived payout, paid toggles and finance-cancel. Its inputs call the JSON API
(routes/finance_api.py) through static/finance.js; a viewer sees the numbers with inputs locked.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from accounts import authz
from jobs import finance
from routes.finance_api import filters_of
from routes.guard import bindings_of, current_user
from routes.pages import render

router = APIRouter()


@router.get("/finance", include_in_schema=False)
async def finance_page(
    request: Request,
    status: list[str] = Query([]),
    cancelled: str = Query("all", max_length=5),
    unpaid: str = Query("", max_length=12),
    date_from: str = Query("", max_length=10),
    date_to: str = Query("", max_length=10),
    q: str = Query("", max_length=60),
) -> Response:
    user = current_user(request)
    f = filters_of(status, cancelled, unpaid, date_from, date_to, q)
    rows = await finance.listing(bindings_of(request).db, user, f)
    return render(
        request,
        "finance/index.html",
        f=f,
        status_values=status,
        rows=[finance.public(r) for r in rows],
        totals=finance.totals(rows),
        limit=finance.LIMIT,
        editable=authz.can(user, "finance.edit"),
        money=finance.money,
        percent=finance.percent,
        reasons=finance.REASONS,
    )

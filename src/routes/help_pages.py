"""Help pages written for the people using Porchlight, not for developers (issue 17: Billing and
QuickBooks "say who to ask and link docs")."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from routes.pages import render

router = APIRouter(include_in_schema=False)


@router.get("/help/quickbooks")
async def quickbooks_help(request: Request) -> Response:
    return render(request, "help/quickbooks.html", title="QuickBooks in Porchlight")

"""The customer record page. A minimal read-only view for now, so a conversion lands somewhere; the
Clients capability replaces it with the full record."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

import customers
import records
from guard import NotFound, bindings_of, current_user
from pages import render

router = APIRouter(include_in_schema=False)


@router.get("/clients/{display_id}")
async def client_page(request: Request, display_id: str) -> Response:
    db = bindings_of(request).db
    row = await customers.customer_for_user(db, current_user(request), display_id)
    if row is None:
        raise NotFound("We couldn't find that client.")
    return render(
        request,
        "customers/record.html",
        title=f"{row['display_id']} · {row['name']}",
        customer=customers.public(row) | {"source_label": row["source_label"]},
        contact=await customers.primary_contact(db, row["id"]),
        leads=await customers.leads_of(db, row["id"]),
        timeline=await records.timeline_for(db, "customer", row["id"]),
    )

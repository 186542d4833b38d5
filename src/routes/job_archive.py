"""The Archived Jobs modal (ARC-3, ARC-4): top bar → 📦 Archived on the jobs board and on Finance
opens a dialog that loads `/jobs/archived` with htmx — the archived jobs of the viewer's offices,
newest archived first, with search and "Load more" — and ↩ Restore on a row restores through the
one restore verb (one timeline note, one audit row), drops the row and tells the page
(`HX-Trigger: jobs-restored`) to refresh. Without htmx, `/jobs/archived` is a page of its own.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from jobs import archive, record
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.pages import redirect, render

router = APIRouter()


@router.get("/jobs/archived", include_in_schema=False)
async def archived_list(
    request: Request, q: str = Query("", max_length=60), cursor: str = Query("", max_length=200)
) -> Response:
    """The modal's list (htmx: the rows only, or the next page's rows after a cursor); a plain GET
    gets the same list as a page."""
    page = await archive.archived_page(bindings_of(request).db, current_user(request), q=q, cursor=cursor)
    partial = bool(request.headers.get("hx-request"))
    template = "jobs/_archived_rows.html" if partial and cursor else "jobs/_archived_list.html"
    return render(
        request,
        template if partial else "jobs/archived.html",
        title="Archived Jobs",
        rows=page.rows,
        next_cursor=page.next_cursor,
        q=q,
        labels=record.STATUS_LABELS,
        codes=record.SHORT_CODES,
    )


@router.post("/jobs/archived/{display_id}/restore", include_in_schema=False)
async def restore_from_modal(request: Request, display_id: str) -> Response:
    """↩ Restore (ARC-3): the restore verb, then an empty row (htmx drops it), a line saying what
    happened, and `jobs-restored` for the board's / Finance's refresh."""
    b = bindings_of(request)
    job = await archive.restore(b.db, b.clock.now(), current_user(request), await lookup.job(request, display_id))
    if not request.headers.get("hx-request"):
        return redirect("/jobs/archived", f"{job['display_id']} restored: it is back on the board.")
    response = render(request, "jobs/_archived_restored.html", job=job)
    response.headers["HX-Trigger"] = json.dumps({"jobs-restored": {"display_id": job["display_id"]}})
    return response

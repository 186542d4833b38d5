"""The duplicates tool: groups of leads that look like one enquiry, and the merge (page and JSON).

Included before the leads router: `/leads/duplicates` would otherwise be taken for a lead id.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from accounts.users import User
from core.inputs import Int, parse_int
from core.storage import Row
from leads import calling_hours
from leads import duplicates as lead_duplicates
from leads import queue as leads
from routes import lookup
from routes.guard import bindings_of, current_user
from routes.pages import redirect, refusals_go_back_to, render

router = APIRouter()

MATCH_LABELS = {"phone": "Same phone number", "external_id": "Same partner lead id"}


def _member(row: Row, user: User) -> dict[str, Any]:
    return {
        "id": row["display_id"],
        "version": row["version"],
        "name": row["name"],
        "phone": (row["phone"] or row["phone_raw"]) if leads.phone_visible(row, user) else leads.masked_phone(row),
        "email": row["email"],
        "status": row["status"],
        "source": row["source_key"],
        "source_label": row["source_label"] or row["source_key"],
        "source_color": row["source_color"],
        "office": row["office_name"],
        "external_id": row["external_id"],
        "call_count": row["call_count"],
        "created_at": row["created_at"],
    }


def _suggested(members: list[Row]) -> str:
    """The lead worth keeping: the one most worked, else the first that came in (members are newest first)."""
    worked = max(members, key=lambda m: m["call_count"])
    return (worked if worked["call_count"] else members[-1])["display_id"]


def _zone(row: Row, page_view: bool) -> dict[str, str]:
    """The page shows each lead's time in the lead's own zone; the API answers UTC only."""
    return {"tz": str(calling_hours.place_of(row).zone)} if page_view else {}


async def _page_data(request: Request, after: str, page_view: bool = False) -> dict[str, Any]:
    user = current_user(request)
    page = await lead_duplicates.find_groups(bindings_of(request).db, user, after or None)
    return {
        "groups": [
            {
                "match": g.match,
                "total": g.total,
                "suggested": _suggested(g.members),
                "leads": [_member(m, user) | _zone(m, page_view) for m in g.members],
            }
            for g in page.groups
        ],
        "next": page.next_cursor,
        "searched_back_to": page.searched_back_to,
    }


@router.get("/leads/duplicates", include_in_schema=False)
async def duplicates_page(request: Request, after: str = Query("", max_length=60)) -> Response:
    return render(
        request,
        "leads/duplicates.html",
        title="Duplicate leads",
        page=await _page_data(request, after, page_view=True),
        after=after,
        match_labels=MATCH_LABELS,
        statuses=leads.STATUS_LABELS,
        now=bindings_of(request).clock.now(),  # rows show this year's times without the year
    )


@router.get("/api/leads/duplicates", tags=["leads"], summary="Groups of leads sharing a phone or partner lead id")
async def api_duplicates(request: Request, after: str = Query("", max_length=60)) -> dict[str, Any]:
    return await _page_data(request, after)


async def merge_selected(request: Request, keeper: str, others: list[str], versions: dict[str, Int]) -> list[str]:
    """Merge `others` into `keeper` (the API, the per-group form and routes/duplicates_resolve.py)."""
    user = current_user(request)
    b = bindings_of(request)
    rows = [await lookup.lead(request, display_id, named=True) for display_id in [keeper, *others]]
    await lead_duplicates.merge(b.db, b.clock.now(), user, rows[0], rows[1:], versions)
    return [r["display_id"] for r in rows[1:]]


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keeper: str = Field(max_length=20)
    others: list[str] = Field(min_length=1, max_length=lead_duplicates.MAX_MERGE)
    versions: dict[str, Int] = Field(default_factory=dict, max_length=lead_duplicates.MAX_MERGE + 1)


@router.post("/api/leads/duplicates/merge", tags=["leads"], summary="Keep one lead; archive the others into it")
async def api_merge(request: Request, body: MergeIn) -> dict[str, Any]:
    merged = await merge_selected(request, body.keeper, [o[:20] for o in body.others], body.versions)
    return {"keeper": body.keeper.upper(), "archived": merged}


@router.post("/leads/duplicates/merge", include_in_schema=False)
async def page_merge(
    request: Request,
    keeper: str = Form("", max_length=20),
    member: list[str] = Form([]),
    merge: list[str] = Form([]),
    after: str = Form("", max_length=60),
) -> Response:
    """`member` carries "L-1234:version" for every lead the form showed; `merge` the ticked ones."""
    back = "/leads/duplicates" + (f"?after={after}" if lead_duplicates.parse_cursor(after) else "")
    versions: dict[str, int] = {}
    for item in member[: lead_duplicates.MAX_MERGE + 1]:
        display_id, _, version = item.partition(":")
        if (number := parse_int(version)) is not None:
            versions[display_id[:20]] = number
    if not keeper:
        return redirect(back, "Choose the lead to keep.")
    others = [m[:20] for m in merge if m != keeper][: lead_duplicates.MAX_MERGE + 1]
    with refusals_go_back_to(back):
        merged = await merge_selected(request, keeper, others, versions)
    return redirect(back, f"Kept {keeper}; archived {', '.join(merged)} into it.")

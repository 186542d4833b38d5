"""The global timeline (issue 23, seed 002 "Global timeline"): `/timeline` for admins, viewers and the
owner, newest first with infinite scroll (htmx loads the next page by cursor as the last row shows),
and `/api/timeline`."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from accounts import authz, offices, users
from core.errors import Invalid
from core.inputs import parse_id
from routes.guard import bindings_of, current_user
from routes.pages import render
from tasks import feed

router = APIRouter()


def _day(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid("Enter a date as YYYY-MM-DD.", field) from None


def _filters(office: list[str], type_: list[str], start: str, end: str, user: str) -> feed.Filters:
    bad = [t for t in type_ if t not in feed.TYPES]
    if bad:
        raise Invalid(f"Type is one of: {', '.join(feed.TYPES)}.", "type")
    ids = [i for i in (parse_id(o) for o in office) if i is not None]
    return feed.Filters(
        tuple(ids), tuple(type_), _day(start, "from"), _day(end, "to"), parse_id(user) if user else None
    )


def _query(f: feed.Filters) -> str:
    parts = [f"office={o}" for o in f.office_ids] + [f"type={t}" for t in f.types]
    parts += [f"from={f.start}"] if f.start else []
    parts += [f"to={f.end}"] if f.end else []
    parts += [f"user={f.user_id}"] if f.user_id else []
    return "&".join(parts)


@router.get("/timeline", include_in_schema=False)
async def page(
    request: Request,
    office: list[str] = Query([], max_length=50),
    type: list[str] = Query([], max_length=4),
    start: str = Query("", alias="from", max_length=10),
    end: str = Query("", alias="to", max_length=10),
    user: str = Query("", max_length=12),
    cursor: str = Query("", max_length=60),
) -> Response:
    b, me = bindings_of(request), current_user(request)
    f = _filters(office, type, start, end, user)
    rows, next_cursor = await feed.page(b.db, me, f, feed.parse_cursor(cursor))
    context: dict[str, Any] = {"rows": rows, "next_cursor": next_cursor, "query": _query(f), "kind_of": feed.type_of}
    if request.headers.get("hx-request") and cursor:
        return render(request, "timeline/_rows.html", **context)
    people = [u for u in await users.all_users(b.db) if authz.takes_tasks(u)]
    visible = authz.visible_offices(me, await offices.all_offices(b.db))
    return render(request, "timeline/page.html", filters=f, offices=visible, people=people, types=feed.TYPES, **context)


@router.get("/api/timeline", tags=["timeline"], summary="Every lead's (and job's) timeline entries, newest first")
async def api_timeline(
    request: Request,
    office: list[str] = Query([], max_length=50, description="Office ids (repeat)"),
    type: list[str] = Query([], max_length=4, description="status, call, note, system (repeat)"),
    start: str = Query("", alias="from", max_length=10, description="First day, YYYY-MM-DD, in your zone"),
    end: str = Query("", alias="to", max_length=10, description="Last day, YYYY-MM-DD, in your zone"),
    user: str = Query("", max_length=12, description="Who did it: a user id"),
    cursor: str = Query("", max_length=60, description="`next_cursor` of the previous page"),
    limit: int = Query(feed.PAGE, ge=1, le=200),
) -> dict[str, Any]:
    b = bindings_of(request)
    f = _filters(office, type, start, end, user)
    rows, next_cursor = await feed.page(b.db, current_user(request), f, feed.parse_cursor(cursor), limit)
    return {"entries": [feed.public(r) for r in rows], "next_cursor": next_cursor}

"""The leads queue: the `/leads` page and `GET /api/leads` (same filters, same rules), and its change marker."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from accounts import authz, offices
from accounts.users import User
from core import localtime
from core.clock import iso
from core.errors import Invalid
from core.inputs import Id
from core.text import SEARCH_MIN
from customers import record as customers
from leads import calling_hours
from leads import queue as leads
from leads import settings as lead_settings
from leads import sources as lead_sources
from routes.guard import bindings_of, current_user
from routes.pages import render

router = APIRouter()

PRESETS = {"48h": timedelta(hours=48), "7d": timedelta(days=7), "30d": timedelta(days=30)}


def _day(text: str, zone: ZoneInfo) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=zone)
    except ValueError:
        raise Invalid(f"Dates must be YYYY-MM-DD, not {text!r}.") from None


def build_query(
    user: User,
    now: datetime,
    zone: ZoneInfo,
    *,
    office: list[Id],
    status: list[str],
    source: list[str],
    urgency: list[str],
    q: str,
    preset: str,
    since: str,
    until: str,
    reactivated: bool,
    archived: bool,
    view: str,
    page: int,
    per_page: int,
    escalation_minutes: int = leads.DEFAULT_ESCALATION_MINUTES,
) -> leads.Query:
    bad = [s for s in status if s not in leads.STATUSES] + [u for u in urgency if u not in leads.URGENCIES]
    if bad:
        raise HTTPException(422, f"Unknown filter value(s): {', '.join(bad)}.")
    if view and view not in leads.VIEWS:
        raise HTTPException(422, f"Unknown view {view!r}: use {', '.join(leads.VIEWS)}.")
    start = end = None
    if preset == "today":
        start = iso(now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0))
    elif preset in PRESETS:
        start = iso(now - PRESETS[preset])
    elif preset:
        raise HTTPException(422, f"Unknown date preset {preset!r}: use today, 48h, 7d or 30d.")
    if since:
        start = iso(_day(since, zone))
    if until:
        end = iso(_day(until, zone) + timedelta(days=1))
    return leads.Query(
        offices=authz.requested_offices(user, office),
        statuses=status,
        sources=source,
        urgencies=urgency,
        search=q,
        since=start,
        until=end,
        reactivated=reactivated,
        archived=archived,
        view=view,
        day_end=iso(next_midnight(now, zone)),
        escalation_minutes=escalation_minutes,
        page=page,
        per_page=per_page,
    )


def next_midnight(now: datetime, zone: ZoneInfo) -> datetime:
    """Where the viewer's today ends: the next local midnight, by the wall clock (a DST day is 23 or
    25 hours long)."""
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=zone)


async def _zone(request: Request, user: User) -> ZoneInfo:
    visible = authz.visible_offices(user, await offices.all_offices(bindings_of(request).db))
    return visible[0].zone if visible else ZoneInfo("UTC")


class QueueParams:
    """The queue's filters, shared by the page and the JSON API (repeat a key for several values)."""

    def __init__(
        self,
        office: list[Id] = Query([]),
        status: list[str] = Query([]),
        source: list[str] = Query([]),
        urgency: list[str] = Query([]),
        q: str = Query("", max_length=40),
        preset: str = Query("", max_length=10),
        since: str = Query("", max_length=10),
        until: str = Query("", max_length=10),
        reactivated: bool = Query(False, description="Only leads BookBack AI reactivated (the ⚡ BookBack toggle)"),
        archived: bool = False,
        view: str = Query("", max_length=10),
        page: int = Query(1, ge=1, le=100_000),
        per_page: int = Query(leads.PER_PAGE, ge=1, le=100),
    ):
        self.values: dict[str, Any] = {k: v for k, v in locals().items() if k != "self"}


async def _run_queue(request: Request, params: QueueParams) -> tuple[leads.Query, leads.QueuePage]:
    user = current_user(request)
    b = bindings_of(request)
    now = b.clock.now()
    escalation, zone = await asyncio.gather(lead_settings.escalation_minutes(b.db), _zone(request, user))
    query = build_query(user, now, zone, **params.values, escalation_minutes=escalation)
    return query, await leads.queue(b.db, user, query, now)


@router.get("/leads", include_in_schema=False)
async def queue_page(request: Request, params: QueueParams = Depends()) -> Response:
    user = current_user(request)
    b = bindings_of(request)
    now = b.clock.now()
    # the queue and the page's other reads, gathered: on D1 reads made together share a round trip
    (query, result), visible_offices, sources, marker = await asyncio.gather(
        _run_queue(request, params),
        offices.all_offices(b.db),
        lead_sources.all_sources(b.db),
        leads.latest_change(b.db, user),
    )
    rows = result.rows
    first = (query.page - 1) * query.per_page + 1 if rows else 0
    converted = await customers.links_for_leads(b.db, [r["id"] for r in rows if r["status"] == "converted"])
    escalation = query.escalation_minutes
    items = [
        leads.public(r, user, now)
        | {
            "tz": str(zone := calling_hours.place_of(r).zone),  # the lead's own zone: its row's times
            "tz_place": localtime.place_name(zone),
            "tz_abbr": localtime.abbreviation(now, zone),
            "bookback": bool(r["reactivated"]),
            "source_label": r["source_label"],
            "source_color": r["source_color"],
            "customer": converted.get(r["id"]),
            "escalated": lead_settings.escalated(r, now, escalation),
        }
        for r in rows
    ]
    return render(
        request,
        "leads/queue.html",
        title="Leads",
        items=items,
        result=result,
        search_min=SEARCH_MIN,
        search_cap=leads.SEARCH_CAP,
        total=result.total,
        first=first,
        last=first + len(rows) - 1 if rows else 0,
        query=query,
        filters=params.values,
        offices=authz.visible_offices(user, visible_offices),
        sources=sources,
        statuses=leads.STATUS_LABELS,
        views=leads.VIEWS,
        view_hints=leads.VIEW_HINTS,
        marker=marker,
        now=now,  # rows show this year's times without the year
    )


@router.get("/api/leads", tags=["leads"], summary="The leads queue, filtered and paged")
async def api_queue(request: Request, params: QueueParams = Depends()) -> dict[str, Any]:
    user = current_user(request)
    now = bindings_of(request).clock.now()
    query, result = await _run_queue(request, params)
    escalation = query.escalation_minutes
    answer: dict[str, Any] = {
        "items": [
            leads.public(r, user, now) | {"escalated": lead_settings.escalated(r, now, escalation)} for r in result.rows
        ],
        "total": result.total,
        "total_capped": result.capped,  # true: there are more than `total` matching leads
    }
    if query.search.strip():
        # The search looked only at the newest SEARCH_CAP matches / the term was too short to search.
        answer["search_limited"] = result.search_limited
        answer["search_too_short"] = result.search_too_short
    return answer


@router.get("/api/leads/changes", tags=["leads"], summary="A marker that changes when visible leads change")
async def api_changes(request: Request) -> dict[str, str]:
    return {"marker": await leads.latest_change(bindings_of(request).db, current_user(request))}

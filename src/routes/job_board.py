"""The jobs board `/jobs` (BRD-1…BRD-14), the New Job modal (JOB-6…JOB-16; `/jobs/new`, pre-filled
from a converted lead, JT-1), the job page `/jobs/{JOB-…}` with its banners and verbs, and the
modal's address look-up (`/api/jobs/new-job/places`: geocode + the 5 nearest service areas, JOB-11).
The page's buttons call the JSON API (routes/job_api.py) through static/jobs.js.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from accounts import authz
from core import records
from core.errors import Forbidden
from core.inputs import Id
from customers import record as customers
from jobs import actions, attention, board, dispatch, inputs, record, schedule
from network import areas
from routes import lookup, record_tasks
from routes.guard import bindings_of, current_user
from routes.job_api import ListParams, filters
from routes.pages import redirect, render
from tickets import job_links

router = APIRouter()
SORTS = {"default": "Time, then status", "status": "Status", "time": "Time", "contractor": "Contractor A–Z"}
RADIUS_MILES = 50


async def _choices(request: Request) -> dict[str, Any]:
    return await board.choices(bindings_of(request).db, current_user(request))


def _prefill_from_lead(lead: Any, customer: str | None, partners: list[Any]) -> dict[str, Any]:
    """JT-1 / JT-4: name, phone, email, office, notes (+ the lead's ZIP and requested service), and the
    partner when the lead's partner names an existing Job Partner."""
    first, _, last = (lead["name"] or "").strip().partition(" ")
    extra = [f"ZIP: {lead['zip']}" if lead["zip"] else "", f"Requested: {lead['service']}" if lead["service"] else ""]
    partner = next((p["id"] for p in partners if (lead["partner_name"] or "").casefold() == p["name"].casefold()), None)
    return {
        "lead_id": lead["display_id"],
        "customer_id": customer or "",
        "office_id": lead["office_id"],
        "first_name": first,
        "last_name": last,
        "phone": lead["phone"] or lead["phone_raw"] or "",
        "email": lead["email"] or "",
        "address": lead["address"] or "",
        "postal_code": lead["zip"] or "",
        "partner_id": partner,
        "notes": "\n".join(p for p in [lead["notes"] or "", *extra] if p),
    }


@router.get("/jobs", include_in_schema=False)
async def board_page(
    request: Request,
    params: ListParams = Depends(),
    range: str = Query("default", max_length=12, alias="range"),
    sort: str = Query("default", max_length=12),
) -> Response:
    return await _board(request, params, range, sort, prefill=None)


@router.get("/jobs/new", include_in_schema=False)
async def new_job_page(request: Request, lead: str = Query("", max_length=20)) -> Response:
    """The board with the New Job modal open; from a converted lead, pre-filled (JT-1, JT-3)."""
    prefill: dict[str, Any] = {}
    if lead:
        row = await lookup.lead(request, lead, named=True)
        customer = await customers.display_id_of(bindings_of(request).db, row["customer_id"])
        choices = await _choices(request)
        prefill = _prefill_from_lead(row, customer, choices["partners"])
    return await _board(request, ListParams(**_no_filters()), "default", "default", prefill=prefill)


def _no_filters() -> dict[str, Any]:
    return {
        "status": [],
        "job_type": [],
        "job_source": [],
        "office": [],
        "contractor": [],
        "date_from": "",
        "date_to": "",
        "attention": False,
        "rebooked": False,
        "archived": False,
        "q": "",
        "cursor": "",
        "limit": board.PAGE,
    }


async def _board(
    request: Request, params: ListParams, preset: str, sort: str, prefill: dict[str, Any] | None
) -> Response:
    user = current_user(request)
    b = bindings_of(request)
    ctx, choices = await asyncio.gather(board.context(b.db), board.choices(b.db, user))
    if not choices["offices"]:
        return redirect("/leads", "Your offices don't use Porchlight for jobs.")
    now = b.clock.now()
    today = schedule.today_in(choices["offices"][0]["time_zone"], now)  # BRD-5: the user's first office's days
    f = filters(params.values)
    if f.archived and not authz.can(user, "jobs.archive"):  # as GET /api/jobs?archived=1 (ARC-3)
        raise Forbidden("Only admins and above see archived jobs.")
    if not (f.date_from or f.date_to):
        f.date_from, f.date_to = board.window(preset, today)
    sort = sort if sort in SORTS else "default"
    page = await board.listing(b.db, user, now, f, limit=board.MAX_PAGE, ctx=ctx)
    items, count, counts, marker = await asyncio.gather(
        board.public_many(b.db, user, now, page.rows, ctx),
        board.attention_count(b.db, user, now, ctx),
        board.status_counts(b.db, user, ctx),
        board.latest_change(b.db, user, ctx),
    )
    return render(
        request,
        "jobs/board.html",
        title="Jobs",
        groups=board.groups(items, today, sort, force_open=f.attention),
        shown=len(items),
        more=page.next_cursor is not None,
        f=f,
        values=params.values,
        preset=preset,
        presets=board.PRESET_LABELS,
        sort=sort,
        sorts=SORTS,
        attention_count=count,
        counts=counts,
        labels=record.STATUS_LABELS,
        codes=record.SHORT_CODES,
        flag_labels=attention.LABELS,
        marker=marker,
        prefill=prefill,
        prefill_json=json.dumps(prefill or {}),
        **choices,
    )


@router.get("/jobs/{display_id}", include_in_schema=False)
async def job_page(request: Request, display_id: str) -> Response:
    user = current_user(request)
    b = bindings_of(request)
    row = await lookup.job(request, display_id)
    now = b.clock.now()
    job = (await board.public_many(b.db, user, now, [row]))[0]
    timeline, offered, choices, linked = await asyncio.gather(
        records.timeline_for(b.db, "job", row["id"]),
        dispatch.offered(b.db, row),
        _choices(request),
        record_tasks.rows(b.db, user, "job", row["id"]),  # issue 23, TSK-5
    )
    banners = [attention.BANNERS[f] for f in job["attention"] if f in attention.BANNERS]
    return render(
        request,
        "jobs/record.html",
        title=job["display_id"],
        job=job,
        timeline=timeline,
        offered=offered,
        banners=banners,
        labels=record.STATUS_LABELS,
        flag_labels=attention.LABELS,
        tickets=await job_links.tickets_of_job(b.db, row["id"]) if authz.can(user, "tickets.view") else [],
        record_tasks=record_tasks.card(user, now, linked, f"/jobs/{row['display_id']}#tasks"),
        **choices,
    )


@router.get("/api/jobs/new-job/places", tags=["jobs"], summary="New Job: geocode an address; the 5 nearest areas")
async def api_places(
    request: Request,
    address: str = Query("", max_length=300),
    postal_code: str = Query("", max_length=10),
    lat: float | None = Query(None, ge=-90, le=90),
    lng: float | None = Query(None, ge=-180, le=180),
    unit: str = Query("", max_length=60),
    office_id: Id | None = Query(None),
) -> dict[str, Any]:
    """JOB-10 / JOB-11: where the address is, and the 5 nearest service-area pins by great-circle
    distance with each one's distance; pins beyond 50 miles are marked `outside_radius`."""
    b = bindings_of(request)
    duplicates: list[str] = []
    if office_id is not None and authz.visible_office(current_user(request), office_id):  # JOB-18, before creating
        duplicates = await actions.duplicates(b.db, office_id, inputs.address_key(address, unit, postal_code))
    place: dict[str, Any] = {"lat": lat, "lng": lng, "city": "", "state": "", "postal_code": postal_code}
    if lat is None or lng is None:
        found = await b.geocoder.address(f"{address} {postal_code}".strip()) if address else None
        if found is None and postal_code:
            found = await b.geocoder.zip(postal_code)
        if found is None:
            return {"place": None, "areas": [], "duplicates": duplicates}
        place = {"lat": found.lat, "lng": found.lng, "city": found.city, "state": found.state, "postal_code": found.zip}
    nearest = await areas.nearest(b.db, place["lat"], place["lng"], limit=5)
    extra = {
        r["id"]: r
        for r in await b.db.all(
            "SELECT id, area_code, office_address FROM service_areas WHERE id IN (SELECT value FROM json_each(?))",
            json.dumps([a["id"] for a in nearest]),
        )
    }
    out = [
        {
            "id": a["id"],
            "label": a["label"],
            "area_code": extra.get(a["id"], {}).get("area_code", ""),
            "office_address": extra.get(a["id"], {}).get("office_address", ""),
            "miles": round(a["miles"], 1),
            "outside_radius": a["miles"] > RADIUS_MILES,
        }
        for a in nearest
    ]
    return {"place": place, "areas": sorted(out, key=lambda a: (a["miles"], a["label"])), "duplicates": duplicates}

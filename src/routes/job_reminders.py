"""EOD and Morning reminders (REM-1…REM-6): `/api/jobs/reminders?date=&kind=` as JSON and the page
`/jobs/reminders` the board's date dividers open (one row per contractor: a map with numbered pins
drawn in the browser from the vendored US outlines, the text, Copy Image / Copy Text). Registered
before /jobs/{display_id} and /api/jobs/{display_id}.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from jobs import reminders
from routes.guard import bindings_of, current_user
from routes.pages import render

router = APIRouter(tags=["jobs"])


async def _rows(request: Request, day: str, kind: str) -> dict[str, Any]:
    b = bindings_of(request)
    return await reminders.reminders(b.db, b.geocoder, b.clock.now(), current_user(request), day, kind)


@router.get("/api/jobs/reminders", summary="EOD / Morning reminder texts and map pins for a date")
async def api_reminders(
    request: Request,
    date: str = Query(max_length=10, description="the jobs' local date, YYYY-MM-DD"),
    kind: Literal["eod", "morning"] = Query(description="eod: long form, Reminder for Tomorrow; morning: short form"),
) -> dict[str, Any]:
    return await _rows(request, date, kind)


@router.get("/jobs/reminders", include_in_schema=False)
async def reminders_page(
    request: Request,
    date: str = Query(max_length=10),
    kind: Literal["eod", "morning"] = Query("eod"),
) -> Response:
    body = await _rows(request, date, kind)
    return render(request, "jobs/reminders.html", r=body, day_label=_label(body["date"]))


def _label(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d.strftime('%A')}, {d.strftime('%b')} {d.day}"

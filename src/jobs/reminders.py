"""EOD and Morning reminders (REM-1…REM-6): for one date, one row per contractor with that day's jobs
as copyable text and numbered map pins. Copying only: nothing is sent (REM-6).

Which jobs (REM-5): not archived, dated that day (local `date_start`), with a contractor, status not
Done or Cancelled, in the user's scope; ordered by start time, so pin numbers follow that order.
A job with no point is placed first through the geocoder and the point stored (REM-4).

The texts, exactly (REM-2, REM-3; hours as `6AM`, `6:30AM`):

    EOD (long form)                          Morning (short form)
    Reminder for Tomorrow.                   Reminder for Today.
                                             1. ***6AM-8AM*** 12 Main St, Hialeah, FL 33012
    1. JOB-3542                              2. ***9:30AM-11:30AM*** 40 Oak Ave, Miami, FL 33101
    Customer: Emily Harrison
    Phone: (305) 794-2213
    Address: 1379 Algiers St, Hialeah, FL 33012
    Job Type: Garage Door
    Notes: Gate code 4411
    Date+Time: Tue 11/24 9AM-11AM

    2. JOB-3543
    …
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from accounts.users import User
from core import records
from core.geocoding import Geocoder
from core.storage import Database, Row
from jobs import board, inputs, record, schedule

KINDS = {"eod": "Reminder for Tomorrow.", "morning": "Reminder for Today."}
LEFT_OUT = ("done", "cancelled")


def _clock(t: str) -> str:
    hour, minute = (int(p) for p in t.split(":"))
    suffix = "AM" if hour < 12 else "PM"
    shown = hour % 12 or 12
    return f"{shown}{suffix}" if minute == 0 else f"{shown}:{minute:02d}{suffix}"


def hours(job: Row) -> str:
    """`6AM-8AM`, `9:30AM-11:30AM` (REM-5)."""
    return f"{_clock(job['time_start'])}-{_clock(job['time_end'])}"


def phone(e164: str) -> str:
    digits = "".join(c for c in e164 if c.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10:
        return f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    return e164


def address(job: Row) -> str:
    street = " ".join(p for p in (job["address"], job["unit"]) if p)
    tail = " ".join(p for p in (job["state"], job["postal_code"]) if p)
    return ", ".join(p for p in (street, job["city"], tail) if p)


def long_form(n: int, job: Row) -> str:
    d = date.fromisoformat(job["date_start"])
    notes = " ".join((job["notes"] or "").split()) or "—"
    name = " ".join(p for p in (job["first_name"], job["last_name"]) if p)
    return "\n".join(
        [
            f"{n}. {job['display_id']}",
            f"Customer: {name}",
            f"Phone: {phone(job['phone'])}",
            f"Address: {address(job)}",
            f"Job Type: {job['job_type_label']}",
            f"Notes: {notes}",
            f"Date+Time: {d.strftime('%a')} {d.month}/{d.day} {hours(job)}",
        ]
    )


def short_form(n: int, job: Row) -> str:
    return f"{n}. ***{hours(job)}*** {address(job)}"


def text(kind: str, jobs: list[Row]) -> str:
    if kind == "eod":
        return KINDS[kind] + "\n\n" + "\n\n".join(long_form(i, j) for i, j in enumerate(jobs, 1))
    return KINDS[kind] + "\n" + "\n".join(short_form(i, j) for i, j in enumerate(jobs, 1))


@dataclass
class Row_:
    contractor_id: int
    contractor_name: str
    jobs: list[Row] = field(default_factory=list)


async def jobs_of_day(db: Database, user: User, day: str) -> list[Row]:
    condition, params = await board.scope(db, user)
    return await db.all(
        f"SELECT j.* FROM jobs j WHERE {condition} AND j.archived_at IS NULL AND j.date_start = ?"
        " AND j.contractor_id IS NOT NULL AND j.status NOT IN ('done', 'cancelled')"
        " ORDER BY j.contractor_name COLLATE NOCASE, j.contractor_id, j.start_at, j.id",
        *params,
        day,
    )


async def place_missing(db: Database, geocoder: Geocoder, now: datetime, jobs: list[Row]) -> list[Row]:
    """REM-4: geocode a job with no point and store it (no timeline entry: nothing a person changed).
    A job someone changed meanwhile keeps its row as read; it is placed on the next open."""
    out = []
    for job in jobs:
        if job["lat"] is None or job["lng"] is None:
            columns: dict[str, Any] = {k: job[k] for k in ("address", "city", "state", "postal_code")}
            await inputs.place(geocoder, columns)
            if columns.get("lat") is not None:
                point = {"lat": columns["lat"], "lng": columns["lng"]}
                try:
                    await db.batch([record.update(job, now, point), records.guard_changed()])
                except records.LostRace:
                    pass
                job = {**job, **point}
        out.append(job)
    return out


async def reminders(db: Database, geocoder: Geocoder, now: datetime, user: User, day: str, kind: str) -> dict[str, Any]:
    """The modal's rows: per contractor, the jobs (pins numbered in start order) and the text."""
    day = schedule.check_date(day, "date")
    jobs = await place_missing(db, geocoder, now, await jobs_of_day(db, user, day))
    rows: dict[int, Row_] = {}
    for job in jobs:
        rows.setdefault(job["contractor_id"], Row_(job["contractor_id"], job["contractor_name"])).jobs.append(job)
    out = []
    for r in rows.values():
        r.jobs.sort(key=lambda j: (j["start_at"], j["id"]))
        pins = [
            {
                "n": i,
                "display_id": j["display_id"],
                "lat": j["lat"],
                "lng": j["lng"],
                "hours": hours(j),
                "address": address(j),
            }
            for i, j in enumerate(r.jobs, 1)
        ]
        out.append(
            {
                "contractor_id": r.contractor_id,
                "contractor_name": r.contractor_name,
                "pins": pins,
                "text": text(kind, r.jobs),
            }
        )
    return {"date": day, "kind": kind, "label": KINDS[kind], "contractors": out}

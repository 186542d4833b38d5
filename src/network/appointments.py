"""A technician's appointments: the one source the calendar feed and the day plan read (TECH-2…TECH-6).

PLACEHOLDER until the Jobs issue (20): appointments are rows of `technician_appointments` (migration
0021), which tests and the demo fill with fixture rows through `add`. The Jobs issue replaces `between`
and `on_day` with reads of the technician's jobs (same `Appointment` shape) and drops the table; nothing
else reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.clock import iso
from core.errors import Invalid
from core.storage import Database, Row, q

STATUSES = ("scheduled", "done", "cancelled")


@dataclass(frozen=True)
class Appointment:
    id: int
    contractor_id: int
    office_id: int | None
    title: str
    address: str
    lat: float | None
    lng: float | None
    local_date: str
    time_zone: str
    starts_at: str
    ends_at: str
    status: str

    @classmethod
    def from_row(cls, row: Row) -> Appointment:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


_COLUMNS = ", ".join(Appointment.__dataclass_fields__)


async def on_day(db: Database, contractor_id: int, day: date, office_ids: list[int] | None = None) -> list[Appointment]:
    """The technician's non-archived appointments booked on DAY (their local date), in start order.
    OFFICE_IDS limits them to those offices (None: every office)."""
    sql = (
        f"SELECT {_COLUMNS} FROM technician_appointments"
        " WHERE contractor_id = ? AND local_date = ? AND archived_at IS NULL"
    )
    params: list[object] = [contractor_id, day.isoformat()]
    if office_ids is not None:
        sql += " AND office_id IN (SELECT value FROM json_each(?))"
        params.append(_json_ids(office_ids))
    rows = await db.all(sql + " ORDER BY starts_at, id", *params)  # type: ignore[arg-type]
    return [Appointment.from_row(r) for r in rows]


async def between(db: Database, contractor_id: int, start: datetime, end: datetime) -> list[Appointment]:
    """The technician's non-archived appointments starting in [START, END), in start order (the feed)."""
    rows = await db.all(
        f"SELECT {_COLUMNS} FROM technician_appointments"
        " WHERE contractor_id = ? AND starts_at >= ? AND starts_at < ? AND archived_at IS NULL"
        " ORDER BY starts_at, id",
        contractor_id,
        iso(start),
        iso(end),
    )
    return [Appointment.from_row(r) for r in rows]


def _json_ids(ids: list[int]) -> str:
    return "[" + ",".join(str(int(i)) for i in ids) + "]"


async def add(
    db: Database,
    now: datetime,
    *,
    contractor_id: int,
    title: str,
    starts: datetime,
    ends: datetime,
    office_id: int | None = None,
    address: str = "",
    lat: float | None = None,
    lng: float | None = None,
    status: str = "scheduled",
    archived: bool = False,
) -> int:
    """A fixture appointment (tests, demo). STARTS and ENDS are zone-aware local times."""
    if starts.tzinfo is None or not isinstance(starts.tzinfo, ZoneInfo):
        raise Invalid("starts must carry its IANA zone.", field="starts")
    if ends < starts:
        raise Invalid("An appointment ends after it starts.", field="ends")
    if status not in STATUSES:
        raise Invalid(f"Unknown status {status!r}.", field="status")
    [result] = await db.batch(
        [
            q(
                "INSERT INTO technician_appointments (contractor_id, office_id, title, address, lat, lng, local_date,"
                " time_zone, starts_at, ends_at, status, archived_at, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                contractor_id,
                office_id,
                title,
                address,
                lat,
                lng,
                starts.date().isoformat(),
                starts.tzinfo.key,
                iso(starts),
                iso(ends),
                status,
                iso(now) if archived else None,
                iso(now),
                iso(now),
            )
        ]
    )
    return int(result.rows[0]["id"])

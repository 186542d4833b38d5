"""When staff may call a lead: per-state windows in the lead's local time (seed 002 "Calling hours").

States without a row use the federal default, 8 am to 9 pm local time. A snooze that lands outside
the window moves to the start of the next window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from core import geo, records, us_address
from core.clock import iso
from core.errors import Invalid
from core.records import Actor
from core.storage import Database, Row, q

DEFAULT_START, DEFAULT_END = 8, 21


@dataclass(frozen=True)
class Window:
    start: int
    end: int
    sunday_start: int | None = None
    sunday_end: int | None = None

    def hours_on(self, day: datetime) -> tuple[int, int]:
        if day.weekday() == 6 and self.sunday_start is not None and self.sunday_end is not None:
            return self.sunday_start, self.sunday_end
        return self.start, self.end

    def contains(self, local: datetime) -> bool:
        start, end = self.hours_on(local)
        return start <= local.hour + local.minute / 60 < end

    def next_opening(self, local: datetime) -> datetime:
        """`local` itself when inside; otherwise the next window's start, in the same zone."""
        if self.contains(local):
            return local
        day = local.replace(hour=0, minute=0, second=0, microsecond=0)
        for offset in range(8):
            candidate_day = day + timedelta(days=offset)
            start, end = self.hours_on(candidate_day)
            if start >= end:
                continue  # closed that day
            opening = datetime.combine(candidate_day.date(), time(start), tzinfo=local.tzinfo)
            if opening > local:
                return opening
        return local  # no open day configured: leave it where the sequence put it


DEFAULT = Window(DEFAULT_START, DEFAULT_END)


async def window_for(db: Database, state: str | None) -> Window:
    if not state:
        return DEFAULT
    row = await db.first("SELECT * FROM calling_hours WHERE state = ?", state)
    if row is None:
        return DEFAULT
    return Window(row["start_hour"], row["end_hour"], row["sunday_start"], row["sunday_end"])


@dataclass(frozen=True)
class Place:
    state: str | None
    zone: ZoneInfo


def place_of(lead: Row) -> Place:
    """The lead's state and time zone from its ZIP, else from the state its address ends with, else
    its office's zone."""
    state = geo.state_for_zip(lead.get("zip")) or us_address.tail(lead.get("address")).state
    return Place(state, ZoneInfo(geo.zone_for_state(state) or lead["time_zone"]))


async def shift_into_hours(db: Database, lead: Row, when: datetime) -> tuple[datetime, bool]:
    """(the moment to call, whether it moved)."""
    place = place_of(lead)
    local = when.astimezone(place.zone)
    opening = (await window_for(db, place.state)).next_opening(local)
    return opening.astimezone(when.tzinfo), opening != local


async def outside_now(db: Database, lead: Row, now: datetime) -> tuple[bool, datetime, Place]:
    place = place_of(lead)
    local = now.astimezone(place.zone)
    return not (await window_for(db, place.state)).contains(local), local, place


async def all_hours(db: Database) -> list[Row]:
    return await db.all("SELECT * FROM calling_hours ORDER BY state")


def _check(state: str, start: int, end: int, sunday_start: int | None, sunday_end: int | None) -> str:
    state = state.strip().upper()
    if state not in geo.ZONES:
        raise Invalid(f"Unknown state {state!r}; use a two-letter code like FL.")
    if not 0 <= start < end <= 24:
        raise Invalid("Start must be before end, both whole hours from 0 to 24.")
    if (sunday_start is None) != (sunday_end is None):
        raise Invalid("Give both Sunday hours, or neither.")
    if sunday_start is not None and sunday_end is not None and not 0 <= sunday_start < sunday_end <= 24:
        raise Invalid("Sunday start must be before Sunday end.")
    return state


async def set_hours(
    db: Database,
    now: datetime,
    actor: Actor,
    *,
    state: str,
    start: int,
    end: int,
    sunday_start: int | None = None,
    sunday_end: int | None = None,
) -> None:
    state = _check(state, start, end, sunday_start, sunday_end)
    await db.batch(
        [
            q(
                "INSERT INTO calling_hours (state, start_hour, end_hour, sunday_start, sunday_end, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (state) DO UPDATE SET start_hour = excluded.start_hour,"
                " end_hour = excluded.end_hour, sunday_start = excluded.sunday_start, sunday_end = excluded.sunday_end,"
                " updated_at = excluded.updated_at",
                state,
                start,
                end,
                sunday_start,
                sunday_end,
                iso(now),
            ),
            records.audit(
                now,
                actor,
                "calling_hours.updated",
                f"Calling hours for {state}: {start}:00–{end}:00"
                + (f", Sundays {sunday_start}:00–{sunday_end}:00" if sunday_start is not None else ""),
                meta={
                    "state": state,
                    "start": start,
                    "end": end,
                    "sunday_start": sunday_start,
                    "sunday_end": sunday_end,
                },
            ),
        ]
    )


async def clear_hours(db: Database, now: datetime, actor: Actor, state: str) -> None:
    await db.batch(
        [
            q("DELETE FROM calling_hours WHERE state = ?", state),
            records.audit(
                now,
                actor,
                "calling_hours.updated",
                f"Calling hours for {state} back to the default",
                meta={"state": state},
            ),
        ]
    )

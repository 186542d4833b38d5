"""A job's time (X-15): local wall-clock fields in the job's own zone, and the UTC instants derived
from them. Also the texts the timeline and the contractor messages print times in.

Rules: times sit on the 15-minute grid, the end is after the start and may fall on the next date
(JOB-14). The zone is the job's ZIP's (geo.py), else its office's. 19:00 the day before a job
(Auto Status Change, ASC-3) and the midnight that ends a date (ATT-2) are computed with zoneinfo, so
they move across DST with the wall clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from core import geo
from core.clock import iso, parse
from core.errors import Invalid

GRID_MINUTES = 15
DEFAULT_LENGTH = timedelta(hours=2)  # JOB-14: the end auto-fills as start + 2 hours
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"(\d{1,2}):(\d{2})")


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_for(postal_code: str, office_zone: str) -> str:
    """X-15: the ZIP's zone, else the office's."""
    return geo.zone_for_state(geo.state_for_zip(postal_code)) or office_zone


def check_date(value: object, field: str) -> str:
    text = str(value or "").strip()
    if not _DATE.fullmatch(text):
        raise Invalid(f"{field}: a date as YYYY-MM-DD.", field)
    try:
        date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"{field}: {text} is not a date.", field) from None
    return text


def check_time(value: object, field: str) -> str:
    """HH:MM on the 15-minute grid (JOB-14)."""
    m = _TIME.fullmatch(str(value or "").strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise Invalid(f"{field}: a time as HH:MM.", field)
    if int(m.group(2)) % GRID_MINUTES:
        raise Invalid(f"{field}: times go in 15-minute steps (:00, :15, :30, :45).", field)
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def local(day: str, clock_time: str, zone_name: str) -> datetime:
    """The aware local moment of a wall-clock date and time (the earlier one when a DST fall-back
    repeats it)."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock_time), tzinfo=zone(zone_name))


def utc_of(day: str, clock_time: str, zone_name: str) -> str:
    return iso(local(day, clock_time, zone_name).astimezone(UTC))


@dataclass(frozen=True)
class Window:
    date_start: str
    time_start: str
    date_end: str
    time_end: str

    def columns(self, zone_name: str) -> dict[str, str]:
        """The four wall-clock fields and the instants derived from them."""
        before = (date.fromisoformat(self.date_start) - timedelta(days=1)).isoformat()
        return {
            "date_start": self.date_start,
            "time_start": self.time_start,
            "date_end": self.date_end,
            "time_end": self.time_end,
            "start_at": utc_of(self.date_start, self.time_start, zone_name),
            "end_at": utc_of(self.date_end, self.time_end, zone_name),
            "advance_at": utc_of(before, "19:00", zone_name),
        }

    def text(self) -> str:
        """JOB-25: `2026-05-02 09:00–11:00`, the end date written too when it differs."""
        end = self.time_end if self.date_end == self.date_start else f"{self.date_end} {self.time_end}"
        return f"{self.date_start} {self.time_start}–{end}"


def window(fields: dict[str, object], current: Window | None = None) -> Window:
    """The window from FIELDS (any of the four; the rest from CURRENT). A new job given a start and no
    end gets end = start + 2 h (JOB-14). 422 naming the field for a bad value or an end not after the
    start."""
    got = {k: fields.get(k) or None for k in ("date_start", "time_start", "date_end", "time_end")}
    if current is None:
        if not got["date_start"]:
            raise Invalid("date_start: pick the job's date.", "date_start")
        if not got["time_start"]:
            raise Invalid("time_start: pick the start time.", "time_start")
    date_start = check_date(got["date_start"], "date_start") if got["date_start"] else current.date_start  # type: ignore[union-attr]
    time_start = check_time(got["time_start"], "time_start") if got["time_start"] else current.time_start  # type: ignore[union-attr]
    start = datetime.combine(date.fromisoformat(date_start), time.fromisoformat(time_start))
    if current is None and not got["date_end"] and not got["time_end"]:
        end = start + DEFAULT_LENGTH
        return Window(date_start, time_start, end.date().isoformat(), end.strftime("%H:%M"))
    if got["date_end"]:
        date_end = check_date(got["date_end"], "date_end")
    else:
        date_end = date_start if current is None or got["date_start"] else current.date_end
    if got["time_end"]:
        time_end = check_time(got["time_end"], "time_end")
    elif current is not None:
        time_end = current.time_end
    else:
        raise Invalid("time_end: pick the end time.", "time_end")
    end = datetime.combine(date.fromisoformat(date_end), time.fromisoformat(time_end))
    if end <= start:
        raise Invalid("time_end: the end must be after the start.", "time_end")
    if end - start > timedelta(days=31):
        raise Invalid("date_end: a job window is at most 31 days long.", "date_end")
    return Window(date_start, time_start, date_end, time_end)


def of_row(row: dict[str, object]) -> Window:
    return Window(str(row["date_start"]), str(row["time_start"]), str(row["date_end"]), str(row["time_end"]))


def day_end_utc(day: str, zone_name: str) -> str:
    """The midnight that ends DAY in the zone: a Deposit's expected completion date is "in the past"
    from then on (ATT-2)."""
    following = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    return utc_of(following, "00:00", zone_name)


def today_in(zone_name: str, now: datetime) -> date:
    return now.astimezone(zone(zone_name)).date()


def _clock12(clock_time: str, upper: bool) -> str:
    hour, minute = (int(p) for p in clock_time.split(":"))
    suffix = ("AM" if hour < 12 else "PM") if upper else ("am" if hour < 12 else "pm")
    shown = hour % 12 or 12
    return f"{shown}{suffix}" if minute == 0 else f"{shown}:{minute:02d}{suffix}"


def short_window(w: Window) -> str:
    """ATT-8: `5/3 9AM-11AM`."""
    d = date.fromisoformat(w.date_start)
    return f"{d.month}/{d.day} {_clock12(w.time_start, True)}-{_clock12(w.time_end, True)}"


def rebook_window(w: Window) -> str:
    """RB-4: `May 5 9am`."""
    d = date.fromisoformat(w.date_start)
    return f"{d.strftime('%b')} {d.day} {_clock12(w.time_start, False)}"


def k_moment(w: Window) -> str:
    """KC-2: `Apr 30, 2:00pm`."""
    d = date.fromisoformat(w.date_start)
    hour, minute = (int(p) for p in w.time_start.split(":"))
    return f"{d.strftime('%b')} {d.day}, {hour % 12 or 12}:{minute:02d}{'am' if hour < 12 else 'pm'}"


def month_day(day: str) -> str:
    d = date.fromisoformat(day)
    return f"{d.month}/{d.day}"


def parse_local_day(instant: str, zone_name: str) -> str:
    """The date (YYYY-MM-DD) a stored UTC instant falls on in the zone."""
    return parse(instant).astimezone(zone(zone_name)).date().isoformat()

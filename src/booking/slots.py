"""Appointment windows for a booking embed: 2-hour windows between the embed's open and close hour,
on the office's wall clock, over a 7-day strip (seed 002 "Online Booking — overview & flow").

Windows are built from local dates and hours and only then turned into instants, so a DST change
moves the instant, never the label: "8–10 am" stays 8–10 am on the clock the customer reads. A
window whose start does not exist that day (the hour skipped in spring) is not offered, and neither
is a window that has already started.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WINDOW_HOURS = 2
DAYS_SHOWN = 7
WEEKS_AHEAD = 8  # how far "next week" may go


@dataclass(frozen=True)
class Window:
    day: date
    hour: int  # local start hour
    start: datetime  # UTC
    end: datetime  # UTC

    @property
    def key(self) -> str:
        """What the form sends back: the local date and start hour, e.g. 2026-11-24T10."""
        return f"{self.day.isoformat()}T{self.hour:02d}"

    @property
    def label(self) -> str:
        return f"{hour_label(self.hour)} – {hour_label(self.hour + WINDOW_HOURS)}"


@dataclass(frozen=True)
class Day:
    day: date
    past: bool
    windows: tuple[Window, ...]

    @property
    def key(self) -> str:
        return self.day.isoformat()


def hour_label(hour: int) -> str:
    """24 → 12 am, 12 → 12 pm, 14 → 2 pm."""
    h = hour % 24
    suffix = "am" if h < 12 else "pm"
    return f"{h % 12 or 12} {suffix}"


def _instant(day: date, hour: int, zone: ZoneInfo, *, strict: bool = True) -> datetime | None:
    """The UTC instant of a local wall-clock hour. An hour skipped in spring is None when `strict`,
    else the moment the clock jumped (an end at 2:00 that day is really 3:00). A repeated autumn
    hour is its first occurrence."""
    extra, h = divmod(hour, 24)
    local = datetime.combine(day + timedelta(days=extra), time(h), tzinfo=zone)
    moment = local.astimezone(UTC)
    back = moment.astimezone(zone)
    if strict and (back.date(), back.hour) != (local.date(), local.hour):
        return None  # in the spring-forward gap
    return moment


def windows_on(day: date, open_hour: int, close_hour: int, zone: ZoneInfo, now: datetime) -> tuple[Window, ...]:
    """The windows still bookable on one local day: starts at open, open+2, … while start+2 ≤ close."""
    found = []
    for hour in range(open_hour, close_hour - WINDOW_HOURS + 1, WINDOW_HOURS):
        start = _instant(day, hour, zone)
        end = _instant(day, hour + WINDOW_HOURS, zone, strict=False)
        if start is None or end is None or start <= now:
            continue
        found.append(Window(day, hour, start, end))
    return tuple(found)


def today(zone: ZoneInfo, now: datetime) -> date:
    return now.astimezone(zone).date()


def week(zone: ZoneInfo, now: datetime, open_hour: int, close_hour: int, offset: int = 0) -> tuple[Day, ...]:
    """Seven days starting today (offset 0) or `offset` weeks later; past days are kept, greyed."""
    first = today(zone, now) + timedelta(days=DAYS_SHOWN * max(0, min(offset, WEEKS_AHEAD)))
    days = []
    for n in range(DAYS_SHOWN):
        day = first + timedelta(days=n)
        windows = windows_on(day, open_hour, close_hour, zone, now)
        days.append(Day(day, past=not windows and day <= today(zone, now), windows=windows))
    return tuple(days)


def strip(zone: ZoneInfo, now: datetime, open_hour: int, close_hour: int) -> tuple[tuple[Day, ...], ...]:
    """Every week the customer may page through, first week first."""
    return tuple(week(zone, now, open_hour, close_hour, n) for n in range(WEEKS_AHEAD + 1))


def find(key: str, zone: ZoneInfo, now: datetime, open_hour: int, close_hour: int) -> Window | None:
    """The window a submitted key names, if it is still bookable now and within the strip."""
    try:
        day_text, hour_text = key.split("T", 1)
        day, hour = date.fromisoformat(day_text), int(hour_text)
    except ValueError:
        return None
    last = today(zone, now) + timedelta(days=DAYS_SHOWN * (WEEKS_AHEAD + 1) - 1)
    if day > last:
        return None
    for window in windows_on(day, open_hour, close_hour, zone, now):
        if window.hour == hour:
            return window
    return None


_ZONE_NAMES = {
    "America/New_York": "Eastern time",
    "America/Detroit": "Eastern time",
    "America/Chicago": "Central time",
    "America/Denver": "Mountain time",
    "America/Phoenix": "Arizona time",
    "America/Los_Angeles": "Pacific time",
    "America/Anchorage": "Alaska time",
    "Pacific/Honolulu": "Hawaii time",
}


def zone_name(zone: ZoneInfo) -> str:
    """How a customer would say the office's time zone."""
    return _ZONE_NAMES.get(zone.key, f"{zone.key.rsplit('/', 1)[-1].replace('_', ' ')} time")

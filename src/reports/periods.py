"""Report periods and office calendars: which local dates a period covers, and where an office's
local day starts in UTC (docs/reports.md, "Periods").

A period is a range of *local dates*. Each office reads it on its own calendar: "today" in a New
York office is New York's date, in a Los Angeles office Los Angeles's, and a day starts at local
midnight, so a DST day lasts 23 or 25 hours. The rollups are keyed by local date already
(migration 0014), so figures need only the dates; the UTC instants are for people and for checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.errors import Invalid

PERIODS = {
    "today": "Today",
    "week": "This week",
    "month": "This month",
    "year": "Year to date",
    "custom": "Custom",
}
MAX_CUSTOM_DAYS = 731  # two years: enough for year-on-year, small enough to chart


@dataclass(frozen=True)
class Period:
    kind: str
    start: date  # first local date, inclusive
    end: date  # last local date, inclusive (may be after today: "this week" runs to Saturday)

    @property
    def label(self) -> str:
        return PERIODS[self.kind]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def describe(self) -> str:
        if self.start == self.end:
            return self.start.strftime("%a %b %-d, %Y")
        same_year = self.start.year == self.end.year
        first = self.start.strftime("%a %b %-d" if same_year else "%a %b %-d, %Y")
        return f"{first} – {self.end.strftime('%a %b %-d, %Y')}"


def local_today(now: datetime, zone: ZoneInfo) -> date:
    return now.astimezone(zone).date()


def period_for(kind: str, today: date, start: date | None = None, end: date | None = None) -> Period:
    """The period named `kind` as seen on a calendar whose date is `today`."""
    if kind == "today":
        return Period(kind, today, today)
    if kind == "week":  # Sunday to Saturday
        sunday = today - timedelta(days=(today.weekday() + 1) % 7)
        return Period(kind, sunday, sunday + timedelta(days=6))
    if kind == "month":
        first = today.replace(day=1)
        following = (first + timedelta(days=32)).replace(day=1)
        return Period(kind, first, following - timedelta(days=1))
    if kind == "year":
        return Period(kind, today.replace(month=1, day=1), today)
    if kind == "custom":
        if start is None or end is None:
            raise Invalid("A custom period needs a start date and an end date.")
        if end < start:
            raise Invalid("The custom period ends before it starts.")
        if (end - start).days + 1 > MAX_CUSTOM_DAYS:
            raise Invalid(f"A custom period covers at most {MAX_CUSTOM_DAYS} days.")
        return Period(kind, start, end)
    raise Invalid(f"Period must be one of: {', '.join(PERIODS)}.")


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant of local midnight starting `day` (the first instant of that date, DST or not)."""
    local = datetime(day.year, day.month, day.day, tzinfo=zone)
    instant = local.astimezone(UTC)
    # Where a zone skips midnight (a few zones shift at 00:00), the day starts at the first local
    # time that exists, which is the UTC instant the shift happens.
    if instant.astimezone(zone).date() != day:
        instant = instant + timedelta(hours=1)
    return instant


def bounds(period: Period, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the period in UTC for an office in `zone`."""
    return day_start(period.start, zone), day_start(period.end + timedelta(days=1), zone)


def dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


# --- the offset table the rollup triggers read --------------------------------------------------

SHIFT_YEARS = (1990, 2080)  # before: the 1990 offset; after: the last offset found


def _offset_minutes(zone: ZoneInfo, instant: datetime) -> int:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return int(offset.total_seconds() // 60)


def zone_shifts(time_zone: str) -> list[tuple[str, int]]:
    """(UTC instant, minutes east of UTC from then on) for every offset change of the zone between
    SHIFT_YEARS, led by ('', offset at the start). Found by stepping a day at a time and bisecting each
    change down to the second, so it needs nothing but zoneinfo."""
    zone = ZoneInfo(time_zone)
    at = datetime(SHIFT_YEARS[0], 1, 1, tzinfo=UTC)
    stop = datetime(SHIFT_YEARS[1], 1, 1, tzinfo=UTC)
    current = _offset_minutes(zone, at)
    shifts: list[tuple[str, int]] = [("", current)]
    step = timedelta(days=1)
    while at < stop:
        following = at + step
        later = _offset_minutes(zone, following)
        if later != current:
            low, high = at, following  # offset is `current` at low and `later` at high
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset_minutes(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            shifts.append((_iso_second(high), later))
            current = later
        at = following
    return shifts


def _iso_second(instant: datetime) -> str:
    return instant.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%S.000Z")

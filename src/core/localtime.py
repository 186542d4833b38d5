"""Times as a person reads them: in a named local zone with its abbreviation, never bare UTC.

Stored and API times stay UTC ISO-8601 (core.clock). What a page shows goes through `shown` (the
templates' `when` filter): the lead's own zone on lead rows and panels, the viewer's office zone
elsewhere. A datetime-local picker edits in one zone, named beside it (`to_input` / `from_input`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.clock import parse
from core.errors import Invalid

UTC_ZONE = ZoneInfo("UTC")


def zone(name: str | ZoneInfo | None) -> ZoneInfo:
    """A zone from its IANA name (an unknown or missing name reads as UTC, which then says so)."""
    if isinstance(name, ZoneInfo):
        return name
    try:
        return ZoneInfo(name) if name else UTC_ZONE
    except (ZoneInfoNotFoundError, ValueError):
        return UTC_ZONE


def place_name(name: str | ZoneInfo | None) -> str:
    """ "America/New_York" → "New York" (the city people know the zone by)."""
    key = str(zone(name))
    return key.split("/")[-1].replace("_", " ")


def abbreviation(moment: datetime, name: str | ZoneInfo | None) -> str:
    """EST / EDT / PST…; a zone without letters (-03) reads as UTC-3."""
    text = moment.astimezone(zone(name)).strftime("%Z")
    if text and text[0] in "+-":
        hours, minutes = int(text[1:3]), text[3:5]
        return f"UTC{text[0]}{hours}" + (f":{minutes}" if minutes and minutes != "00" else "")
    return text


def _moment(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else parse(value)


def shown(
    value: str | datetime | None,
    name: str | ZoneInfo | None,
    *,
    day: bool = False,
    short_in: datetime | None = None,
) -> str:
    """ "Mar 10, 2026 11:00 AM EDT" in the given zone ("—" for no time); `day` drops the clock.
    `short_in` (now) gives the compact form lists use: "Mar 10, 11:00 AM EDT", with the year only when
    it is not that local year, and breakable only between the date and the time."""
    if not value:
        return "—"
    local = _moment(value).astimezone(zone(name))
    if day:
        return local.strftime("%b %-d, %Y")
    if short_in is not None:
        this_year = local.year == short_in.astimezone(local.tzinfo).year
        date = local.strftime("%b\u00a0%-d" if this_year else "%b\u00a0%-d,\u00a0%Y")
        return f"{date}, " + local.strftime("%-I:%M\u00a0%p\u00a0") + abbreviation(local, name)
    return local.strftime("%b %-d, %Y %-I:%M %p ") + abbreviation(local, name)


def to_input(value: str | datetime | None, name: str | ZoneInfo | None) -> str:
    """The value of an <input type="datetime-local"> editing this instant in that zone."""
    if not value:
        return ""
    return _moment(value).astimezone(zone(name)).strftime("%Y-%m-%dT%H:%M")


def from_input(text: str, name: str | ZoneInfo | None, field: str = "next_contact_at") -> datetime:
    """A datetime-local value read as wall-clock time in that zone. A time the clocks skip (the
    spring-forward hour) is refused naming the field; a repeated one (fall back) is its first pass."""
    try:
        naive = datetime.fromisoformat(text.strip())
    except ValueError:
        raise Invalid({field: "Must be a date and time."}) from None
    if naive.tzinfo is not None:
        raise Invalid({field: "Give the local date and time, without a zone."})
    tz = zone(name)
    local = naive.replace(tzinfo=tz, fold=0)
    back = local.astimezone(UTC_ZONE).astimezone(tz)
    if back.replace(tzinfo=None) != naive:
        raise Invalid(
            {field: f"{naive:%-I:%M %p} does not exist on {naive:%b %-d} in {place_name(tz)} (clocks skip it)."}
        )
    return local


def offset_note(moment: datetime, name: str | ZoneInfo | None) -> str:
    """ "New York time (EDT, UTC-4)": what a picker label says about its zone."""
    local = moment.astimezone(zone(name))
    offset = local.utcoffset() or timedelta(0)
    hours = offset.total_seconds() / 3600
    sign = "+" if hours >= 0 else "-"
    whole = f"{abs(hours):g}"
    return f"{place_name(name)} time ({abbreviation(local, name)}, UTC{sign}{whole})"

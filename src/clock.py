"""The only source of "now". Times are UTC, stored as ISO-8601 text with milliseconds and `Z`."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock tests set and advance by hand."""

    def __init__(self, at: datetime | str):
        self.at = parse(at) if isinstance(at, str) else at

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at = self.at + timedelta(**delta)
        return self.at

    def set(self, at: datetime | str) -> None:
        self.at = parse(at) if isinstance(at, str) else at


@functools.lru_cache(maxsize=256)
def iso(moment: datetime) -> str:
    """UTC with milliseconds: `2026-11-22T20:31:55.123Z`, the one text form every stored time has (so
    text order is time order). Formatted field by field (strftime cost twice as much) and remembered:
    one intake stamps a dozen rows with the same moment."""
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not allowed; attach a time zone")
    if moment.utcoffset():
        moment = moment.astimezone(UTC)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}"
        f":{moment.second:02d}.{moment.microsecond // 1000:03d}Z"
    )


def parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)

"""The only source of "now". Times are UTC, stored as ISO-8601 text with milliseconds and `Z`."""

from __future__ import annotations

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


def iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not allowed; attach a time zone")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)

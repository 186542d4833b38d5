"""The only source of "now". Times are UTC, stored as ISO-8601 text with milliseconds and `Z`."""

from __future__ import annotations

import functools
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """Real time moved by a fixed offset, for a whole process: a server or CLI started with
    `PORCHLIGHT_CLOCK` (tests and demos; config refuses it in production). Started at an instant,
    it runs forward from that instant at the real rate, measured on the monotonic clock, so the
    process's wall clock (even one moved by faketime) has no say in what it reads."""

    def __init__(self, start: datetime | None = None, offset: timedelta = timedelta(0)):
        self._start = start
        self._offset = offset
        self._began = time.monotonic()

    def now(self) -> datetime:
        if self._start is not None:
            return self._start + timedelta(seconds=time.monotonic() - self._began)
        return datetime.now(UTC) + self._offset


_OFFSET = re.compile(r"^([+-])(\d{1,6})([smhd])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def check_setting(text: str) -> str:
    """`PORCHLIGHT_CLOCK`: an ISO-8601 instant with its zone (`2026-03-10T15:00:00Z`) or a signed
    offset from real time (`+90m`, `-3d`). Raises ValueError saying what is expected."""
    text = text.strip()
    if _OFFSET.match(text):
        return text
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError(
            f"expected an ISO-8601 instant with a zone such as 2026-03-10T15:00:00Z, or an offset such as +3h "
            f"or -2d, got {text!r}"
        )
    return text


def from_setting(text: str) -> Clock:
    """The process clock for a `PORCHLIGHT_CLOCK` value already checked by `check_setting`; the
    system clock when it is empty."""
    if not text:
        return SystemClock()
    offset = _OFFSET.match(text)
    if offset:
        sign, amount, unit = offset.groups()
        delta = timedelta(**{_UNITS[unit]: int(amount)})
        return ShiftedClock(offset=delta if sign == "+" else -delta)
    return ShiftedClock(start=parse(text))


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

"""`clock.iso`: the one stored text form of a time."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clock import iso, parse


def test_iso_is_utc_with_milliseconds_whatever_the_zone():
    rng = random.Random(7)
    zones = [UTC, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata"), ZoneInfo("Pacific/Chatham")]
    start = datetime(1999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC)
    for _ in range(5_000):
        moment = (start + timedelta(seconds=rng.randrange(10**9), microseconds=rng.randrange(10**6))).astimezone(
            rng.choice(zones)
        )
        as_utc = moment.astimezone(UTC)
        expected = as_utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{as_utc.microsecond // 1000:03d}Z"
        assert iso(moment) == expected
        assert parse(iso(moment)) == as_utc.replace(microsecond=as_utc.microsecond // 1000 * 1000)
    assert iso(datetime(2026, 3, 8, 7, 0, 0, 999_999, tzinfo=UTC)) == "2026-03-08T07:00:00.999Z"  # truncated


def test_iso_refuses_a_naive_time():
    with pytest.raises(ValueError):
        iso(datetime(2026, 11, 22, 12, 0))

"""`clock.iso`: the one stored text form of a time; PORCHLIGHT_CLOCK, the process clock tests move."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core import clock, config
from core.clock import iso, parse
from tests.conftest import TEST_ENV, make_settings


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


def test_porchlight_clock_starts_the_process_at_an_instant_and_runs_forward() -> None:
    settings = make_settings(PORCHLIGHT_CLOCK="2026-03-08T07:30:00Z")
    moved = clock.from_setting(settings.clock)
    first = moved.now()
    assert first - clock.parse("2026-03-08T07:30:00Z") < timedelta(seconds=5)
    assert moved.now() >= first  # it runs forward, it is not frozen


def test_porchlight_clock_takes_an_offset_from_real_time() -> None:
    moved = clock.from_setting(make_settings(PORCHLIGHT_CLOCK="-3d").clock)
    gap = clock.SystemClock().now() - moved.now()
    assert timedelta(days=3) - timedelta(seconds=5) < gap <= timedelta(days=3) + timedelta(seconds=5)
    assert isinstance(clock.from_setting(make_settings().clock), clock.SystemClock)


@pytest.mark.parametrize("value", ["tomorrow", "2026-03-08T07:30:00", "+3 weeks", "3h"])
def test_porchlight_clock_refuses_what_it_cannot_read(value: str) -> None:
    with pytest.raises(config.SettingsError, match="PORCHLIGHT_CLOCK"):
        make_settings(PORCHLIGHT_CLOCK=value)


def test_porchlight_clock_is_refused_in_production() -> None:
    with pytest.raises(config.SettingsError, match="refused in production"):
        make_settings(PORCHLIGHT_ENV="production", PORCHLIGHT_CLOCK="2026-03-08T07:30:00Z")


def test_local_bindings_use_the_moved_clock(tmp_path, monkeypatch) -> None:
    from core import bindings

    monkeypatch.setenv("PORCHLIGHT_CLOCK", "2027-01-01T00:00:00Z")
    for name, value in TEST_ENV.items():
        monkeypatch.setenv(name, value)
    b = bindings.local(tmp_path / "p.sqlite3")
    try:
        assert b.clock.now().year == 2027
    finally:
        b.db.close()

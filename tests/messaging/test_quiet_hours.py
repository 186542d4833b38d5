"""Quiet hours for texts nobody typed at that moment (issue 21): 8:00–21:00 recipient local time,
8:00–20:00 in Florida; zone from ZIP, else area code, else the office."""

from __future__ import annotations

from datetime import UTC, datetime

from messaging import quiet_hours


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_zip_wins_over_area_code_and_office():
    who = quiet_hours.recipient("+13055550100", "97201", "America/New_York")  # Miami number, Portland ZIP
    assert (who.state, str(who.zone), who.decided_by) == ("OR", "America/Los_Angeles", "zip")


def test_area_code_when_no_zip_then_office():
    who = quiet_hours.recipient("+13125550100", "", "America/Los_Angeles")
    assert (who.state, str(who.zone), who.decided_by) == ("IL", "America/Chicago", "area code")
    who = quiet_hours.recipient("+14165550100", None, "America/Denver")  # Toronto: not in the US table
    assert (who.state, str(who.zone), who.decided_by) == (None, "America/Denver", "office")


def test_inside_the_window_goes_now():
    who = quiet_hours.recipient("+12125550100", "", "America/New_York")
    now = at("2026-11-22T14:30:00-05:00")
    assert quiet_hours.held_until(now, who) is None


def test_after_nine_waits_for_eight_next_morning():
    who = quiet_hours.recipient("+12125550100", "", "America/New_York")
    held = quiet_hours.held_until(at("2026-11-22T21:00:00-05:00"), who)
    assert held == at("2026-11-23T08:00:00-05:00")


def test_before_eight_waits_for_eight_the_same_morning():
    who = quiet_hours.recipient("+12125550100", "10001", "America/New_York")
    assert quiet_hours.held_until(at("2026-11-22T07:59:00-05:00"), who) == at("2026-11-22T08:00:00-05:00")


def test_florida_ends_at_eight_pm_by_zip_or_area_code():
    for who in (
        quiet_hours.recipient("+12125550100", "33101", "America/New_York"),
        quiet_hours.recipient("+13055550100", "", "America/New_York"),
    ):
        assert who.state == "FL"
        assert quiet_hours.held_until(at("2026-11-22T19:59:00-05:00"), who) is None
        assert quiet_hours.held_until(at("2026-11-22T20:00:00-05:00"), who) == at("2026-11-23T08:00:00-05:00")


def test_the_recipients_zone_not_the_offices_decides():
    who = quiet_hours.recipient("+14155550100", "", "America/New_York")  # San Francisco at 22:30 New York
    assert quiet_hours.held_until(at("2026-11-22T22:30:00-05:00"), who) is None

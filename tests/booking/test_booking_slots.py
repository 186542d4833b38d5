"""Booking windows: 2-hour windows on the office's wall clock, DST-correct, never in the past."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from booking import slots as booking_slots
from booking.slots import find, hour_label, strip, week, windows_on

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


EARLY = at("2026-01-01T00:00:00Z")  # long before every day used below


def test_it_offers_two_hour_windows_from_open_to_close_minus_two():
    windows = windows_on(date(2026, 11, 24), 8, 18, NEW_YORK, EARLY)
    assert [w.hour for w in windows] == [8, 10, 12, 14, 16]
    assert [w.label for w in windows][:2] == ["8 am – 10 am", "10 am – 12 pm"]
    assert windows[-1].label == "4 pm – 6 pm"
    assert windows[0].start == at("2026-11-24T13:00:00Z")  # 8 am EST
    assert windows[0].end == at("2026-11-24T15:00:00Z")


def test_an_odd_span_stops_at_the_last_full_window():
    assert [w.hour for w in windows_on(date(2026, 11, 24), 8, 17, NEW_YORK, EARLY)] == [8, 10, 12, 14]
    assert [w.hour for w in windows_on(date(2026, 11, 24), 9, 11, NEW_YORK, EARLY)] == [9]


def test_near_closing_only_windows_not_yet_started_are_offered():
    day = date(2026, 11, 24)
    half_past_three = at("2026-11-24T20:30:00Z")  # 3:30 pm EST
    assert [w.hour for w in windows_on(day, 8, 18, NEW_YORK, half_past_three)] == [16]
    four = at("2026-11-24T21:00:00Z")  # 4 pm: the last window has started
    assert windows_on(day, 8, 18, NEW_YORK, four) == ()
    just_before_four = at("2026-11-24T20:59:59Z")
    assert [w.hour for w in windows_on(day, 8, 18, NEW_YORK, just_before_four)] == [16]


def test_after_closing_today_is_greyed_and_tomorrow_is_open():
    evening = at("2026-11-24T23:30:00Z")  # 6:30 pm EST
    days = week(NEW_YORK, evening, 8, 18)
    assert days[0].day == date(2026, 11, 24) and days[0].past and days[0].windows == ()
    assert not days[1].past and len(days[1].windows) == 5


def test_the_windows_keep_their_wall_clock_hours_across_the_autumn_change():
    before = windows_on(date(2026, 10, 31), 8, 18, NEW_YORK, EARLY)  # EDT, UTC-4
    after = windows_on(date(2026, 11, 1), 8, 18, NEW_YORK, EARLY)  # EST, UTC-5
    assert before[0].start == at("2026-10-31T12:00:00Z")
    assert after[0].start == at("2026-11-01T13:00:00Z")
    assert [w.label for w in before] == [w.label for w in after]


def test_the_skipped_spring_hour_is_not_offered_and_an_early_window_spans_the_jump():
    day = date(2026, 3, 8)  # 2:00 → 3:00 in New York
    windows = windows_on(day, 0, 8, NEW_YORK, EARLY)
    assert [w.hour for w in windows] == [0, 4, 6]  # 2 am does not exist that day
    assert windows[0].start == at("2026-03-08T05:00:00Z")
    assert windows[0].end == at("2026-03-08T07:00:00Z")  # "2 am" is the jump to 3 am EDT
    nine = windows_on(day, 8, 10, NEW_YORK, EARLY)[0]
    assert nine.start == at("2026-03-08T12:00:00Z")  # 8 am EDT, UTC-4


def test_the_strip_pages_through_weeks_in_the_offices_zone():
    now = at("2026-11-22T15:00:00Z")  # Sunday 7 am in Los Angeles
    weeks = strip(LOS_ANGELES, now, 8, 18)
    assert len(weeks) == booking_slots.WEEKS_AHEAD + 1
    assert weeks[0][0].day == date(2026, 11, 22) and weeks[1][0].day == date(2026, 11, 29)
    assert [w.hour for w in weeks[0][0].windows] == [8, 10, 12, 14, 16]
    late = at("2026-11-23T07:30:00Z")  # still Sunday 11:30 pm in Los Angeles, Monday in UTC
    assert strip(LOS_ANGELES, late, 8, 18)[0][0].day == date(2026, 11, 22)


def test_find_accepts_only_a_window_still_on_offer():
    now = at("2026-11-24T20:30:00Z")
    assert find("2026-11-24T16", NEW_YORK, now, 8, 18) is not None
    assert find("2026-11-24T14", NEW_YORK, now, 8, 18) is None  # started
    assert find("2026-11-24T15", NEW_YORK, now, 8, 18) is None  # not a window start
    assert find("2026-11-25T18", NEW_YORK, now, 8, 18) is None  # after close − 2
    assert find("2027-06-01T08", NEW_YORK, now, 8, 18) is None  # beyond the strip
    assert find("nonsense", NEW_YORK, now, 8, 18) is None
    assert find("2026-02-30T08", NEW_YORK, now, 8, 18) is None


def test_hour_labels():
    assert [hour_label(h) for h in (0, 9, 12, 14, 24)] == ["12 am", "9 am", "12 pm", "2 pm", "12 am"]

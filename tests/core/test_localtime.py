"""Times as people read them: a named zone with its abbreviation, pickers in one zone, DST edges."""

from __future__ import annotations

import pytest

from core import localtime
from core.errors import Invalid

NY, LA = "America/New_York", "America/Los_Angeles"


def test_it_shows_an_instant_in_the_zone_given_with_its_abbreviation():
    assert localtime.shown("2026-11-22T15:00:00.000Z", NY) == "Nov 22, 2026 10:00 AM EST"
    assert localtime.shown("2026-11-22T15:00:00.000Z", LA) == "Nov 22, 2026 7:00 AM PST"
    assert localtime.shown("2026-07-04T16:30:00.000Z", NY) == "Jul 4, 2026 12:30 PM EDT"
    assert localtime.shown("2026-11-22T15:00:00.000Z", LA, day=True) == "Nov 22, 2026"
    assert localtime.shown(None, NY) == "—" and localtime.shown("", NY) == "—"
    # no zone (or a name the zone database lacks) says UTC rather than passing for local time
    assert localtime.shown("2026-11-22T15:00:00.000Z", None).endswith("3:00 PM UTC")
    assert localtime.shown("2026-11-22T15:00:00.000Z", "Mars/Olympus").endswith("UTC")
    # a zone without letters reads as an offset
    assert localtime.abbreviation(
        localtime.from_input("2026-11-22T10:00", "America/Sao_Paulo"), "America/Sao_Paulo"
    ) == ("UTC-3")
    assert localtime.place_name(NY) == "New York"
    now = localtime.from_input("2026-12-31T23:30", LA)  # already 2027 in New York
    assert localtime.shown("2026-11-22T15:00:00.000Z", LA, short_in=now) == "Nov\u00a022, 7:00\u00a0AM\u00a0PST"
    assert (
        localtime.shown("2026-11-22T15:00:00.000Z", NY, short_in=now)
        == "Nov\u00a022,\u00a02026, 10:00\u00a0AM\u00a0EST"
    )


def test_a_picker_edits_in_one_zone_and_refuses_a_time_the_clocks_skip():
    when = localtime.from_input("2026-11-23T09:00", LA)
    assert localtime.to_input(when, LA) == "2026-11-23T09:00"
    assert localtime.to_input("2026-11-23T17:00:00.000Z", LA) == "2026-11-23T09:00"
    assert when.utcoffset().total_seconds() == -8 * 3600
    with pytest.raises(Invalid) as skipped:
        localtime.from_input("2026-03-08T02:30", NY)  # 2:00 → 3:00 that night
    assert skipped.value.fields == {"next_contact_at": "2:30 AM does not exist on Mar 8 in New York (clocks skip it)."}
    repeated = localtime.from_input("2026-11-01T01:30", NY)  # happens twice: the first (EDT) one
    assert localtime.shown(repeated, NY) == "Nov 1, 2026 1:30 AM EDT"
    with pytest.raises(Invalid):
        localtime.from_input("tomorrow", NY)
    with pytest.raises(Invalid):
        localtime.from_input("2026-11-23T09:00+02:00", NY)
    assert localtime.offset_note(when, LA) == "Los Angeles time (PST, UTC-8)"

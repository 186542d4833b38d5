"""Quiet hours for texts nobody typed at that moment (issue 21 "Quiet hours"; SAG-12).

Automations, confirmations sent later, AI follow-ups: anything not typed by a person right now is
sent only between 8:00 and 21:00 in the recipient's local time (8:00–20:00 for Florida numbers and
addresses). The recipient's zone comes from the lead's (or job's) ZIP, else the phone's area code,
else the office's zone. A message due outside the window is not dropped: its outbox row waits
(`not_before`) for the next allowed minute. A message a person types and sends is not held.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from core import area_codes, geo

START_HOUR = 8
END_HOUR = 21
FLORIDA_END_HOUR = 20


@dataclass(frozen=True)
class Recipient:
    state: str | None
    zone: ZoneInfo
    decided_by: str  # "zip" | "area code" | "office"

    @property
    def end_hour(self) -> int:
        return FLORIDA_END_HOUR if self.state == "FL" else END_HOUR


def recipient(phone_e164: str | None, zip_code: str | None, office_zone: str) -> Recipient:
    state = geo.state_for_zip(zip_code)
    if state and (zone := geo.zone_for_state(state)):
        return Recipient(state, ZoneInfo(zone), "zip")
    state = area_codes.state_for_number(phone_e164)
    if state and (zone := geo.zone_for_state(state)):
        return Recipient(state, ZoneInfo(zone), "area code")
    return Recipient(None, ZoneInfo(office_zone), "office")


def next_allowed(now: datetime, who: Recipient) -> datetime:
    """`now` when it is inside the recipient's window, else the next window's opening (UTC-aware,
    in `now`'s zone)."""
    local = now.astimezone(who.zone)
    if START_HOUR <= local.hour < who.end_hour:
        return now
    day = local.date() if local.hour < START_HOUR else local.date() + timedelta(days=1)
    opening = datetime.combine(day, time(START_HOUR), tzinfo=who.zone)
    return opening.astimezone(now.tzinfo)


def held_until(now: datetime, who: Recipient) -> datetime | None:
    """None when a text may go now; else when it may."""
    moment = next_allowed(now, who)
    return None if moment == now else moment

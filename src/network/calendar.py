"""A technician's calendar feed (TECH-2, TECH-6): an `.ics` at a secret, revocable URL.

The URL carries a 256-bit random token; only its SHA-256 is stored (`technician_calendar_tokens`, one
row per technician), so a database copy cannot be turned into feed URLs. Issuing a token replaces the
old one (rotation: the old URL stops working at once); revoking deletes the row. Both are audited. A
calendar app polls the feed without a session, so the token is the only credential: an unknown or
revoked token answers 404, the same as a wrong path.

The feed lists the technician's non-archived appointments from 30 days back to 180 days ahead
(`appointments.between`, the source the Jobs issue replaces); a cancelled one stays in the feed with
STATUS:CANCELLED so subscribed calendars drop it rather than keep a stale copy.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core import records
from core.clock import iso, parse
from core.records import Actor
from core.storage import Database, Row, q
from network.appointments import Appointment, between

if TYPE_CHECKING:
    import icalendar  # imported when a feed is built: about 0.2 s, too much for every cold start

FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=180)
PRODID = "-//Porchlight//Technician calendar//EN"
_STATUS = {"scheduled": "CONFIRMED", "done": "CONFIRMED", "cancelled": "CANCELLED"}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def has_feed(db: Database, contractor_id: int) -> Row | None:
    return await db.first(
        "SELECT created_at, last_used_at FROM technician_calendar_tokens WHERE contractor_id = ?", contractor_id
    )


async def issue_token(db: Database, now: datetime, actor: Actor, technician: Row) -> str:
    """A new feed token for TECHNICIAN (replacing any old one); the caller shows it once."""
    token = secrets.token_urlsafe(32)
    old = await has_feed(db, technician["id"])
    verb = "rotated" if old else "created"
    await db.batch(
        [
            q(
                "INSERT INTO technician_calendar_tokens (contractor_id, token_hash, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (contractor_id) DO UPDATE SET token_hash = excluded.token_hash,"
                " created_at = excluded.created_at, last_used_at = NULL",
                technician["id"],
                _hash(token),
                iso(now),
            ),
            records.audit(
                now,
                actor,
                f"technician.calendar_{verb}",
                f"Calendar feed URL {verb} for {technician['name']}",
                meta={"contractor_id": technician["id"]},
            ),
        ]
    )
    return token


async def revoke_token(db: Database, now: datetime, actor: Actor, technician: Row) -> bool:
    """Stop the feed URL working. False (and no audit row) when there was none."""
    results = await db.batch(
        [
            q("DELETE FROM technician_calendar_tokens WHERE contractor_id = ?", technician["id"]),
            records.if_changed(
                records.audit(
                    now,
                    actor,
                    "technician.calendar_revoked",
                    f"Calendar feed URL revoked for {technician['name']}",
                    meta={"contractor_id": technician["id"]},
                )
            ),
        ]
    )
    return results[0].changes > 0


async def technician_for_token(db: Database, now: datetime, token: str) -> int | None:
    """The technician whose feed TOKEN opens (noting the use), or None."""
    if not 20 <= len(token) <= 100:
        return None
    [result] = await db.batch(
        [
            q(
                "UPDATE technician_calendar_tokens SET last_used_at = ? WHERE token_hash = ? RETURNING contractor_id",
                iso(now),
                _hash(token),
            )
        ]
    )
    return int(result.rows[0]["contractor_id"]) if result.rows else None


def _event(item: Appointment, host: str, stamp: datetime) -> icalendar.Event:
    import icalendar

    event = icalendar.Event()
    event.add("uid", f"appointment-{item.id}@{host}")
    event.add("dtstamp", stamp)
    event.add("dtstart", parse(item.starts_at))
    event.add("dtend", parse(item.ends_at))
    event.add("summary", item.title)
    if item.address:
        event.add("location", item.address)
    if item.lat is not None and item.lng is not None:
        event.add("geo", (item.lat, item.lng))
    event.add("status", _STATUS[item.status])
    return event


async def feed(db: Database, now: datetime, technician: Row, host: str) -> bytes:
    """The technician's `.ics` document."""
    import icalendar

    items = await between(db, technician["id"], now - FEED_PAST, now + FEED_AHEAD)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{technician['name']} · Porchlight")
    for item in items:
        cal.add_component(_event(item, host, now))
    return cal.to_ical()

"""Our SMS lines (NUM-1…NUM-4): synced from the provider and upserted by number, each with an office
and a no-reply switch; the one sender line each office picks (NUM-2). Owns `sms_lines` and
`sms_office_senders`.

A line cannot send when it is toll-free (NANP area codes 800/833/844/855/866/877/888: carrier
registration first, NUM-3) or marked no-reply (NUM-4); `refusal` says why, in the seed's words, and
every send path asks it (the reply form shows it instead of the box; the API answers 403; a queued
automation fails with it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import httpx

from core import phones, records
from core.clock import iso
from core.errors import Invalid, NotFound
from core.records import Actor
from core.sms_gateway import SmsGateway
from core.storage import Database, Row, Statement, q
from messaging import threads

TOLL_FREE = frozenset({"800", "833", "844", "855", "866", "877", "888"})
TOLL_FREE_NOTICE = (
    "Toll-free number — SMS not available. Use a different number to text this client back, or call them."
)
NO_REPLY_NOTICE = "This forwarding number doesn't accept replies."


def is_toll_free(number: str) -> bool:
    return number.startswith("+1") and number[2:5] in TOLL_FREE


def refusal(line: Row) -> str | None:
    """Why this line cannot send, or None."""
    if is_toll_free(line["number"]):
        return TOLL_FREE_NOTICE
    if line["no_reply"]:
        return NO_REPLY_NOTICE
    return None


def e164(raw: str) -> str:
    phone = phones.normalize(raw)
    if phone.e164:
        return phone.e164
    digits = "".join(ch for ch in raw if ch.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        return "+" + digits  # toll-free and test numbers phonenumbers may call invalid are still ours
    if len(digits) == 10:
        return "+1" + digits
    raise Invalid(f"{raw!r} is not a phone number.", "number")


def upsert(now: datetime, number: str, label: str, provider: str, provider_ref: str) -> Statement:
    """NUM-1: a synced line is matched by its number; its office and no-reply switch are ours."""
    return q(
        "INSERT INTO sms_lines (number, label, provider, provider_ref, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (number) DO UPDATE SET"
        " label = CASE WHEN excluded.label = '' THEN sms_lines.label ELSE excluded.label END,"
        " provider = excluded.provider, provider_ref = excluded.provider_ref,"
        " version = sms_lines.version + 1, updated_at = excluded.updated_at",
        number,
        label[:80],
        provider,
        provider_ref,
        iso(now),
        iso(now),
    )


@dataclass(frozen=True)
class Synced:
    seen: int
    added: int


async def sync(db: Database, http: httpx.AsyncClient, gateway: SmsGateway, now: datetime, actor: Actor) -> Synced:
    found = await gateway.lines(http)
    before = {r["number"] for r in await db.all("SELECT number FROM sms_lines")}
    statements = [upsert(now, e164(line.number), line.label, gateway.name, line.provider_ref) for line in found]
    added = len({e164(line.number) for line in found} - before)
    statements.append(records.audit(now, actor, "sms.lines_synced", f"Synced {len(found)} SMS lines ({added} new)"))
    await db.batch(statements)
    return Synced(len(found), added)


async def all_lines(db: Database) -> list[Row]:
    return await db.all(
        "SELECT l.*, o.name AS office_name FROM sms_lines l LEFT JOIN offices o ON o.id = l.office_id ORDER BY l.number"
    )


async def by_id(db: Database, line_id: int) -> Row:
    row = await db.first(
        "SELECT l.*, o.name AS office_name FROM sms_lines l LEFT JOIN offices o ON o.id = l.office_id WHERE l.id = ?",
        line_id,
    )
    if row is None:
        raise NotFound("We couldn't find that SMS line.")
    return row


async def by_number(db: Database, number: str) -> Row | None:
    return await db.first("SELECT * FROM sms_lines WHERE number = ?", number)


def set_line_statements(now: datetime, line: Row, office_id: int | None, no_reply: bool, label: str) -> list[Statement]:
    return [
        records.guard_at("sms_lines", line["id"], line["version"]),
        q(
            "UPDATE sms_lines SET office_id = ?, no_reply = ?, label = ?, version = version + 1, updated_at = ?"
            " WHERE id = ?",
            office_id,
            int(no_reply),
            label.strip()[:80],
            iso(now),
            line["id"],
        ),
    ]


def pick_sender(now: datetime, office_id: int, line_id: int) -> Statement:
    """NUM-2: the office's one sender line (a toll-free one may be picked; its sends fail, NUM-3 [A])."""
    return q(
        "INSERT INTO sms_office_senders (office_id, line_id, updated_at) VALUES (?, ?, ?)"
        " ON CONFLICT (office_id) DO UPDATE SET line_id = excluded.line_id, updated_at = excluded.updated_at",
        office_id,
        line_id,
        iso(now),
    )


async def sender_for(db: Database, office_id: int) -> Row | None:
    return await db.first(
        "SELECT l.* FROM sms_office_senders s JOIN sms_lines l ON l.id = s.line_id WHERE s.office_id = ?", office_id
    )


async def senders(db: Database) -> dict[int, int]:
    return {r["office_id"]: r["line_id"] for r in await db.all("SELECT office_id, line_id FROM sms_office_senders")}


async def _office_exists(db: Database, office_id: int) -> None:
    if await db.first("SELECT 1 AS ok FROM offices WHERE id = ?", office_id) is None:
        raise Invalid("Choose one of the offices.", "office_id")


async def configure(
    db: Database, now: datetime, actor: Actor, line_id: int, office_id: int | None, no_reply: bool, label: str
) -> None:
    """NUM-1/NUM-4: a line's office, label and no-reply switch; its threads follow it to the office."""
    line = await by_id(db, line_id)
    if office_id is not None:
        await _office_exists(db, office_id)
    summary = f"SMS line {line['number']}: office {office_id or 'none'}, {'no-reply' if no_reply else 'replies on'}"
    await db.batch(
        [
            *set_line_statements(now, line, office_id, no_reply, label or line["label"]),
            *threads.move_line_office(line_id, line["office_id"], office_id),
            records.audit(now, actor, "sms.line_changed", summary, office_id=office_id),
        ]
    )


async def choose_sender(db: Database, now: datetime, actor: Actor, office_id: int, line_id: int) -> None:
    """NUM-2: the office's one sender line."""
    await _office_exists(db, office_id)
    line = await by_id(db, line_id)
    await db.batch(
        [
            pick_sender(now, office_id, line_id),
            records.audit(
                now, actor, "sms.sender_chosen", f"Office sends SMS from {line['number']}", office_id=office_id
            ),
        ]
    )

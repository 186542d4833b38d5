"""The SMS verbs: receive an inbound, queue a reply or any other text, take a delivery status,
resolve and unread a thread (SMS-1…SMS-14, STOP-3…STOP-9, NUM-3/4, LRS-2).

Every send path — a person's reply, an automation, the opt-out confirmation, a HELP answer — goes
through `queue_text`: the line must be able to send (NUM-3/4), the number must not have opted out
(the decision: every path refused, one confirmation excepted), the text is checked, and the message
row, its thread's update and its outbox row are one batch (X-11, SMS-13). Texts nobody typed at
that moment wait for the recipient's quiet hours to end (`quiet_hours`). The outbox's delivery
(`deliver`) asks the same questions again at send time, because a number may opt out while its
text waits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core import cardcheck, outbox, phones, records
from core.attachments import Upload
from core.clock import iso
from core.errors import Forbidden, Invalid
from core.filestore import FileStore
from core.records import Actor
from core.sms_gateway import InboundSms
from core.storage import Database, IntegrityError, Row, Statement
from leads import record as lead_record
from messaging import consent, lines, media, optout, quiet_hours, threads

MAX_BODY = 1600
SEGMENT = 160
KIND = "sms"
PERSON = "manual"  # the one origin typed by a person at that moment: never held for quiet hours


def segments(body: str) -> int:
    """How many SMS segments a body takes (GSM-7 160 / 153 per part; UCS-2 70 / 67)."""
    gsm = all(ord(ch) < 128 for ch in body)
    single, multi = (160, 153) if gsm else (70, 67)
    return 1 if len(body) <= single else -(-len(body) // multi)


def check_body(body: str, media_count: int = 0) -> str:
    text = (body or "").replace("\r\n", "\n").strip()
    if not text and not media_count:
        raise Invalid("Write a message or attach a file.", "body")
    if len(text) > MAX_BODY:
        raise Invalid(f"Texts may be at most {MAX_BODY} characters ({len(text)} given).", "body")
    if cardcheck.contains_card_number(text):
        raise Invalid("Card numbers can't be sent by text. Remove it and send again.", "body")
    return text


async def matched_lead(db: Database, last10: str) -> Row | None:
    """SMS-2 [A]: the most recently received unarchived lead with these last 10 digits."""
    return await db.first(
        "SELECT id, display_id, name, office_id, zip, status FROM leads WHERE phone_last10 = ? AND archived_at IS NULL"
        " ORDER BY created_at DESC, id DESC LIMIT 1",
        last10,
    )


async def _office_name(db: Database, office_id: int | None) -> str:
    row = await db.first("SELECT name FROM offices WHERE id = ?", office_id) if office_id else None
    return row["name"] if row else "Porchlight"


async def _office_zone(db: Database, office_id: int | None) -> str:
    row = await db.first("SELECT time_zone FROM offices WHERE id = ?", office_id) if office_id else None
    if row is None:
        row = await db.first("SELECT time_zone FROM offices ORDER BY id LIMIT 1")
    return row["time_zone"] if row else "America/New_York"


# --- sending ---------------------------------------------------------------------------------------


@dataclass
class Text:
    line: Row
    to: str  # E.164
    body: str
    origin: str = PERSON
    media: list[dict[str, Any]] = field(default_factory=list)
    sent_by: int | None = None
    thread_id: int | None = None
    zip_code: str | None = None  # the recipient's, for quiet hours (lead's or job's ZIP)
    uid: str = field(default_factory=threads.new_uid)


async def check_text(db: Database, now: datetime, text: Text, attachments: int = 0) -> None:
    """Raises Forbidden when the line cannot send or the number opted out; Invalid for a bad body."""
    text.body = check_body(text.body, attachments or len(text.media))
    why = lines.refusal(text.line)
    if why:
        raise Forbidden(why)
    why = await consent.refusal(db, text.to, text.origin, now)
    if why:
        raise Forbidden(why)


async def plan_text(db: Database, now: datetime, text: Text) -> tuple[list[Statement], datetime | None]:
    """The statements that queue TEXT (for the caller's batch) and when it may go (None = now)."""
    await check_text(db, now, text)
    last10 = phones.last10(text.to) or text.to
    held: datetime | None = None
    if text.origin not in (PERSON, "confirmation", "help"):
        who = quiet_hours.recipient(text.to, text.zip_code, await _office_zone(db, text.line["office_id"]))
        held = quiet_hours.held_until(now, who)
    thread = ("?", (text.thread_id,)) if text.thread_id else threads.thread_ref(text.line["id"], last10)
    _, enqueue = outbox.enqueue(
        KIND, {"uid": text.uid}, office_id=text.line["office_id"], not_before=iso(held) if held else None, now=iso(now)
    )
    statements = [
        threads.ensure_thread(now, text.line, text.to, last10),
        threads.insert_message(
            now,
            thread,
            uid=text.uid,
            direction="out",
            body=text.body,
            status="queued",
            origin=text.origin,
            media=text.media,
            sent_by=text.sent_by,
        ),
        *threads.after_outbound(now, text.thread_id, text.line["id"], last10, text.body or "📎"),
        enqueue,
    ]
    return statements, held


async def reply(
    db: Database,
    files: FileStore | None,
    now: datetime,
    actor: Actor,
    thread: Row,
    body: str,
    uploads: list[Upload],
) -> str:
    """A person's reply from the panel (SMS-4, SMS-5, SMS-7, SMS-13): checked, its files stored, then
    queued at once with the earlier inbounds resolved and the matched lead's first response set
    (LRS-2). Returns the message uid."""
    line = await lines.by_id(db, thread["line_id"])
    text = Text(line, thread["their_number"], body, PERSON, [], actor.user_id, thread["id"])
    await check_text(db, now, text, len(uploads))
    if uploads and files is None:
        raise Invalid("File storage is not configured, so attachments can't be sent.", "file")
    for index, upload in enumerate(uploads):
        assert files is not None
        text.media.append(await media.store(files, text.uid, index, upload))
    statements, _ = await plan_text(db, now, text)
    lead = await matched_lead(db, thread["their_last10"])
    if lead is not None:
        statements.append(lead_record.first_response(now, lead["id"]))
    await db.batch(statements)
    return text.uid


async def send_to_lead(db: Database, now: datetime, actor: Actor, lead: Row, body: str, *, origin: str = PERSON) -> str:
    """LRS-1: a text to a lead from its record, from its office's sender line (NUM-2)."""
    line = await lines.sender_for(db, lead["office_id"])
    if line is None:
        raise Invalid("This lead's office has no SMS line yet: pick one under Maintenance → SMS.", "channel")
    if not lead.get("phone"):
        raise Invalid("This lead has no phone number to text.", "channel")
    text = Text(
        line, lead["phone"], body, origin, [], actor.user_id if origin == PERSON else None, None, lead.get("zip")
    )
    statements, _ = await plan_text(db, now, text)
    if origin == PERSON:
        statements.append(lead_record.first_response(now, lead["id"]))
    await db.batch(statements)
    return text.uid


# --- receiving -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    status: str  # "stored" | "duplicate"
    uid: str = ""
    consent: str | None = None


class UnknownLine(Exception):
    """The provider delivered a text to a number that is not one of our lines."""


async def receive(db: Database, now: datetime, inbound: InboundSms) -> Received:
    """An inbound text (SMS-12, SMS-14): stored once per provider message id, after card-number
    redaction; its thread reopens; STOP/START/HELP handled (STOP-3/5/7/8/9)."""
    if await threads.by_provider_ref(db, inbound.provider_ref):
        return Received("duplicate")
    line = await lines.by_number(db, lines.e164(inbound.to))
    if line is None:
        raise UnknownLine(inbound.to)
    their = phones.normalize(inbound.from_).e164 or lines.e164(inbound.from_)
    last10 = phones.last10(their) or their
    body = cardcheck.redact(inbound.body or "")[: MAX_BODY * 2]
    media = [{"url": url, "content_type": kind} for url, kind in inbound.media]
    uid = threads.new_uid()
    statements = [
        *threads.upsert_for_inbound(now, line, their, last10, body or "📎"),
        threads.insert_message(
            now,
            threads.thread_ref(line["id"], last10),
            uid=uid,
            direction="in",
            body=body,
            status="received",
            origin="inbound",
            media=media,
            provider_ref=inbound.provider_ref,
        ),
    ]
    decided = optout.classify(body)
    if decided is not None:
        statements += await _consent_statements(db, now, line, their, uid, decided)
    try:
        await db.batch(statements)
    except IntegrityError:
        if await threads.by_provider_ref(db, inbound.provider_ref):
            return Received("duplicate")  # the same delivery, twice at once: the other one stored it
        raise
    return Received("stored", uid, decided.kind if decided else None)


async def _consent_statements(
    db: Database, now: datetime, line: Row, their: str, uid: str, decided: optout.Consent
) -> list[Statement]:
    message = ("(SELECT id FROM sms_messages WHERE uid = ?)", (uid,))
    out: list[Statement] = [consent.ledger(now, their, decided.kind, decided.keyword, message, line)]
    lead = await matched_lead(db, phones.last10(their) or their)
    office = await _office_name(db, line["office_id"])
    if decided.kind == "opt_out":
        out.append(consent.suppress(now, their, decided.keyword))
        marker = f'🚫 SMS opt-out — recipient replied "{decided.keyword}"'
        reply_text = consent.confirmation_text(office)
        origin = "confirmation"
    elif decided.kind == "opt_in":
        out.append(consent.lift(their))
        marker, reply_text, origin = "✅ SMS opt-in", "", ""
    else:
        marker, reply_text, origin = (
            f'ℹ️ SMS help requested ("{decided.keyword}")',
            consent.help_text(office, line["number"]),
            "help",
        )
    if lead is not None:
        out.append(
            records.timeline(
                now, records.SYSTEM, "lead", lead["id"], f"sms.{decided.kind}", marker, office_id=lead["office_id"]
            )
        )
    if reply_text and lines.refusal(line) is None:
        already = decided.kind == "opt_out" and await consent.suppression(db, their) is not None
        if not already:  # STOP-9: one confirmation; a second STOP gets none
            text = Text(line, their, reply_text, origin)
            # the suppression row is written by this same batch, so the send check runs before it
            queued, _ = await _plan_unchecked(now, text)
            out += queued
    return out


async def _plan_unchecked(now: datetime, text: Text) -> tuple[list[Statement], None]:
    last10 = phones.last10(text.to) or text.to
    _, enqueue = outbox.enqueue(KIND, {"uid": text.uid}, office_id=text.line["office_id"], now=iso(now))
    return [
        threads.insert_message(
            now,
            threads.thread_ref(text.line["id"], last10),
            uid=text.uid,
            direction="out",
            body=text.body,
            status="queued",
            origin=text.origin,
        ),
        *threads.after_outbound(now, None, text.line["id"], last10, text.body),
        enqueue,
    ], None


# --- thread state ----------------------------------------------------------------------------------


async def resolve(db: Database, thread_id: int) -> None:
    await db.batch(threads.resolve(thread_id))


async def mark_unread(db: Database, thread_id: int) -> None:
    await db.batch(threads.mark_unread(thread_id))


async def delivery_status(db: Database, now: datetime, provider_ref: str, status: str, error: str) -> bool:
    """A provider's status callback; False when no message of ours has that id."""
    if await threads.by_provider_ref(db, provider_ref) is None:
        return False
    await db.batch(threads.status_by_ref(now, provider_ref, status, error))
    return True


def media_of(row: Row) -> list[dict[str, Any]]:
    value = row.get("media")
    return value if isinstance(value, list) else json.loads(value or "[]")


def stamp(now: datetime) -> str:
    return iso(now)


async def attachment(db: Database, uid: str, index: int) -> dict[str, Any] | None:
    """One stored MMS file of an outbound message: {key, content_type, name, size}."""
    row = await db.first("SELECT media FROM sms_messages WHERE uid = ?", uid)
    if row is None:
        return None
    items = json.loads(row["media"] or "[]")
    item = items[index] if 0 <= index < len(items) else None
    return item if item and item.get("key") else None

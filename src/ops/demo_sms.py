"""Demo SMS (issue 21): a line per office (each office's sender), a toll-free and a no-reply line,
three quick-reply templates, and conversations — one with a demo lead (an inbound, a person's reply
delivered, a newer inbound still unread), one from an unknown number, and one that ended in STOP —
so `make dev` opens with a working 📱 panel. Everything goes through the messaging verbs, and the
replies through the development provider (never a real one, whatever SMS_PROVIDER says).
Idempotent: nothing is added when any line exists.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

from accounts import offices, users
from core import outbox
from core.bindings import Bindings
from core.clock import FrozenClock
from core.records import SYSTEM, Actor
from core.sms_gateway import DevGateway, InboundSms
from messaging import lines, sms, sms_delivery, templates

# (office name, our number, label); the demo offices' own area codes.
LINES = (
    ("Garage", "+17185550100", "Garage main"),
    ("Sliding", "+16265550100", "Sliding main"),
    ("General", "+18475550100", "General main"),
)
TOLL_FREE = ("Garage", "+18885550142", "Garage ads (toll-free)")
NO_REPLY = ("Garage", "+17185550199", "Yard-sign forwarding")
TEMPLATES = (
    ("On our way", "Hi! This is {office}. Our technician is on the way and should arrive within 30 minutes."),
    ("Estimate ready", "Your estimate from {office} is ready. Reply here with any questions."),
    ("Thanks", "Thanks for choosing {office}! Reply STOP to opt out of texts."),
)


async def seed(bindings: Bindings, now: datetime) -> str | None:
    """A one-line summary, or None when the database already has SMS lines."""
    db = bindings.db
    if await db.first("SELECT 1 AS any_line FROM sms_lines LIMIT 1"):
        return None
    by_name = {o.name: o for o in await offices.all_offices(db, include_inactive=False)}
    wanted = [row for row in (*LINES, TOLL_FREE, NO_REPLY) if row[0] in by_name]
    if not wanted:
        return None
    await db.batch([lines.upsert(now, number, label, "dev", "") for _, number, label in wanted])
    made = {r["number"]: r for r in await lines.all_lines(db)}
    for office_name, number, _ in wanted:
        office = by_name[office_name]
        await lines.configure(db, now, SYSTEM, made[number]["id"], office.id, number == NO_REPLY[1], "")
    for office_name, number, _ in LINES:
        if office_name in by_name:
            await lines.choose_sender(db, now, SYSTEM, by_name[office_name].id, made[number]["id"])
    for name, body in TEMPLATES:
        await templates.create(db, now, SYSTEM, name, body.format(office="our team"))
    dev = dataclasses.replace(bindings, sms=DevGateway())
    count = await _conversations(dev, now, LINES[0][1] if LINES[0][0] in by_name else wanted[0][1])
    return f"{len(wanted)} SMS lines, {len(TEMPLATES)} templates, {count} conversations"


FIRST = "Hi, is anyone free to look at my garage door tomorrow? It won't close all the way."
REPLY = "Hi! Yes — we can come by tomorrow between 10 and 12. Does that work?"
SECOND = "10 works great, thank you! The code for the side gate is on the post."
STRANGER = ("+17185550163", "Do you service Liftmaster openers? Mine beeps every minute.")
STOPPED = ("+19175550123", "Please add me to your maintenance list.")


async def _conversations(b: Bindings, now: datetime, line_number: str) -> int:
    count = 2 + int(await _lead_conversation(b, now, line_number))
    db = b.db
    await sms.receive(db, now - timedelta(minutes=40), InboundSms("demo-3", STRANGER[0], line_number, STRANGER[1]))
    stop_at = now - timedelta(days=1)
    await sms.receive(db, stop_at - timedelta(minutes=3), InboundSms("demo-4", STOPPED[0], line_number, STOPPED[1]))
    await sms.receive(db, stop_at, InboundSms("demo-5", STOPPED[0], line_number, "STOP"))
    # the confirmation went out a minute after the STOP, as the outbox would have sent it then
    then = dataclasses.replace(b, clock=FrozenClock(stop_at + timedelta(minutes=1)))
    await outbox.drain(then, kinds=[sms_delivery.KIND])
    return count


async def _lead_conversation(b: Bindings, now: datetime, line_number: str) -> bool:
    """The newest open demo lead of the line's office wrote, the owner answered, the lead wrote back."""
    db = b.db
    lead = await db.first(
        "SELECT l.*, o.name AS office_name FROM leads l JOIN offices o ON o.id = l.office_id"
        " JOIN sms_office_senders s ON s.office_id = l.office_id JOIN sms_lines n ON n.id = s.line_id"
        " WHERE n.number = ? AND l.phone IS NOT NULL AND l.archived_at IS NULL ORDER BY l.created_at DESC LIMIT 1",
        line_number,
    )
    if lead is None:
        return False
    start = now - timedelta(hours=3)
    await sms.receive(db, start, InboundSms("demo-1", lead["phone"], line_number, FIRST))
    owner = await users.by_email(db, "owner@porchlight.test")
    actor = Actor(owner.id, owner.name) if owner else SYSTEM
    thread = await db.first(
        "SELECT t.*, l.number AS line_number, l.no_reply FROM sms_threads t JOIN sms_lines l ON l.id = t.line_id"
        " WHERE t.their_last10 = ? AND l.number = ?",
        lead["phone_last10"],
        line_number,
    )
    assert thread is not None  # the inbound just made it
    await sms.reply(db, None, start + timedelta(minutes=4), actor, thread, REPLY, [])
    await outbox.drain(b, kinds=[sms_delivery.KIND])
    await sms.receive(db, now - timedelta(minutes=12), InboundSms("demo-2", lead["phone"], line_number, SECOND))
    return True

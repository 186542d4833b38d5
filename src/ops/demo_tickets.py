"""Demo tickets (issue 24): a handful of believable support tickets on the demo customers — open,
waiting and closed, with notes, a pasted phone transcript, and one summary already turned into a PDF
with its email draft ready to review (not sent). Made through the ticket verbs, by a person of each
customer's office; deterministic (the first customers by id) and idempotent (skipped when any ticket
exists). No AI is called: the summary is written as a person would when AI is not configured."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from accounts import authz, users
from accounts.users import User
from core.storage import Row
from tickets import entries, summaries
from tickets import record as tickets

TICKETS = (
    (
        "Opener reverses before closing",
        "open",
        [
            (
                "transcript",
                "Customer: The door comes down about halfway and then goes back up.\n"
                "Tech: Are the little lights on the sensors by the floor both steady?\n"
                "Customer: One is blinking.\nTech: That usually means the sensors can't see each other.",
            ),
            ("note", "Likely misaligned safety sensor on the left side. Asked the customer to clean both lenses."),
        ],
        "The door reversed before closing because the left safety sensor was out of line with the right one. "
        "We talked through cleaning both lenses and re-aiming the left bracket until both lights stayed steady.",
        "- Keep the area between the sensors clear.\n- Wipe the sensor lenses every few months.",
    ),
    (
        "Keypad code stopped working",
        "waiting",
        [("note", "Waiting on the customer to find the keypad's model number.")],
        "",
        "",
    ),
    ("Remote battery replacement", "closed", [("note", "Walked the customer through the CR2032 swap; works.")], "", ""),
    (
        "Spring noise when opening",
        "open",
        [("note", "Squeak on the torsion spring; suggested lubrication, visit if it persists.")],
        "",
        "",
    ),
)


async def _worker(db: Any, office_id: int) -> User | None:
    everyone = await users.all_users(db)
    for user in everyone:
        local = not authz.sees_every_office(user) and authz.visible_office(user, office_id)
        if user.active and authz.can(user, "tickets.edit") and local:
            return user
    return next((u for u in everyone if u.active and authz.can(u, "tickets.edit")), None)


async def seed_tickets(bindings: Any, now: datetime) -> int:
    db = bindings.db
    if (await db.first("SELECT COUNT(*) AS n FROM tickets"))["n"]:
        return 0
    rows: list[Row] = await db.all(
        "SELECT * FROM customers WHERE archived_at IS NULL AND merged_into_id IS NULL ORDER BY id LIMIT ?", len(TICKETS)
    )
    made = 0
    for i, (customer, spec) in enumerate(zip(rows, TICKETS, strict=False)):
        user = await _worker(db, customer["office_id"])
        if user is None:
            continue
        title, status, items, summary, advice = spec
        at = now - timedelta(days=6 - i, hours=3)
        ticket = await tickets.open_ticket(db, at, user, customer, title, request_key=f"demo-{i}")
        for n, (kind, body) in enumerate(items):
            await entries.add(
                db, at + timedelta(minutes=10 * (n + 1)), user, ticket, kind, body, save_key=f"demo-{i}-{n}"
            )
        if status != "open":
            ticket = await tickets.ticket_for_user(db, user, ticket["number"]) or ticket
            await tickets.set_status(db, at + timedelta(hours=1), user, customer, ticket, status)
        if summary and bindings.files is not None:
            ticket = await tickets.ticket_for_user(db, user, ticket["number"]) or ticket
            sid = await summaries.start(db, at + timedelta(hours=2), user, ticket, bool(advice))
            row = await summaries.summary_for(db, ticket["id"], sid)
            assert row is not None
            await summaries.edit(db, at + timedelta(hours=2), user, ticket, row, summary, advice, None)
            row = await summaries.summary_for(db, ticket["id"], sid)
            assert row is not None
            await summaries.make_pdf(
                db, bindings.files, at + timedelta(hours=2), user, ticket, row, date=at.strftime("%B %-d, %Y")
            )
        made += 1
    return made

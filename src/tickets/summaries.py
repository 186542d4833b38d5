"""The AI summary of a ticket (seed 000): draft → review and edit → PDF → email draft → Send.
This module owns `ticket_summaries`.

"Choose whether this summary should include recommendations before the draft is generated": `start`
records that choice and nothing else; the assistant streams the draft and `save_draft` keeps it. The
person edits it (`edit`), then `make_pdf` writes the PDF (company, customer, ticket, date, summary,
and recommendations when chosen) into the file store under a random key and fills the email draft to
the customer's primary contact. Nothing is sent until `send`: the email goes into the outbox in the
same batch that marks the summary sent, guarded so a second click sends nothing more.

The email carries the summary's text with the PDF attached: the outbox payload names the PDF's
file-store key and messaging.email reads the bytes at delivery (docs/messaging.md). The PDF also
stays downloadable from the ticket.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from accounts import offices
from accounts.users import User
from core import email as mail
from core import records
from core.clock import iso
from core.errors import Conflict, Invalid
from core.filestore import FileStore
from core.storage import Database, LostRace, Row, q
from customers import record as customers
from messaging import email as outbox_email
from tickets import pdf
from tickets import record as tickets

MAX_TEXT = 60_000
CHOOSE = "Choose whether this summary should include recommendations before the draft is generated."
ALREADY_SENT = "This summary's email was already sent."


async def summaries_of(db: Database, ticket_id: int) -> list[Row]:
    return await db.all("SELECT * FROM ticket_summaries WHERE ticket_id = ? ORDER BY id DESC", ticket_id)


async def summary_for(db: Database, ticket_id: int, summary_id: int) -> Row | None:
    return await db.first("SELECT * FROM ticket_summaries WHERE id = ? AND ticket_id = ?", summary_id, ticket_id)


def public(row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "recommendations": bool(row["recommendations"]),
        "summary": row["summary"],
        "advice": row["advice"],
        "pdf": {"filename": row["pdf_filename"], "size_bytes": row["pdf_size"], "sha256": row["pdf_sha256"]}
        if row["pdf_key"]
        else None,
        "email": {
            "to": row["email_to"],
            "subject": row["email_subject"],
            "text": row["email_text"],
            "message_id": row["email_message_id"],
            "sent_at": row["sent_at"],
        },
        "version": row["version"],
        "created_at": row["created_at"],
    }


async def start(db: Database, now: datetime, user: User, ticket: Row, recommendations: bool | None) -> int:
    """The choice comes first: no draft without it."""
    if recommendations is None:
        raise Invalid({"recommendations": CHOOSE})
    results = await db.batch(
        [
            q(
                "INSERT INTO ticket_summaries (ticket_id, recommendations, created_by, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?)",
                ticket["id"],
                1 if recommendations else 0,
                user.id,
                iso(now),
                iso(now),
            ),
            tickets.touch(now, ticket["id"]),
            tickets.audit(now, user, ticket, "ticket.summary_started", f"AI summary started by {user.name}"),
        ]
    )
    return int(results[0].last_row_id or 0)


def split(text: str, recommendations: bool) -> tuple[str, str]:
    """The model writes the summary, then (when asked) a line "## Recommendations" and the advice."""
    marker = "## Recommendations"
    if marker in text:
        head, _, tail = text.partition(marker)
        return head.replace("## Summary", "").strip(), (tail.strip() if recommendations else "")
    return text.replace("## Summary", "").strip(), ""


async def save_draft(db: Database, now: datetime, summary: Row, text: str) -> None:
    """The generated draft (the assistant calls this when the stream ends)."""
    body, advice = split(text[:MAX_TEXT], bool(summary["recommendations"]))
    await db.run(
        "UPDATE ticket_summaries SET summary = ?, advice = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        body,
        advice,
        iso(now),
        summary["id"],
    )


async def edit(
    db: Database, now: datetime, user: User, ticket: Row, summary: Row, text: str, advice: str, version: int | None
) -> None:
    if summary["sent_at"]:
        raise Conflict(ALREADY_SENT)
    customers.check_version(summary, version)
    problems = {}
    if not text.strip():
        problems["summary"] = "The summary is empty."
    for name, value in (("summary", text), ("advice", advice)):
        if len(value) > MAX_TEXT:
            problems[name] = f"At most {MAX_TEXT:,} characters."
    if problems:
        raise Invalid(problems)
    try:
        await db.batch(
            [
                q(
                    "UPDATE ticket_summaries SET summary = ?, advice = ?, updated_at = ?, version = version + 1"
                    " WHERE id = ? AND version = ?",
                    text.strip(),
                    advice.strip() if summary["recommendations"] else "",
                    iso(now),
                    summary["id"],
                    summary["version"],
                ),
                records.guard_changed(),
                tickets.audit(now, user, ticket, "ticket.summary_edited", f"AI summary edited by {user.name}"),
            ]
        )
    except LostRace:
        raise Conflict(customers.CHANGED_MEANWHILE) from None


async def company_name(db: Database, ticket: Row) -> str:
    office = await offices.get(db, ticket["customer_office_id"]) if ticket["customer_office_id"] else None
    return office.name if office else "Porchlight"


def render_pdf(company: str, ticket: Row, summary: Row, date: str) -> bytes:
    doc = pdf.Document(title=f"{ticket['number']} summary")
    doc.text(company, size=18, bold=True)
    doc.text("Support summary", size=12, color="0.35 0.35 0.35")
    doc.space(8)
    doc.text(f"Customer: {ticket['customer_name']} ({ticket['customer_display_id']})")
    doc.text(f"Ticket: {ticket['number']} - {ticket['title']}")
    doc.text(f"Date: {date}")
    doc.heading("Summary")
    doc.text(summary["summary"])
    if summary["recommendations"] and summary["advice"].strip():
        doc.heading("Recommendations")
        doc.text(summary["advice"])
    return doc.output()


async def make_pdf(
    db: Database, store: FileStore, now: datetime, user: User, ticket: Row, summary: Row, *, date: str
) -> Row:
    """Write the PDF to the file store and fill the email draft to the primary contact."""
    if not summary["summary"].strip():
        raise Invalid({"summary": "Generate or write the summary first."})
    if summary["sent_at"]:
        raise Conflict(ALREADY_SENT)
    data = render_pdf(await company_name(db, ticket), ticket, summary, date)
    key = f"tickets/{ticket['id']}/{secrets.token_hex(16)}.pdf"
    await store.put(key, data, "application/pdf")
    contact = await customers.primary_contact(db, ticket["customer_id"])
    to = (contact or {}).get("email") or ""
    filename = f"{ticket['number']}-summary.pdf"
    body = summary["summary"] + (f"\n\nRecommendations\n{summary['advice']}" if summary["advice"] else "")
    greeting = f"Hello {(contact or {}).get('first_name') or ticket['customer_name']},"
    text = (
        f"{greeting}\n\nHere is the summary of ticket {ticket['number']} ({ticket['title']}).\n\n{body}\n\n"
        f"The summary is attached as a PDF ({filename}).\n"
    )
    try:
        await db.batch(
            [
                q(
                    "UPDATE ticket_summaries SET pdf_key = ?, pdf_filename = ?, pdf_size = ?, pdf_sha256 = ?,"
                    " email_to = ?, email_subject = ?, email_text = ?, updated_at = ?, version = version + 1"
                    " WHERE id = ? AND version = ? AND sent_at IS NULL",
                    key,
                    filename,
                    len(data),
                    hashlib.sha256(data).hexdigest(),
                    to,
                    f"Your support summary - {ticket['number']}",
                    text,
                    iso(now),
                    summary["id"],
                    summary["version"],
                ),
                records.guard_changed(),
                tickets.audit(now, user, ticket, "ticket.summary_pdf", f"Summary PDF created by {user.name}"),
            ]
        )
    except LostRace:
        raise Conflict(customers.CHANGED_MEANWHILE) from None
    fresh = await summary_for(db, ticket["id"], summary["id"])
    assert fresh is not None
    return fresh


async def read_pdf(store: FileStore, summary: Row) -> bytes | None:
    return await store.get(summary["pdf_key"]) if summary["pdf_key"] else None


async def send(
    db: Database, now: datetime, user: User, ticket: Row, summary: Row, *, to: str, subject: str, text: str
) -> str:
    """Send clicked: the email into the outbox and the summary marked sent, one batch; once only."""
    if summary["sent_at"]:
        raise Conflict(ALREADY_SENT)
    if not summary["pdf_key"]:
        raise Invalid({"summary": "Create the PDF first."})
    pdf_file = mail.Attachment(summary["pdf_filename"] or "summary.pdf", "application/pdf", summary["pdf_key"])
    message_id, statement = outbox_email.queue(
        now, to=to, subject=subject, text=text, office_id=ticket["customer_office_id"], attachments=[pdf_file]
    )
    try:
        await db.batch(
            [
                q(
                    "UPDATE ticket_summaries SET email_to = ?, email_subject = ?, email_text = ?, email_message_id = ?,"
                    " sent_by = ?, sent_at = ?, updated_at = ?, version = version + 1 WHERE id = ? AND sent_at IS NULL",
                    to.strip(),
                    subject.strip(),
                    text,
                    message_id,
                    user.id,
                    iso(now),
                    iso(now),
                    summary["id"],
                ),
                records.guard_changed(),
                statement,
                tickets.touch(now, ticket["id"]),
                tickets.audit(
                    now, user, ticket, "ticket.summary_sent", f"Summary emailed by {user.name}", message=message_id
                ),
            ]
        )
    except LostRace:
        raise Conflict(ALREADY_SENT) from None
    return message_id

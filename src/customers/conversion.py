"""Converting a lead into a customer, and returning it to the leads queue (seed 000 "Leads vs Clients",
seed 002 "Converting").

The lead is never moved or copied: it stays in `leads` as an archived lifecycle row with status
Converted and `customer_id` set, so source and stage reports keep counting it. Each verb is one
batch holding the lead change, the customer change, both timelines and the audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from accounts.offices import Office
from accounts.users import User
from core import cardcheck, records
from core.errors import Conflict, Invalid
from core.storage import Database, IntegrityError, Row, Statement
from customers import addresses as customer_addresses
from customers import contacts as customer_contacts
from customers import notes as customer_notes
from customers import record as customers
from leads import events as lead_events
from leads import queue as leads
from leads import record as lead_record

# Where a returned lead goes: a callback status, due now, so it surfaces at the top of the queue
# instead of waiting unnoticed (callback statuses always carry a next contact).
RETURN_STATUS = "not_yet_scheduled"


@dataclass(frozen=True)
class Conversion:
    customer_id: str  # display id
    created: bool  # a new customer, rather than a link to an existing one
    new_job: dict[str, object] | None  # pre-filled job values where the office has Jobs on


@dataclass(frozen=True)
class Return:
    customer_id: str
    customer_archived: bool


_GUARDED = frozenset({"leads", "customers"})


def _still_at(table: str, row: Row) -> Statement:
    """The first statements of a batch (`records.guard_at`): the whole batch stops, writing nothing,
    unless the row is still at the version we read."""
    assert table in _GUARDED
    return records.guard_at(table, row["id"], row["version"])


async def _run(db: Database, statements: list[Statement], guarded: list[tuple[str, Row]]) -> None:
    try:
        await db.batch(statements)
    except records.LostRace:
        what = " or ".join("lead" if table == "leads" else "customer" for table, _ in guarded)
        raise Conflict(f"Someone else changed this {what} a moment ago. Reload it and try again.") from None


def _lead_entry(now: datetime, user: User, lead: Row, kind: str, body: str, **meta: object) -> Statement:
    return records.timeline(now, user.actor, "lead", lead["id"], kind, body, office_id=lead["office_id"], meta=meta)


async def candidates(db: Database, user: User, lead: Row) -> list[Row]:
    """Existing customers the lead's person may already be, by phone (last 10) or email."""
    return await customers.candidates(db, user, lead["phone_last10"], lead["email"] or "")


async def convert_lead(
    db: Database, now: datetime, user: User, lead: Row, office: Office, *, link_to: Row | None = None
) -> Conversion:
    """Make the lead's person a customer — a new one, or `link_to` (a customer the user may see,
    usually one of `candidates`) — and keep the lead as an archived Converted row pointing at it."""
    if lead["customer_id"] is not None:
        shown = await customers.display_id_of(db, lead["customer_id"])
        raise Invalid(f"This lead is already converted to {shown}. Return it to leads first.")
    if lead["archived_at"]:
        raise Invalid("This lead is archived; restore it to the queue before converting it.")
    if link_to is None and not (lead["name"] or "").strip():
        raise Invalid("Give the lead a name before converting it into a customer.")
    if link_to is None:
        _refuse_cards(lead)
    for attempt in range(3):
        customer_id = link_to["id"] if link_to else await customers.next_id(db)
        try:
            await _run(db, _conversion(now, user, lead, customer_id, link_to), _guards(lead, link_to))
        except IntegrityError:
            taken = link_to is None and await customers.display_id_of(db, customer_id) is not None
            if taken and attempt < 2:
                continue  # another conversion took that number between our read and our batch
            raise
        display = customers.display_id_for(customer_id)
        return Conversion(display, link_to is None, new_job_values(lead, display, office))
    raise AssertionError("unreachable")


def _refuse_cards(lead: Row) -> None:
    """A new customer is made of the lead's fields, and customers never hold card numbers. Intake
    redacts them and staff edits refuse them, but a lead stored before either did may still have one:
    it is refused here rather than copied (the lead's own edit form removes it)."""
    copied = {k: lead[k] for k in ("name", "email", "phone_raw", "address", "zip")}
    try:
        cardcheck.refuse(copied)
    except cardcheck.CardNumberFound as exc:
        field = exc.field.replace("Phone raw", "Phone")
        raise Invalid(
            f"{field} on this lead looks like a payment card number, and customers never hold card numbers."
            " Edit the lead to remove it, then convert."
        ) from None


MAX_INTAKE_NOTE = 5000  # a customer note's limit; the lead keeps the whole text


def intake_note(lead: Row, label: str) -> str:
    """What the lead asked for, as a note on the customer it becomes, naming the lead: the requested
    service, how soon, the address and ZIP as given, and the lead's notes (gate codes, dogs in the
    yard). Empty when the lead carried none of it."""
    parts = [f"{name}: {lead[key]}" for key, name in customers.LEAD_INTAKE.items() if key != "notes" and lead[key]]
    notes = (lead["notes"] or "").strip()
    if not parts and not notes:
        return ""
    head = f"From lead {lead['display_id']} ({label}):"
    body = "\n".join([head, *parts, *([notes] if notes else [])])
    if len(body) > MAX_INTAKE_NOTE:
        body = body[: MAX_INTAKE_NOTE - 40].rstrip() + f"\n… (the rest is on {lead['display_id']})"
    # Staff edits refuse card numbers and intake redacts them, but an older lead may still hold one.
    return cardcheck.redact(body)


def _guards(lead: Row, link_to: Row | None) -> list[tuple[str, Row]]:
    return [("leads", lead), *([("customers", link_to)] if link_to else [])]


def _conversion(now: datetime, user: User, lead: Row, customer_id: int, link_to: Row | None) -> list[Statement]:
    display = customers.display_id_for(customer_id)
    label = lead["source_label"] or lead["source_key"]
    if link_to is None:
        customer_change = [
            *customers.create_from_lead(now, customer_id, lead),
            *customer_contacts.from_lead(now, customer_id, lead),
            *customer_addresses.from_lead(now, customer_id, lead),
        ]
        office_id = lead["office_id"]
        customer_note = f"Customer created from lead {lead['display_id']} ({label}) by {user.name}"
    else:
        customer_change = [customers.touch(now, link_to)]
        office_id = link_to["office_id"]
        revived = "; it was archived and is active again" if link_to["archived_at"] else ""
        customer_note = f"Lead {lead['display_id']} ({label}) converted into this customer by {user.name}{revived}"
    how = "new customer" if link_to is None else "existing customer"
    note = intake_note(lead, label)
    note_rows = [customer_notes.insert(now, customer_id, note, user)]
    return [
        *(_still_at(table, row) for table, row in _guards(lead, link_to)),
        *customer_change,
        lead_record.convert(now, lead, customer_id),
        lead_events.event(  # issue 22: automations react to Lead Status Changed → Converted
            now,
            lead_events.STATUS_CHANGED,
            lead["id"],
            lead["office_id"],
            {"status": "converted", "previous": lead["status"]},
        ),
        _lead_entry(
            now,
            user,
            lead,
            "status",
            f"Status: {leads.STATUS_LABELS[lead['status']]} → Converted: {how} {display}, by {user.name}",
            previous=lead["status"],
            customer=display,
        ),
        *(note_rows if note else []),
        customers.timeline(now, user.actor, customer_id, office_id, "sys", customer_note, lead=lead["display_id"]),
        records.audit(
            now,
            user.actor,
            "lead.converted",
            f"{lead['display_id']}: converted to {how} {display}",
            office_id=lead["office_id"],
            meta={
                "lead": lead["display_id"],
                "customer": display,
                "created": link_to is None,
                "previous": lead["status"],
            },
        ),
    ]


async def return_to_leads(db: Database, now: datetime, user: User, lead: Row) -> Return:
    """Undo a conversion: the lead is open and in the queue again, due now, with no customer. The
    customer this conversion created is archived (never deleted) when nothing else is attached to it."""
    if lead["customer_id"] is None:
        raise Invalid("This lead is not converted, so there is nothing to return.")
    customer = await db.first("SELECT id, display_id, office_id FROM customers WHERE id = ?", lead["customer_id"])
    if customer is None:  # the link outlived its customer; the lead still goes back
        customer = {"id": lead["customer_id"], "display_id": "(removed customer)", "office_id": lead["office_id"]}
    display = customer["display_id"]
    archives = await customers.archived_on_return(db, customer["id"], lead["id"])
    await _run(
        db,
        [
            _still_at("leads", lead),
            lead_record.return_from_customer(now, lead, RETURN_STATUS),
            *lead_events.status_moved(now, lead["id"], lead["office_id"], RETURN_STATUS, lead["status"]),  # issue 22
            customers.timeline(
                now,
                user.actor,
                customer["id"],
                customer["office_id"],
                "sys",
                f"Lead {lead['display_id']} returned to leads by {user.name}",
                lead=lead["display_id"],
            ),
            customers.archive_if_only_that_leads(now, customer["id"], lead["id"]),
            records.if_changed(
                customers.timeline(
                    now,
                    user.actor,
                    customer["id"],
                    customer["office_id"],
                    "sys",
                    f"Archived: its only lead, {lead['display_id']}, went back to the leads queue",
                )
            ),
            _lead_entry(
                now,
                user,
                lead,
                "status",
                f"Returned to leads from {display} by {user.name}: Converted → "
                f"{leads.STATUS_LABELS[RETURN_STATUS]}, due now",
                customer=display,
            ),
            records.audit(
                now,
                user.actor,
                "lead.returned",
                f"{lead['display_id']}: returned to leads from {display}",
                office_id=lead["office_id"],
                meta={"lead": lead["display_id"], "customer": display, "customer_archived": archives},
            ),
        ],
        [("leads", lead)],
    )
    return Return(display, archives)


def new_job_values(lead: Row, customer_display: str, office: Office) -> dict[str, object] | None:
    """What the New Job form opens with after a conversion in a Jobs office (seed 002: name, phone,
    email, office, source, notes — with the lead's ZIP and requested service added to the notes)."""
    if not office.jobs_enabled:
        return None
    extra = [f"ZIP: {lead['zip']}" if lead["zip"] else "", f"Requested: {lead['service']}" if lead["service"] else ""]
    values: dict[str, object] = {
        "customer_id": customer_display,
        "lead_id": lead["display_id"],
        "office_id": office.id,
        "office": office.name,
        "name": lead["name"],
        "phone": lead["phone"] or lead["phone_raw"] or "",
        "email": lead["email"] or "",
        "address": lead["address"] or "",
        "zip": lead["zip"] or "",
        "service_type": lead["service"] or "",
        "source": lead["source_key"],
        "notes": "\n".join(part for part in [lead["notes"] or "", *extra] if part),
    }
    # The form is filled from the lead's free text: a card number in an old lead goes no further.
    return {k: cardcheck.redact(v) if isinstance(v, str) else v for k, v in values.items()}

"""The records routes act on: one access function per resource, and `act` to run a domain verb on one.

Every function answers a record the signed-in user may see, or raises `core.errors.NotFound` (the
app-wide handler maps it: 404 JSON for the API, the error page for HTML). A record that does not
exist and one the user may not see answer alike, so an id never tells whether it exists elsewhere.
Children (a lead's photo, a customer's file or secure-access item) are looked up under their
parent, so an id from another record is "not found" too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import Request

from accounts import authz, offices, users
from assistant import audit as assistant_audit
from core.errors import Invalid, NotFound
from core.storage import Row
from customers import files as customer_files
from customers import record as customers
from customers import secure_access
from jobs import board as jobs
from leads import photos as lead_photos
from leads import queue as leads
from leads import snooze as snooze_sequences
from leads import sources as lead_sources
from messaging import inbox as sms_inbox
from network import areas as service_areas
from network import contractors as network_contractors
from network import settings as job_settings
from network import technicians
from network import zones as priority_zones
from routes.guard import bindings_of, current_user
from tasks import tasks
from tickets import entries as ticket_entries
from tickets import record as tickets
from tickets import summaries as ticket_summaries

T = TypeVar("T")


def found(record: T | None, what: str) -> T:
    """The record, or NotFound("We couldn't find <what>.")."""
    if record is None:
        raise NotFound(f"We couldn't find {what}.")
    return record


def _that(kind: str, display_id: str, named: bool) -> str:
    """ "that lead" for the record in the path; "lead L-12" for one named in a form or body."""
    return f"{kind} {display_id.strip()[:20]}" if named and display_id.strip() else f"that {kind}"


async def lead(request: Request, display_id: str, *, named: bool = False) -> Row:
    row = await leads.lead_for_user(bindings_of(request).db, current_user(request), display_id.strip())
    return found(row, _that("lead", display_id, named))


async def customer(request: Request, display_id: str, *, named: bool = False) -> Row:
    row = await customers.customer_for_user(bindings_of(request).db, current_user(request), display_id.strip())
    return found(row, _that("customer", display_id, named))


async def job(request: Request, display_id: str, *, named: bool = False) -> Row:
    row = await jobs.job_for_user(bindings_of(request).db, current_user(request), display_id)
    return found(row, _that("job", display_id, named))


async def photo(request: Request, lead_row: Row, photo_id: int) -> Row:
    return found(await lead_photos.photo_for(bindings_of(request).db, lead_row["id"], photo_id), "that photo")


async def file(request: Request, customer_row: Row, file_id: int) -> Row:
    return found(await customer_files.file_for(bindings_of(request).db, customer_row["id"], file_id), "that file")


async def secure_item(request: Request, customer_row: Row, item_id: int) -> Row:
    row = await secure_access.item_for(bindings_of(request).db, customer_row["id"], item_id)
    return found(row, "that secure-access item")


async def office(request: Request, office_id: int | None = None, *, slug: str = "") -> offices.Office:
    """By id or by slug; an office outside the user's answers like a missing one."""
    db = bindings_of(request).db
    row = await offices.by_slug(db, slug) if slug else await offices.get(db, office_id or 0)
    if row is not None and not authz.visible_office(current_user(request), row.id):
        row = None
    return found(row, "that office")


async def user(request: Request, user_id: int) -> users.User:
    return found(await users.get(bindings_of(request).db, user_id), "that user")


async def source(request: Request, key: str) -> lead_sources.Source:
    return found(await lead_sources.by_key(bindings_of(request).db, key[:40]), "that lead source")


async def sequence(request: Request, key: str) -> snooze_sequences.Sequence:
    return found(await snooze_sequences.get(bindings_of(request).db, key), "that snooze sequence")


# The contractor network (issue 19): company-wide records; who may see them is the route's action.


async def job_setting(request: Request, kind: job_settings.Kind, value_id: int) -> Row:
    return found(await job_settings.value_for(bindings_of(request).db, kind, value_id), f"that {kind.noun}")


async def service_area(request: Request, area_id: int) -> Row:
    return found(await service_areas.area_for(bindings_of(request).db, area_id), "that service area")


async def contractor(request: Request, contractor_id: int) -> Row:
    return found(await network_contractors.contractor_for(bindings_of(request).db, contractor_id), "that contractor")


async def priority_zone(request: Request, zone_id: int) -> Row:
    return found(await priority_zones.zone_for(bindings_of(request).db, zone_id), "that priority zone")


async def technician(request: Request, contractor_id: int) -> Row:
    """A contractor of kind `technician` (TECH-1); a company or a missing id answers 404."""
    return found(await technicians.get(bindings_of(request).db, contractor_id), "that technician")


async def act(request: Request, row: Row, verb: Callable[..., Awaitable[Any]], /, *args: Any, **kwargs: Any) -> Any:
    """Run one domain verb on `row` with the request's database, clock and user."""
    b = bindings_of(request)
    return await verb(b.db, b.clock.now(), current_user(request), row, *args, **kwargs)


Find = Callable[[Any, int, int], Awaitable[Row]]


def child_verb(find: Find, child_id: int, verb: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """`verb` on one child of the record (a customer's contact, address or note), found by
    `find(db, record_id, child_id)` inside the act, which raises NotFound for a child not on it."""

    async def run(db: Any, now: Any, user: Any, row: Row, *args: Any, **kwargs: Any) -> Any:
        return await verb(db, now, user, row, await find(db, row["id"], child_id), *args, **kwargs)

    return run


async def sms_thread(request: Request, thread_id: int) -> Row:
    """An SMS conversation of the user's offices (SMS-11); another office's answers as a missing one."""
    row = await sms_inbox.thread_for_user(bindings_of(request).db, current_user(request), thread_id)
    return found(row, "that conversation")


# --- tickets and the assistant (issue 24) -------------------------------------------------------


async def ticket(request: Request, number: str) -> Row:
    """A ticket by number, if the user sees its customer."""
    row = await tickets.ticket_for_user(bindings_of(request).db, current_user(request), number)
    return found(row, "that ticket")


async def ticket_entry(request: Request, ticket_row: Row, entry_id: int) -> Row:
    return found(await ticket_entries.entry_for(bindings_of(request).db, ticket_row["id"], entry_id), "that entry")


async def ticket_summary(request: Request, ticket_row: Row, summary_id: int) -> Row:
    row = await ticket_summaries.summary_for(bindings_of(request).db, ticket_row["id"], summary_id)
    return found(row, "that summary")


async def conversation(request: Request, conversation_id: int) -> Row:
    """An assistant conversation: the user's own, or any for the owner (AIA-8)."""
    row = await assistant_audit.conversation_for(bindings_of(request).db, current_user(request), conversation_id)
    return found(row, "that conversation")


# --- issue 23: tasks -------------------------------------------------------------------------------


async def task(request: Request, task_id: int) -> Row:
    """A task the user may see (TSK-2 scope); another's answers as a missing one."""
    return await tasks.get(bindings_of(request).db, current_user(request), task_id)


async def task_link(request: Request, kind: str, display_id: str, field: str = "link") -> tasks.Link:
    """The record a new task links to (TSK-5), looked up with the record's own access function. A ticket
    the user can't see (or none by that number) is a 422 on `field`, the body's name for it."""
    if kind == "ticket":
        db, user = bindings_of(request).db, current_user(request)
        found_ticket = await tickets.ticket_for_user(db, user, display_id)
        if found_ticket is None:
            raise Invalid("Choose a ticket you can see, e.g. T-1001.", field)
        office = found_ticket["customer_office_id"]
        on = ("customer", found_ticket["customer_id"])
        return tasks.Link("ticket", found_ticket["id"], office, found_ticket["number"], on)
    if kind == "lead":
        row = await lead(request, display_id, named=True)
    elif kind == "customer":
        row = await customer(request, display_id, named=True)
    elif kind == "job":
        row = await job(request, display_id, named=True)
    else:
        raise Invalid("Link a task to a lead, a customer, a job or a ticket.", "link_kind")
    return tasks.Link(kind, row["id"], row["office_id"], row["display_id"])

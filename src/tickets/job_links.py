"""Linked jobs on a ticket (issue 24, with jobs from issue 20). This module owns `ticket_jobs`.

A ticket links any number of jobs, and a job any number of tickets, but only jobs of the ticket's own
customer that the person may see (accounts/authz's job scope): anything else is a 422 naming `job_id`
and changes nothing. Linking twice is no change; each link and unlink is audited with the ticket.
"""

from __future__ import annotations

from datetime import datetime

from accounts import authz
from accounts.users import User
from core.clock import iso
from core.errors import Invalid, NotFound
from core.storage import Database, Row, q
from jobs import board
from tickets import record as tickets

NOT_THIS_CUSTOMER = "Choose a job of this ticket's customer."


async def jobs_of(db: Database, user: User, ticket_id: int) -> list[Row]:
    """The ticket's linked jobs the person may see, newest first."""
    condition, params = authz.job_scope_sql(user)
    return await db.all(
        "SELECT j.id, j.display_id, j.status, j.start_at, j.job_type_label FROM ticket_jobs tj"
        f" JOIN jobs j ON j.id = tj.job_id WHERE tj.ticket_id = ? AND {condition} ORDER BY j.id DESC",
        ticket_id,
        *params,
    )


async def linkable(db: Database, user: User, ticket: Row) -> list[Row]:
    """The customer's jobs not linked yet (for the ticket page's picker)."""
    linked = {j["id"] for j in await jobs_of(db, user, ticket["id"])}
    return [j for j in await board.jobs_of_customer(db, user, ticket["customer_id"]) if j["id"] not in linked]


async def tickets_of_job(db: Database, job_id: int) -> list[Row]:
    """The tickets a job is linked to (the job page lists them; the caller has checked the job's scope)."""
    return await db.all(
        "SELECT t.number, t.title, t.status FROM ticket_jobs tj JOIN tickets t ON t.id = tj.ticket_id"
        " WHERE tj.job_id = ? ORDER BY t.id DESC",
        job_id,
    )


async def _job(db: Database, user: User, ticket: Row, job_id: int) -> Row:
    condition, params = authz.job_scope_sql(user)
    job = await db.first(
        f"SELECT j.id, j.display_id, j.customer_id FROM jobs j WHERE j.id = ? AND {condition}", job_id, *params
    )
    if job is None or job["customer_id"] != ticket["customer_id"]:
        raise Invalid({"job_id": NOT_THIS_CUSTOMER})
    return job


async def link(db: Database, now: datetime, user: User, ticket: Row, job_id: int) -> Row:
    job = await _job(db, user, ticket, job_id)
    done = await db.first("SELECT 1 AS x FROM ticket_jobs WHERE ticket_id = ? AND job_id = ?", ticket["id"], job["id"])
    if done is None:
        await db.batch(
            [
                q(
                    "INSERT INTO ticket_jobs (ticket_id, job_id, linked_by, linked_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (ticket_id, job_id) DO NOTHING",
                    ticket["id"],
                    job["id"],
                    user.id,
                    iso(now),
                ),
                tickets.touch(now, ticket["id"]),
                tickets.audit(now, user, ticket, "ticket.job_linked", f"{job['display_id']} linked", job=job["id"]),
            ]
        )
    return job


async def unlink(db: Database, now: datetime, user: User, ticket: Row, job_id: int) -> None:
    found = await db.first(
        "SELECT j.display_id FROM ticket_jobs tj JOIN jobs j ON j.id = tj.job_id"
        " WHERE tj.ticket_id = ? AND tj.job_id = ?",
        ticket["id"],
        job_id,
    )
    if found is None:
        raise NotFound("That job is not linked to this ticket.")
    await db.batch(
        [
            q("DELETE FROM ticket_jobs WHERE ticket_id = ? AND job_id = ?", ticket["id"], job_id),
            tickets.touch(now, ticket["id"]),
            tickets.audit(now, user, ticket, "ticket.job_unlinked", f"{found['display_id']} unlinked", job=job_id),
        ]
    )

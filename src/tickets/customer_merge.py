"""Merging two customers, with what hangs off them above the customers package: the merged-away
customer's tickets and jobs move to the keeper in the merge's one batch (customers/merge.py does
the rest), and both timeline lines and the audit row count them. The routes call
ops/customer_merge.py, which adds the tasks, ticket chats and sent emails above this package.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from accounts.users import User
from core.storage import Database, Row
from core.vault import KeyRing
from customers import merge
from jobs import record as job_record
from tickets import record as ticket_record


async def merge_customers(
    db: Database,
    now: datetime,
    user: User,
    keeper: Row,
    other: Row,
    *,
    ring: KeyRing,
    also: Sequence[merge.Carried] = (),
) -> merge.Merged:
    """`customers.merge.merge_customers`, carrying the other customer's tickets and jobs, and ALSO (what
    packages above tickets hand over: ops/customer_merge.py)."""
    found = await db.first(
        "SELECT (SELECT COUNT(*) FROM tickets WHERE customer_id = ?) AS tickets,"
        " (SELECT COUNT(*) FROM jobs WHERE customer_id = ?) AS jobs",
        other["id"],
        other["id"],
    )
    assert found is not None
    lo, k = other["id"], keeper["id"]
    carried = [
        merge.Carried("tickets", "ticket", "tickets", int(found["tickets"]), ticket_record.move_customer(now, lo, k)),
        merge.Carried("jobs", "job", "jobs", int(found["jobs"]), job_record.move_customer(now, lo, k)),
    ]
    return await merge.merge_customers(db, now, user, keeper, other, ring=ring, carried=[*carried, *also])

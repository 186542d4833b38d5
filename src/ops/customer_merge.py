"""Merging two customers, with everything that hangs off the merged-away one in the packages above
customers: tickets and jobs (tickets/customer_merge.py), and here the tasks linked to it, the
assistant's ticket chats about it and the emails sent from its record. All move to the keeper in the
merge's one batch, and the timeline lines and the audit row count them. The routes call this, so a
merge leaves nothing on the archived record.
"""

from __future__ import annotations

from datetime import datetime

from accounts.users import User
from assistant import audit as assistant_audit
from core.storage import Database, Row
from core.vault import KeyRing
from customers import merge
from messaging import replies
from tasks import tasks
from tickets import customer_merge


async def merge_customers(
    db: Database, now: datetime, user: User, keeper: Row, other: Row, *, ring: KeyRing
) -> merge.Merged:
    found = await db.first(
        "SELECT (SELECT COUNT(*) FROM tasks WHERE link_kind = 'customer' AND link_id = ?) AS tasks,"
        " (SELECT COUNT(*) FROM assistant_conversations WHERE customer_id = ?) AS chats,"
        " (SELECT COUNT(*) FROM lead_emails WHERE customer_id = ?) AS emails",
        other["id"],
        other["id"],
        other["id"],
    )
    assert found is not None
    lo, k = other["id"], keeper["id"]
    also = [
        merge.Carried("tasks", "task", "tasks", int(found["tasks"]), tasks.move_customer(lo, k)),
        merge.Carried(
            "chats", "assistant chat", "assistant chats", int(found["chats"]), assistant_audit.move_customer(lo, k)
        ),
        merge.Carried("emails", "sent email", "sent emails", int(found["emails"]), replies.move_customer(lo, k)),
    ]
    return await customer_merge.merge_customers(db, now, user, keeper, other, ring=ring, also=also)

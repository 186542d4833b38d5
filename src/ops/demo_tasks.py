"""Demo rows for tasks (issue 23): a handful of open and done tasks on demo leads, customers and a ticket (one
overdue, one due today, so the 📋 badge pulses), a daily and a monthly recurring template, and the
emailed-report settings. Through the owning verbs; idempotent (nothing is added once any task or
template exists)."""

from __future__ import annotations

from datetime import datetime, timedelta

from accounts import authz, offices, users
from core.bindings import Bindings
from core.clock import iso
from core.storage import Database, Row
from core.vault import KeyRing
from messaging import identities
from tasks import recurring, report_emails, tasks

TASKS = (
    # title, description, due in hours from now (None: no due), office or person, link kind
    (
        "Call back about the spring quote",
        "They asked for a price on torsion springs for a double door.",
        -26,
        "person",
        "lead",
    ),
    ("Send the signed estimate", "Email the PDF and confirm the install date.", 3, "office", "customer"),
    ("Order rollers for the Thursday job", "", 30, "office", None),
    ("Check the van's stock of cables", "", 50, "person", None),
    ("Follow up on the review request", "", -4, "person", "lead"),
    ("Send the opener manual", "The customer asked for the PDF on the ticket.", 74, "person", "ticket"),
)


async def _records(db: Database, office_id: int) -> dict[str, Row | None]:
    """The office's first lead, customer and ticket (a ticket's scope is its customer's office)."""
    return {
        "lead": await db.first(
            "SELECT id, display_id, office_id FROM leads WHERE office_id = ? ORDER BY id LIMIT 1", office_id
        ),
        "customer": await db.first(
            "SELECT id, display_id, office_id FROM customers WHERE office_id = ? ORDER BY id LIMIT 1", office_id
        ),
        "ticket": await db.first(
            "SELECT t.id, t.number AS display_id, t.customer_id, c.office_id FROM tickets t"
            " JOIN customers c ON c.id = t.customer_id WHERE c.office_id = ? ORDER BY t.id LIMIT 1",
            office_id,
        ),
    }


def _link(kind: str | None, records: dict[str, Row | None]) -> tasks.Link | None:
    """A demo task's link; none when the workspace has no such record (the task is made unlinked)."""
    record = records.get(kind or "")
    if not kind or record is None:
        return None
    on = ("customer", record["customer_id"]) if kind == "ticket" else None
    return tasks.Link(kind, record["id"], record["office_id"], record["display_id"], on)


async def seed(bindings: Bindings, now: datetime) -> str:
    db = bindings.db
    if await db.first("SELECT 1 FROM tasks UNION ALL SELECT 1 FROM task_templates LIMIT 1"):
        return ""
    everyone = [u for u in await users.all_users(db) if u.active]
    owner = next((u for u in everyone if authz.reads_whole_report(u)), None)
    garage = await offices.by_name(db, "Garage")
    if owner is None or garage is None:
        return ""
    # an agent of Garage (one who works tasks but has no "All" tab), else anyone who works tasks there
    workers = [u for u in everyone if authz.can(u, "tasks.work") and authz.may_assign_office(u, garage.id)]
    workers.sort(key=lambda u: authz.can(u, "tasks.all"))
    worker = workers[0] if workers else owner
    records = await _records(db, garage.id)
    made = 0
    for n, (title, description, hours, who, link_kind) in enumerate(TASKS):
        link = _link(link_kind, records)
        values = {
            "title": title,
            "description": description,
            "due_at": iso(now + timedelta(hours=hours)) if hours is not None else None,
            "assignee_user_id": worker.id if who == "person" else None,
            "assignee_office_id": garage.id if who == "office" else None,
        }
        task_id = await tasks.create(db, now - timedelta(days=2, hours=n), owner, values, link)
        made += 1
        if n == 4:  # one already done
            row = await tasks.get(db, owner, task_id)
            await tasks.mark_done(db, now - timedelta(hours=1), worker, row)
    await recurring.create(
        db, now, owner,
        {"title": "Morning: check overnight leads", "cadence": "daily", "time_of_day": "08:30",
         "assignee_office_id": garage.id},
    )  # fmt: skip
    await recurring.create(
        db, now, owner,
        {"title": "Month end: reconcile deposits", "description": "Match QuickBooks deposits to closed jobs.",
         "cadence": "monthly", "month_day": 31, "time_of_day": "16:00", "assignee_user_id": owner.id},
    )  # fmt: skip
    await report_emails.save(db, now, owner.actor, [owner.email], {"daily": False, "weekly": True, "monthly": True})
    if await identities.get(db, "finance") is None:  # the reports go out from Finance's sender (FIN-10)
        values = identities.check(
            from_email="finance@porchlight.test", from_name="Porchlight Finance", smtp_host="smtp.porchlight.test",
            smtp_port=587, password="demo-app-password",  # noqa: S106 - demo data, never sent (dev mailbox)
        )  # fmt: skip
        await identities.save(
            db, now, owner.actor, KeyRing.from_settings(bindings.settings),
            kind="finance", office_id=None, office_label="Finance", values=values,
        )  # fmt: skip
    return f"{made} tasks, 2 recurring tasks, weekly and monthly report emails to {owner.email}"

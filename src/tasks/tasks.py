"""Tasks (TSK-1…TSK-10): the verbs and reads. Every change is one batch with its timeline entry on
the linked record; done and re-open are conditional writes behind the write guard, so of two people
marking the same task done the second gets 409 and the task keeps the first (TSK-7)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from accounts import authz, users
from accounts.users import User
from core import cardcheck, records
from core.clock import iso, parse
from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.records import Actor
from core.storage import Database, LostRace, Row, Statement, q

MAX_TITLE = 200
MAX_DESCRIPTION = 5_000
LINK_KINDS = ("lead", "customer", "job", "ticket")
LISTED = 200
ICON = {"created": "📋 Task created", "done": "✅ Task completed", "reopened": "↩ Task re-opened"}


@dataclass(frozen=True)
class Link:
    """The record a task is about (resolved by the route's access function, so it is in scope)."""

    kind: str
    id: int
    office_id: int | None
    display_id: str = ""
    # the record whose timeline carries the task's lines: the link itself, except a ticket's, which
    # go on its customer's timeline (tickets keep notes, not a timeline) naming the ticket
    on: tuple[str, int] | None = None


@dataclass(frozen=True)
class Draft:
    title: str
    description: str
    due_at: str | None
    assignee_user_id: int | None
    assignee_office_id: int | None


def parse_due(text: str | None, zone: str) -> str | None:
    """A due date-time: ISO with an offset or Z, or the form's datetime-local ("2026-12-07T09:30")
    read in the user's zone; a bare date is the end of that day there. Empty: no due time (TSK-1)."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            day = datetime.fromisoformat(text).date()
            return iso(datetime.combine(day, time(23, 59), ZoneInfo(zone)))
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise Invalid("Enter a date and time, e.g. 2026-12-07T09:30.", "due_at") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(zone))
    if not 2000 <= moment.year <= 2200:
        raise Invalid("Enter a date between 2000 and 2200.", "due_at")
    return iso(moment)


def _text_problems(title: str, description: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not title.strip():
        problems["title"] = "A task needs a title."
    elif len(title.strip()) > MAX_TITLE:
        problems["title"] = f"At most {MAX_TITLE} characters."
    if len(description) > MAX_DESCRIPTION:
        problems["description"] = f"At most {MAX_DESCRIPTION:,} characters."
    for name, value in (("title", title), ("description", description)):
        if name not in problems and cardcheck.contains_card_number(value):
            problems[name] = "Card numbers can't be stored here; remove it."
    return problems


async def check(
    db: Database,
    creator: User,
    values: dict[str, Any],
    link_office_id: int | None,
) -> Draft:
    """TSK-1, TSK-9, TSK-10: a title, an optional description and due time, and exactly one assignee
    the creator may pick. Every problem is named by its field (422)."""
    title, description = str(values.get("title") or ""), str(values.get("description") or "")
    problems = _text_problems(title, description)
    due: str | None = None
    try:
        due = parse_due(values.get("due_at"), creator.time_zone)
    except Invalid as exc:
        problems.update(exc.fields)
    user_id, office_id = values.get("assignee_user_id"), values.get("assignee_office_id")
    if (user_id is None) == (office_id is None):
        problems["assignee"] = "Assign the task to one person or one office."
    elif office_id is not None:
        if not authz.may_assign_office(creator, int(office_id)) or not await _office_active(db, int(office_id)):
            problems["assignee_office_id"] = "Choose one of your offices."
    else:
        target = await users.get(db, int(user_id))  # type: ignore[arg-type]
        if target is None or not authz.may_assign_user(creator, target, link_office_id):
            problems["assignee_user_id"] = "Choose an active teammate in your offices."
    if problems:
        raise Invalid(problems)
    return Draft(
        title.strip(),
        description.strip(),
        due,
        int(user_id) if user_id is not None else None,
        int(office_id) if office_id is not None else None,
    )


async def _office_active(db: Database, office_id: int) -> bool:
    return await db.first("SELECT 1 FROM offices WHERE id = ? AND active = 1", office_id) is not None


def _entry(now: datetime, actor: Actor, link: Link | None, what: str, title: str) -> list[Statement]:
    """TSK-4: the linked record's timeline line (none when the task links nothing)."""
    if link is None:
        return []
    subject, subject_id = link.on or (link.kind, link.id)
    where = f" on {link.display_id}" if link.kind == "ticket" else ""
    body = f"{ICON[what]}{where}: “{title}”"
    return [records.timeline(now, actor, subject, subject_id, "task", body, office_id=link.office_id)]


async def create(db: Database, now: datetime, creator: User, values: dict[str, Any], link: Link | None = None) -> int:
    if not authz.can(creator, "tasks.work"):
        raise Forbidden("Your role can't create tasks.")
    draft = await check(db, creator, values, link.office_id if link else None)
    return await insert(db, now, creator.actor, draft, link)


async def insert(
    db: Database, now: datetime, actor: Actor, draft: Draft, link: Link | None, *, extra: tuple[Statement, ...] = ()
) -> int:
    office_id = draft.assignee_office_id if draft.assignee_office_id is not None else (link.office_id if link else None)
    results = await db.batch(
        [
            *extra,
            q(
                "INSERT INTO tasks (title, description, due_at, assignee_user_id, assignee_office_id, office_id,"
                " link_kind, link_id, created_by, created_by_label, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                draft.title,
                draft.description,
                draft.due_at,
                draft.assignee_user_id,
                draft.assignee_office_id,
                office_id,
                link.kind if link else None,
                link.id if link else None,
                actor.user_id,
                actor.label,
                iso(now),
                iso(now),
            ),
            *_entry(now, actor, link, "created", draft.title),
        ]
    )
    return int(results[len(extra)].last_row_id or 0)


def generated(now: datetime, draft: Draft, template_id: int, key: str) -> Statement:
    """RTK-9: a recurring template's task, made only when the batch's previous statement (its
    occurrence stamp) inserted a row."""
    return q(
        "INSERT INTO tasks (title, description, due_at, assignee_user_id, assignee_office_id, office_id,"
        " created_by_label, template_id, occurrence_key, created_at, updated_at)"
        " SELECT ?, ?, ?, ?, ?, ?, 'Recurring task', ?, ?, ?, ? WHERE changes() = 1",
        draft.title,
        draft.description,
        draft.due_at,
        draft.assignee_user_id,
        draft.assignee_office_id,
        draft.assignee_office_id,
        template_id,
        key,
        iso(now),
        iso(now),
    )


_SELECT = (
    "SELECT t.*, au.name AS assignee_user_name, ao.name AS assignee_office_name,"
    " l.display_id AS lead_display_id, l.name AS lead_name, c.display_id AS customer_display_id,"
    " c.name AS customer_name, j.display_id AS job_display_id, trim(j.first_name || ' ' || j.last_name) AS job_name,"
    " tk.number AS ticket_display_id, tk.title AS ticket_name, tk.customer_id AS ticket_customer_id,"
    " coalesce(l.office_id, c.office_id, j.office_id, tc.office_id) AS link_office_id FROM tasks t"
    " LEFT JOIN users au ON au.id = t.assignee_user_id LEFT JOIN offices ao ON ao.id = t.assignee_office_id"
    " LEFT JOIN leads l ON t.link_kind = 'lead' AND l.id = t.link_id"
    " LEFT JOIN customers c ON t.link_kind = 'customer' AND c.id = t.link_id"
    " LEFT JOIN jobs j ON t.link_kind = 'job' AND j.id = t.link_id"
    # a ticket's scope is its customer's office (tickets.record), never the ticket row's copy
    " LEFT JOIN tickets tk ON t.link_kind = 'ticket' AND tk.id = t.link_id"
    " LEFT JOIN customers tc ON tc.id = tk.customer_id"
)


async def get(db: Database, user: User, task_id: int) -> Row:
    """The one access function for a task: NotFound for a missing one and one out of scope alike."""
    row = await db.first(f"{_SELECT} WHERE t.id = ?", task_id)
    if row is None or not authz.sees_task(user, row):
        raise NotFound("We couldn't find that task.")
    return row


async def listing(
    db: Database, user: User, scope: str = "mine", status: str = "open", *, link: Link | None = None
) -> list[Row]:
    """TSK-2's tabs (or one record's tasks): open ones by due time (none last), done ones newest first."""
    condition, params = authz.task_scope(user, scope if scope in authz.TASK_SCOPES else "mine")
    where = [condition]
    if status == "open":
        where.append("t.done_at IS NULL")
        order = "t.due_at IS NULL, t.due_at, t.id"
    elif status == "done":
        where.append("t.done_at IS NOT NULL")
        order = "t.done_at DESC, t.id DESC"
    else:
        order = "t.done_at IS NOT NULL, t.due_at IS NULL, t.due_at, t.id"
    if link is not None:
        where.append("t.link_kind = ? AND t.link_id = ?")
        params = [*params, link.kind, link.id]
    # the page's rows are chosen from `tasks` alone (its indexes), then joined: the joins run for
    # at most LISTED rows, not for every open task of a busy office
    picked = f"SELECT t.* FROM tasks t WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?"
    return await db.all(f"{_SELECT.replace('FROM tasks t', f'FROM ({picked}) t')} ORDER BY {order}", *params, LISTED)


ON_RECORD = 50


async def for_link(db: Database, user: User, kind: str, link_id: int) -> list[Row]:
    """TSK-5: one record's Tasks card (customer, job or ticket): the linked tasks the viewer's widest
    scope sees, open ones first by due time (none last), then the done ones newest first. Picked
    over the tasks_link (link_kind, link_id) index, then joined like `listing`."""
    condition, params = authz.task_scope(user, "all")
    order = (
        "t.done_at IS NOT NULL, CASE WHEN t.done_at IS NULL THEN t.due_at IS NULL END,"
        " CASE WHEN t.done_at IS NULL THEN t.due_at END, t.done_at DESC, t.id"
    )
    picked = f"SELECT t.* FROM tasks t WHERE t.link_kind = ? AND t.link_id = ? AND {condition} ORDER BY {order} LIMIT ?"
    return await db.all(
        f"{_SELECT.replace('FROM tasks t', f'FROM ({picked}) t')} ORDER BY {order}", kind, link_id, *params, ON_RECORD
    )


def end_of_today(now: datetime, zone: str) -> str:
    """TSK-3: "today" in the user's first office's zone; due at or before its end counts."""
    local = now.astimezone(ZoneInfo(zone))
    tomorrow = datetime.combine(local.date() + timedelta(days=1), time(0), ZoneInfo(zone))
    return iso(tomorrow - timedelta(milliseconds=1))


async def badge_count(db: Database, user: User, now: datetime) -> int:
    """TSK-3: open My Tasks due today or overdue, in one read over the two partial indexes."""
    if not authz.can(user, "tasks.view"):
        return 0
    until = end_of_today(now, user.time_zone)
    offices = authz.badge_offices(user)
    marks = ", ".join("?" * len(offices)) or "NULL"
    tickets, ticket_params = authz.task_ticket_scope(user, "t")  # ticket-linked: only if the ticket is seen
    row = await db.first(
        "SELECT (SELECT count(*) FROM tasks t WHERE assignee_user_id = ? AND done_at IS NULL AND due_at <= ?"
        f" AND {tickets}) + (SELECT count(*) FROM tasks t WHERE assignee_office_id IN ({marks})"
        f" AND done_at IS NULL AND due_at <= ? AND {tickets}) AS n",
        user.id,
        until,
        *ticket_params,
        *offices,
        until,
        *ticket_params,
    )
    return int(row["n"]) if row else 0


async def _guarded(db: Database, statements: list[Statement], message: str) -> None:
    try:
        await db.batch(statements)
    except LostRace:
        raise Conflict(message) from None


async def mark_done(db: Database, now: datetime, user: User, task: Row) -> None:
    """TSK-7: first to mark Done wins (`WHERE done_at IS NULL`); the second gets 409."""
    if not authz.can(user, "tasks.work"):
        raise Forbidden("Your role can't change tasks.")
    await _guarded(
        db,
        [
            q(
                "UPDATE tasks SET done_at = ?, done_by = ?, done_by_label = ?, updated_at = ?, version = version + 1"
                " WHERE id = ? AND done_at IS NULL",
                iso(now),
                user.id,
                user.name,
                iso(now),
                task["id"],
            ),
            records.guard_changed(),
            *_entry(now, user.actor, _linked(task), "done", task["title"]),
        ],
        "Someone else already marked this task done.",
    )


async def reopen(db: Database, now: datetime, user: User, task: Row) -> None:
    """TSK-6: any non-viewer re-opens a done task; the record's timeline says so (TSK-4 decision)."""
    if not authz.can(user, "tasks.work"):
        raise Forbidden("Your role can't change tasks.")
    await _guarded(
        db,
        [
            q(
                "UPDATE tasks SET done_at = NULL, done_by = NULL, done_by_label = '', updated_at = ?,"
                " version = version + 1 WHERE id = ? AND done_at IS NOT NULL",
                iso(now),
                task["id"],
            ),
            records.guard_changed(),
            *_entry(now, user.actor, _linked(task), "reopened", task["title"]),
        ],
        "This task is already open.",
    )


def _linked(task: Row) -> Link | None:
    """The link with the record's own office (the task's office may be its assignee office)."""
    if not task["link_kind"]:
        return None
    office = task.get("link_office_id")
    if task["link_kind"] == "ticket":
        on = ("customer", task["ticket_customer_id"]) if task.get("ticket_customer_id") else None
        return Link("ticket", task["link_id"], office, task.get("ticket_display_id") or "", on)
    return Link(task["link_kind"], task["link_id"], office)


async def update(db: Database, now: datetime, user: User, task: Row, values: dict[str, Any]) -> None:
    """TSK-6: the creator, the assignee and admins edit; fields not given keep their values."""
    if not authz.may_edit_task(user, task):
        raise Forbidden("Only the task's creator, its assignee and admins can edit it.")
    merged = {
        "title": task["title"],
        "description": task["description"],
        "due_at": task["due_at"],
        "assignee_user_id": task["assignee_user_id"],
        "assignee_office_id": task["assignee_office_id"],
        **values,
    }
    if "assignee_user_id" in values and values["assignee_user_id"] is not None:
        merged["assignee_office_id"] = values.get("assignee_office_id")
    elif "assignee_office_id" in values and values["assignee_office_id"] is not None:
        merged["assignee_user_id"] = None
    draft = await check(db, user, merged, task.get("link_office_id"))
    office_id = draft.assignee_office_id if draft.assignee_office_id is not None else task["office_id"]
    await _guarded(
        db,
        [
            q(
                "UPDATE tasks SET title = ?, description = ?, due_at = ?, assignee_user_id = ?,"
                " assignee_office_id = ?, office_id = ?, updated_at = ?, version = version + 1"
                " WHERE id = ? AND version = ?",
                draft.title,
                draft.description,
                draft.due_at,
                draft.assignee_user_id,
                draft.assignee_office_id,
                office_id,
                iso(now),
                task["id"],
                task["version"],
            ),
            records.guard_changed(),
        ],
        "Someone else changed this task a moment ago. Reload it and try again.",
    )


async def delete(db: Database, now: datetime, user: User, task: Row) -> None:
    if not authz.may_edit_task(user, task):
        raise Forbidden("Only the task's creator, its assignee and admins can delete it.")
    await _guarded(
        db,
        [
            q("DELETE FROM tasks WHERE id = ? AND version = ?", task["id"], task["version"]),
            records.guard_changed(),
            records.audit(
                now, user.actor, "task.deleted", f"Task “{task['title']}” deleted", office_id=task["office_id"]
            ),
        ],
        "Someone else changed this task a moment ago. Reload it and try again.",
    )


def public(row: Row) -> dict[str, Any]:
    """A task as the API answers it (DOMAIN.md names)."""
    link = None
    if row["link_kind"]:
        display = row.get(f"{row['link_kind']}_display_id")
        link = {
            "kind": row["link_kind"],
            "id": display or str(row["link_id"]),
            "name": row.get(f"{row['link_kind']}_name"),
        }
    assignee = (
        {"kind": "user", "id": row["assignee_user_id"], "name": row["assignee_user_name"]}
        if row["assignee_user_id"] is not None
        else {"kind": "office", "id": row["assignee_office_id"], "name": row["assignee_office_name"]}
    )
    return {
        "id": row["id"],
        "title": row["title"],
        "description": row["description"],
        "due_at": row["due_at"],
        "assignee": assignee,
        "link": link,
        "created_by": row["created_by_label"],
        "created_at": row["created_at"],
        "done_at": row["done_at"],
        "done_by": row["done_by_label"] or None,
        "ticket_id": row.get("ticket_display_id") if row["link_kind"] == "ticket" else None,
        "recurring_template_id": row["template_id"],
        "version": row["version"],
    }


def is_overdue(row: Row, now: datetime) -> bool:
    return row["done_at"] is None and row["due_at"] is not None and parse(row["due_at"]) < now


def move_customer(from_customer_id: int, to_customer_id: int) -> Statement:
    """Customer merge: the tasks linked to one customer now link to the keeper (ops/customer_merge.py)."""
    return q(
        "UPDATE tasks SET link_id = ? WHERE link_kind = 'customer' AND link_id = ?", to_customer_id, from_customer_id
    )

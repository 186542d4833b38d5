"""Recurring tasks (RTK-1…RTK-10): owner templates and the 15-minute tick that makes their tasks.

The tick reads "now" in America/New_York (X-14), and for each active template decides whether today
fires (daily always; weekly on its weekday; monthly on its day, clamped to the month's last day —
RTK-7's decision) and whether the time of day has passed (a time the spring-forward skips counts as
passed from 03:00, RTK-8). Only today is considered (no back-fill, RTK-6). The occurrence stamp and
the task are one batch: `INSERT … ON CONFLICT DO NOTHING` on (template, key), then the task only if
that insert changed a row, so overlapping ticks make one task (RTK-9)."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from accounts import authz, users
from accounts.users import User
from core import records
from core.clock import iso
from core.errors import Invalid, NotFound
from core.records import SYSTEM, Actor
from core.storage import Database, Row, Statement, q
from tasks import tasks

ZONE = ZoneInfo("America/New_York")
CADENCES = ("daily", "weekly", "monthly")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def occurrence_key(cadence: str, day: date) -> str:
    """RTK-3/RTK-5: `2026-05-01` daily, ISO week `2026-W18` weekly, `2026-05` monthly."""
    if cadence == "daily":
        return day.isoformat()
    if cadence == "weekly":
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return f"{day.year:04d}-{day.month:02d}"


def fires_on(template: Row | dict[str, Any], day: date) -> bool:
    if template["cadence"] == "daily":
        return True
    if template["cadence"] == "weekly":
        return day.isoweekday() == template["weekday"]
    last = calendar.monthrange(day.year, day.month)[1]
    return day.day == min(int(template["month_day"]), last)  # RTK-7: 29–31 → a shorter month's last day


def due_instant(day: date, time_of_day: str) -> datetime:
    """DAY at the template's New York time, as a UTC instant (RTK-8). A wall time the spring-forward
    skips (02:30) is due from 03:00 EDT; an ambiguous one in the fall-back hour is its first (EDT)."""
    hour, minute = (int(p) for p in time_of_day.split(":"))
    local = datetime.combine(day, time(hour, minute), ZONE)
    round_trip = local.astimezone(UTC).astimezone(ZONE)
    if (round_trip.hour, round_trip.minute) != (hour, minute):  # inside the gap
        local = datetime.combine(day, time(3, 0), ZONE)
    return local.astimezone(UTC)


def check(values: dict[str, Any]) -> dict[str, Any]:
    problems = tasks._text_problems(str(values.get("title") or ""), str(values.get("description") or ""))
    cadence = values.get("cadence")
    out: dict[str, Any] = {"weekday": None, "month_day": None}
    if cadence not in CADENCES:
        problems["cadence"] = "Choose daily, weekly or monthly."
    elif cadence == "weekly":
        if not isinstance(values.get("weekday"), int) or not 1 <= values["weekday"] <= 7:
            problems["weekday"] = "Choose a day of the week (1 = Monday … 7 = Sunday)."
        else:
            out["weekday"] = values["weekday"]
    elif cadence == "monthly":
        if not isinstance(values.get("month_day"), int) or not 1 <= values["month_day"] <= 31:
            problems["month_day"] = "Choose a day of the month, 1–31."
        else:
            out["month_day"] = values["month_day"]
    tod = str(values.get("time_of_day") or "")
    try:
        hour, minute = (int(p) for p in tod.split(":"))
        if not (0 <= hour < 24 and minute in (0, 15, 30, 45)) or len(tod) != 5:
            raise ValueError
    except ValueError:
        problems["time_of_day"] = "Choose a time on a 15-minute step, e.g. 09:00 or 16:45."
    if (values.get("assignee_user_id") is None) == (values.get("assignee_office_id") is None):
        problems["assignee"] = "Assign the task to one person or one office."
    if problems:
        raise Invalid(problems)
    return {
        **out,
        "title": str(values["title"]).strip(),
        "description": str(values.get("description") or "").strip(),
        "cadence": cadence,
        "time_of_day": tod,
        "assignee_user_id": values.get("assignee_user_id"),
        "assignee_office_id": values.get("assignee_office_id"),
        "active": 1 if values.get("active", True) else 0,
    }


async def _check_assignee(db: Database, owner: User, fields: dict[str, Any]) -> None:
    if fields["assignee_office_id"] is not None:
        if await db.first("SELECT 1 FROM offices WHERE id = ? AND active = 1", fields["assignee_office_id"]) is None:
            raise Invalid("Choose an active office.", "assignee_office_id")
    else:
        target = await users.get(db, int(fields["assignee_user_id"]))
        if target is None or not authz.may_assign_user(owner, target, None):
            raise Invalid("Choose an active teammate.", "assignee_user_id")


async def create(db: Database, now: datetime, owner: User, values: dict[str, Any]) -> int:
    fields = check(values)
    await _check_assignee(db, owner, fields)
    results = await db.batch(
        [
            q(
                "INSERT INTO task_templates (title, description, cadence, weekday, month_day, time_of_day,"
                " assignee_user_id, assignee_office_id, active, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                *(fields[k] for k in ("title", "description", "cadence", "weekday", "month_day", "time_of_day")),
                fields["assignee_user_id"],
                fields["assignee_office_id"],
                fields["active"],
                iso(now),
                iso(now),
            ),
            records.audit(now, owner.actor, "task_template.created", f"Recurring task “{fields['title']}” added"),
        ]
    )
    return int(results[0].last_row_id or 0)


async def update(db: Database, now: datetime, owner: User, template: Row, values: dict[str, Any]) -> None:
    fields = check({**dict(template), "active": bool(template["active"]), **values})
    await _check_assignee(db, owner, fields)
    await db.batch(
        [
            q(
                "UPDATE task_templates SET title = ?, description = ?, cadence = ?, weekday = ?, month_day = ?,"
                " time_of_day = ?, assignee_user_id = ?, assignee_office_id = ?, active = ?, updated_at = ?,"
                " version = version + 1 WHERE id = ? AND version = ?",
                *(fields[k] for k in ("title", "description", "cadence", "weekday", "month_day", "time_of_day")),
                fields["assignee_user_id"],
                fields["assignee_office_id"],
                fields["active"],
                iso(now),
                template["id"],
                template["version"],
            ),
            records.guard_changed(),
            records.audit(now, owner.actor, "task_template.changed", f"Recurring task “{fields['title']}” changed"),
        ]
    )


async def delete(db: Database, now: datetime, owner: User, template: Row) -> None:
    """RTK-4: the tasks it made stay."""
    await db.batch(
        [
            q("DELETE FROM task_templates WHERE id = ?", template["id"]),
            records.audit(now, owner.actor, "task_template.deleted", f"Recurring task “{template['title']}” deleted"),
        ]
    )


async def get(db: Database, template_id: int) -> Row:
    row = await db.first("SELECT * FROM task_templates WHERE id = ?", template_id)
    if row is None:
        raise NotFound("We couldn't find that recurring task.")
    return row


async def all_templates(db: Database) -> list[Row]:
    return await db.all(
        "SELECT t.*, u.name AS assignee_user_name, o.name AS assignee_office_name FROM task_templates t"
        " LEFT JOIN users u ON u.id = t.assignee_user_id LEFT JOIN offices o ON o.id = t.assignee_office_id"
        " ORDER BY t.active DESC, t.time_of_day, t.id"
    )


def _occurrence(now: datetime, template: Row, day: date, due: datetime) -> list[Statement]:
    key = occurrence_key(template["cadence"], day)
    draft = tasks.Draft(
        template["title"],
        template["description"],
        iso(due),
        template["assignee_user_id"],
        template["assignee_office_id"],
    )
    return [
        q(
            "INSERT INTO task_occurrences (template_id, occurrence_key, created_at) VALUES (?, ?, ?)"
            " ON CONFLICT (template_id, occurrence_key) DO NOTHING",
            template["id"],
            key,
            iso(now),
        ),
        tasks.generated(now, draft, template["id"], key),
    ]


def due_probe() -> Statement:
    """A row when any template is active, so `tick` may have work (the cron dispatcher's probe)."""
    return q("SELECT 1 AS due FROM task_templates WHERE active = 1 LIMIT 1")


async def tick(db: Database, now: datetime, actor: Actor = SYSTEM) -> dict[str, int]:
    """RTK-3: one pass over the active templates for today in New York. Returns how many fired."""
    today = now.astimezone(ZONE).date()
    made = 0
    for template in await db.all("SELECT * FROM task_templates WHERE active = 1 ORDER BY id"):
        if template["assignee_user_id"] is None and template["assignee_office_id"] is None:
            continue  # its assignee was removed: nothing to assign it to
        if not fires_on(template, today):
            continue
        due = due_instant(today, template["time_of_day"])
        if now < due:
            continue
        results = await db.batch(_occurrence(now, template, today, due))
        made += results[1].changes
    return {"recurring_tasks_made": made}

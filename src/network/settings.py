"""Job settings (Maintenance → Job settings, owner; JS-1…JS-6): job types, job partners, cancel
reasons, job tags, and the ASK FOR UPDATE hours.

The four lists share one shape (a label or name unique without regard to case, a sort position, an
active flag, a version) and one set of verbs. Removing a value that a record uses (a contractor's job
type, a zone's, later a job's) deactivates it instead (JS-6): the DELETE is tried and the foreign key
that refuses it turns it into a deactivation, in the same request, so no check can race a new use.
Jobs keep their own label snapshot, so renaming never rewrites history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core import email as mail
from core import records
from core.clock import iso
from core.errors import Conflict, Invalid, NotFound
from core.records import Actor
from core.storage import Database, IntegrityError, Row, q
from network import values


@dataclass(frozen=True)
class Kind:
    table: str
    name_col: str  # "label" or "name"
    noun: str  # "job type"
    extra: tuple[str, ...] = ()  # keep_rate_bp, report_email, color


KINDS: dict[str, Kind] = {
    "job_types": Kind("job_types", "label", "job type"),
    "job_partners": Kind("job_partners", "name", "job partner", ("keep_rate_bp", "report_email")),
    "cancel_reasons": Kind("cancel_reasons", "label", "cancel reason"),
    "job_tags": Kind("job_tags", "label", "job tag", ("color",)),
}

ASK_FOR_UPDATE_RANGE = (1, 720)


async def all_values(db: Database, kind: Kind, *, active_only: bool = False) -> list[Row]:
    where = " WHERE active = 1" if active_only else ""
    return await db.all(f"SELECT * FROM {kind.table}{where} ORDER BY position, {kind.name_col} COLLATE NOCASE, id")


async def value_for(db: Database, kind: Kind, value_id: int) -> Row | None:
    """The access function: job settings are company-wide, so any id that exists is visible."""
    return await db.first(f"SELECT * FROM {kind.table} WHERE id = ?", value_id)


def _checked(kind: Kind, fields: dict[str, Any]) -> dict[str, Any]:
    """The columns to write from API fields, each checked (a 422 names the field)."""
    out: dict[str, Any] = {}
    if kind.name_col in fields:
        out[kind.name_col] = values.label(fields[kind.name_col], kind.name_col, 60)
    if "position" in fields:
        position = fields["position"]
        if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position <= 10_000:
            raise Invalid("position: a whole number from 0 to 10000.", "position")
        out["position"] = position
    if "active" in fields:
        out["active"] = int(bool(fields["active"]))
    if "keep_rate_bp" in kind.extra and "keep_rate_percent" in fields:
        keep = values.percent_bp(fields["keep_rate_percent"], "keep_rate_percent")
        out["keep_rate_bp"] = 0 if keep is None else keep
    if "color" in kind.extra and "color" in fields:
        out["color"] = values.color(fields["color"])
    if "report_email" in kind.extra and "report_email" in fields:  # FIN-8: where its weekly summary goes
        out["report_email"] = _report_email(fields["report_email"])
    return out


def _report_email(raw: Any) -> str:
    text = str(raw or "").strip().lower()
    if text and (len(text) > 254 or not mail.valid_address(text)):
        raise Invalid("report_email: an email address like payouts@partner.com, or blank for none.", "report_email")
    return text


def _taken(kind: Kind, name: str) -> Conflict:
    return Conflict(f"{kind.name_col}: a {kind.noun} named {name!r} already exists.")


async def _refuse_taken(db: Database, kind: Kind, name: str, own_id: int | None = None) -> None:
    row = await db.first(f"SELECT id FROM {kind.table} WHERE {kind.name_col} = ? COLLATE NOCASE", name)
    if row and row["id"] != own_id:
        raise _taken(kind, name)


async def create_value(db: Database, now: datetime, actor: Actor, kind: Kind, fields: dict[str, Any]) -> Row:
    cols = _checked(kind, fields)
    if kind.name_col not in cols:
        raise Invalid(f"{kind.name_col}: required.", kind.name_col)
    await _refuse_taken(db, kind, cols[kind.name_col])
    cols.setdefault("position", None)
    names = list(cols)
    marks = ", ".join(
        f"COALESCE(?, (SELECT COALESCE(MAX(position), 0) + 1 FROM {kind.table}))" if n == "position" else "?"
        for n in names
    )
    try:
        results = await db.batch(
            [
                q(
                    f"INSERT INTO {kind.table} ({', '.join(names)}, created_at, updated_at) VALUES ({marks}, ?, ?)"
                    " RETURNING id",
                    *cols.values(),
                    iso(now),
                    iso(now),
                ),
                records.audit(
                    now, actor, f"{kind.table}.created", f"{kind.noun.capitalize()} {cols[kind.name_col]} added"
                ),
            ]
        )
    except IntegrityError:
        raise _taken(kind, cols[kind.name_col]) from None
    row = await value_for(db, kind, results[0].rows[0]["id"])
    assert row is not None
    return row


async def update_value(db: Database, now: datetime, actor: Actor, kind: Kind, row: Row, fields: dict[str, Any]) -> Row:
    cols = _checked(kind, fields)
    if not cols:
        return row
    if kind.name_col in cols:
        await _refuse_taken(db, kind, cols[kind.name_col], row["id"])
    sets = ", ".join(f"{c} = ?" for c in cols)
    try:
        await db.batch(
            [
                q(
                    f"UPDATE {kind.table} SET {sets}, version = version + 1, updated_at = ?"
                    " WHERE id = ? AND version = ?",
                    *cols.values(),
                    iso(now),
                    row["id"],
                    row["version"],
                ),
                records.guard_changed(),
                records.audit(
                    now,
                    actor,
                    f"{kind.table}.updated",
                    f"{kind.noun.capitalize()} {cols.get(kind.name_col, row[kind.name_col])} changed",
                    meta={"id": row["id"], **cols},
                ),
            ]
        )
    except records.LostRace:
        raise Conflict() from None
    except IntegrityError:
        raise _taken(kind, str(cols.get(kind.name_col) or row[kind.name_col])) from None
    updated = await value_for(db, kind, row["id"])
    if updated is None:
        raise NotFound(f"That {kind.noun} was removed meanwhile.")
    return updated


async def remove_value(db: Database, now: datetime, actor: Actor, kind: Kind, row: Row) -> str:
    """Delete the value, or deactivate it when something uses it (JS-6). Returns what happened."""
    name = row[kind.name_col]
    try:
        await db.batch(
            [
                q(f"DELETE FROM {kind.table} WHERE id = ?", row["id"]),
                records.audit(now, actor, f"{kind.table}.deleted", f"{kind.noun.capitalize()} {name} deleted"),
            ]
        )
        return "deleted"
    except IntegrityError:
        pass
    await db.batch(
        [
            q(
                f"UPDATE {kind.table} SET active = 0, version = version + 1, updated_at = ? WHERE id = ?",
                iso(now),
                row["id"],
            ),
            records.audit(
                now, actor, f"{kind.table}.deactivated", f"{kind.noun.capitalize()} {name} is in use: deactivated"
            ),
        ]
    )
    return "deactivated"


# --- the ASK FOR UPDATE hours (JS-5) ---------------------------------------------------------------


async def job_settings(db: Database) -> Row:
    row = await db.first("SELECT * FROM job_settings WHERE id = 1")
    assert row is not None, "migration 0020 inserts the job settings row"
    return row


async def set_ask_for_update_hours(db: Database, now: datetime, actor: Actor, hours: Any) -> Row:
    low, high = ASK_FOR_UPDATE_RANGE
    if not isinstance(hours, int) or isinstance(hours, bool) or not low <= hours <= high:
        raise Invalid(f"ask_for_update_hours: a whole number of hours from {low} to {high}.", "ask_for_update_hours")
    await db.batch(
        [
            q(
                "UPDATE job_settings SET ask_for_update_hours = ?, version = version + 1, updated_at = ? WHERE id = 1",
                hours,
                iso(now),
            ),
            records.audit(now, actor, "job_settings.updated", f"ASK FOR UPDATE after {hours} hours"),
        ]
    )
    return await job_settings(db)

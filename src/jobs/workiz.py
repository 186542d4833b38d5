"""Importing jobs from a Workiz export (IMP-1…IMP-10).

Flow (IMP-3): `preview` reads the file (.xlsx or .csv, columns by header name, IMP-1), keeps its rows
in a batch (`job_imports`, `job_import_rows`) for the chosen office and company, and answers the
distinct Tech / Source / Type values no contractor / partner / job type matches (IMP-6: case-
insensitive, whitespace-collapsed exact names; no fuzzy match). `commit` takes the person's mapping
(each value once) and creates the jobs in chunks, each chunk one batch behind the batch's cursor,
so a commit cut short is re-run to the same result (IMP-9); each call does a bounded number of rows
and answers the progress, and the page calls again until it is done.

Each row (IMP-2): Job # → kept as `workiz_number` (a fresh JOB-#### is issued); a number already
imported into the office is skipped as "already imported" (IMP-7). Client → last word = last name,
the rest = first name. Scheduled → start; end = start + 2 hours. Status → IMP-5's table (Pending gets
a follow-up one hour after the import). Address + City (+ State, Zip) → the address; the time zone is
the ZIP's, else the office's (X-15); no geocoding here (the reminders place a job when needed).
Imported jobs get an "Imported from Workiz" timeline entry and write no job events (IMP-4): no webhook
or event automation fires. Required-status fields are waived (IMP-5). A row with no partner, no job
type, an unreadable date or an unreadable phone is skipped with its reason, listed at the end.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import uuid4

from accounts import authz
from accounts.users import User
from core import phones, records, sheets
from core.clock import iso
from core.errors import Conflict, Invalid, NotFound
from core.storage import Database, Row, Statement, q
from jobs import record, schedule

MAX_ROWS = 5_000
MAX_BYTES = 10 * 1024 * 1024
CHUNK = 250  # rows per batch
PER_CALL = 2_500  # rows one commit call settles at most
STORE_CHUNK = 500  # rows per statement when the preview stores them

# Workiz header → our key. Headers are compared case-insensitively with spaces collapsed.
HEADERS = {
    "job #": "number", "job": "number", "job number": "number", "job no": "number",
    "client": "client", "client name": "client", "customer": "client",
    "scheduled": "scheduled", "scheduled date": "scheduled", "date": "scheduled",
    "phone": "phone", "client phone": "phone",
    "status": "status",
    "tech": "tech", "technician": "tech",
    "address": "address", "city": "city", "state": "state", "zip": "zip", "zip code": "zip", "postal code": "zip",
    "source": "source", "job source": "source",
    "type": "type", "job type": "type",
}  # fmt: skip
REQUIRED = ("client", "scheduled")
STATUSES = {
    "submitted": "submitted", "scheduled": "submitted", "in progress": "in_progress", "pending": "pending",
    "done": "done", "completed": "done", "canceled": "cancelled", "cancelled": "cancelled",
}  # fmt: skip
KINDS = {"tech": "contractors", "source": "job_partners", "type": "job_types"}
NOTE = "📥 Imported from Workiz"


def key(value: str) -> str:
    """IMP-6: how names are compared."""
    return " ".join(value.split()).casefold()


def _header(rows: list[sheets.SheetRow]) -> tuple[int, dict[str, int]]:
    """The header row (the first of the first five rows naming Client and Scheduled) and its columns."""
    for i, row in enumerate(rows[:5]):
        found: dict[str, int] = {}
        for index, cell in enumerate(row.cells):
            name = HEADERS.get(key(cell).rstrip(":"))
            if name and name not in found:
                found[name] = index
        if all(r in found for r in REQUIRED):
            return i, found
    raise Invalid(
        "file: no header row found. The first row must name the columns: Job #, Client, Scheduled, Phone, "
        "Status, Tech, Address, City, Source, Type.",
        "file",
    )


def read(data: bytes) -> list[dict[str, Any]]:
    """The file's rows as {"row": sheet row number, key: text}; one clear 422 for a bad file."""
    rows = sheets.read_rows(data, MAX_ROWS + 5, "job", max_bytes=MAX_BYTES)
    start, columns = _header(rows)
    body = rows[start + 1 :]
    if len(body) > MAX_ROWS:
        raise Invalid(f"file: at most {MAX_ROWS:,} jobs in one import; split the file.", "file")
    if not body:
        raise Invalid("file: the sheet has a header row but no jobs under it.", "file")
    return [{"row": r.number, **{k: r.cell(i) for k, i in columns.items()}} for r in body]


# --- parsing one row ------------------------------------------------------------------------------

_FORMATS = (
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
    "%m/%d/%Y %I:%M %p", "%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M", "%m/%d/%y %I:%M %p", "%m/%d/%y %H:%M",
    "%b %d, %Y %I:%M %p", "%a, %b %d, %Y %I:%M %p", "%b %d %Y %I:%M %p",
    "%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y",
)  # fmt: skip


_US = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:[ T,]+(\d{1,2}):(\d{2})(?::\d{2})?\s*([AaPp][Mm])?)?")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?\s*([AaPp][Mm])?)?")


def _fast(text: str) -> datetime | None:
    """The two shapes Workiz and spreadsheets write (`11/24/2026 9:00 AM`, `2026-11-24 09:00:00`)."""
    if m := _US.fullmatch(text):
        month, day, year, hour, minute, half = m.groups()
        year = year if len(year) == 4 else f"20{year}"
    elif m := _ISO.fullmatch(text):
        year, month, day, hour, minute, half = m.groups()
    else:
        return None
    h, mi = int(hour or 0), int(minute or 0)
    if half:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if half.lower() == "pm" else 0)
    try:
        return datetime(int(year), int(month), int(day), h, mi)
    except ValueError:
        return None


def scheduled(text: str) -> datetime | None:
    t = " ".join(text.replace(" at ", " ").split())
    found = _fast(t)
    if found is not None:
        return found
    t = re.sub(r"(?i)(\d)(am|pm)$", r"\1 \2", t)
    for f in _FORMATS:
        try:
            return datetime.strptime(t, f)
        except ValueError:
            continue
    return None


def split_name(client: str) -> tuple[str, str]:
    """IMP-2: the last word is the last name; the rest (a middle name stays) is the first name."""
    words = client.split()
    if len(words) <= 1:
        return (words[0] if words else "", "")
    return " ".join(words[:-1]), words[-1]


def status_of(text: str) -> tuple[str, bool]:
    """IMP-5: (our status, known?); anything else is Submitted with a warning."""
    found = STATUSES.get(key(text))
    return (found, True) if found else ("submitted", not text.strip())


# --- the batch ------------------------------------------------------------------------------------


async def _names(db: Database) -> dict[str, dict[str, Row]]:
    """What IMP-6 matches against, by compared name."""
    contractors = await db.all("SELECT id, name, profit_share_bp FROM contractors WHERE active = 1")
    partners = await db.all("SELECT id, name FROM job_partners WHERE active = 1")
    types = await db.all("SELECT id, label AS name FROM job_types WHERE active = 1")
    return {
        "tech": {key(r["name"]): r for r in contractors},
        "source": {key(r["name"]): r for r in partners},
        "type": {key(r["name"]): r for r in types},
    }


def unmatched(rows: list[dict[str, Any]], names: dict[str, dict[str, Row]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for kind in KINDS:
        seen: dict[str, str] = {}
        for r in rows:
            value = (r.get(kind) or "").strip()
            if value and key(value) not in names[kind] and key(value) not in seen:
                seen[key(value)] = " ".join(value.split())
        out[kind] = sorted(seen.values(), key=str.casefold)
    return out


def _warnings(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        if r.get("scheduled") and scheduled(r["scheduled"]) is None:
            out.append({"row": r["row"], "message": f"unreadable date {r['scheduled'][:40]!r}: will be skipped"})
        if not status_of(r.get("status") or "")[1]:
            out.append({"row": r["row"], "message": f"unknown status {r['status'][:30]!r}: imported as Submitted"})
    return out[:200]


async def preview(
    db: Database, now: datetime, user: User, office_id: Any, company: str, file_name: str, data: bytes
) -> dict[str, Any]:
    """IMP-3's first step: read and keep the rows, answer what needs mapping."""
    office = await db.first(
        "SELECT id, name, time_zone FROM offices WHERE id = ? AND jobs_enabled = 1 AND active = 1", office_id
    )
    if office is None or not authz.visible_office(user, office["id"]):
        raise Invalid("office_id: choose one of your offices with Jobs on.", "office_id")
    rows = read(data)
    uuid = str(uuid4())
    company = " ".join((company or "").split())[:200] or office["name"]
    statements: list[Statement] = [
        q(
            "INSERT INTO job_imports (uuid, office_id, company, file_name, total_rows, created_by, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            uuid, office["id"], company, file_name[:200], len(rows), user.id, iso(now),
        )
    ]  # fmt: skip
    for i in range(0, len(rows), STORE_CHUNK):
        part = json.dumps([[r["row"], json.dumps(r)] for r in rows[i : i + STORE_CHUNK]])
        statements.append(
            q(
                "INSERT INTO job_import_rows (import_id, row_no, data) SELECT"
                " (SELECT id FROM job_imports WHERE uuid = ?), json_extract(value, '$[0]'), json_extract(value, '$[1]')"
                " FROM json_each(?)",
                uuid, part,
            )
        )  # fmt: skip
    await db.batch(statements)
    return {
        "id": uuid,
        "office_id": office["id"],
        "company": company,
        "total_rows": len(rows),
        "unmatched": unmatched(rows, await _names(db)),
        "warnings": _warnings(rows),
    }


async def batch_of(db: Database, user: User, uuid: str) -> Row:
    row = await db.first("SELECT * FROM job_imports WHERE uuid = ?", uuid)
    if row is None or not authz.visible_office(user, row["office_id"]):
        raise NotFound("No such import.")
    return row


def _resolve(
    kind: str,
    value: str,
    names: dict[str, dict[str, Row]],
    mapping: dict[str, dict[str, Any]],
    by_id: dict[str, dict[int, Row]],
) -> Row | None:
    if not value.strip():
        return None
    found = names[kind].get(key(value))
    if found is not None:
        return found
    chosen = {key(k): v for k, v in mapping.get(kind, {}).items()}.get(key(value))
    return by_id[kind].get(chosen) if isinstance(chosen, int) else None


def _follow_up(now: datetime, zone_name: str) -> dict[str, Any]:
    due = (now + timedelta(hours=1)).astimezone(schedule.zone(zone_name))
    return {
        "follow_up_date": due.date().isoformat(),
        "follow_up_time": due.strftime("%H:%M"),
        "follow_up_at": iso(now + timedelta(hours=1)),
    }


@dataclass
class Plan:
    columns: dict[str, Any] | None
    outcome: str


def plan_row(r: dict[str, Any], ctx: dict[str, Any], now: datetime) -> Plan:
    """One row → the job's columns, or the reason it is skipped."""
    names, mapping, by_id = ctx["names"], ctx["mapping"], ctx["by_id"]
    partner = _resolve("source", r.get("source") or "", names, mapping, by_id)
    if partner is None:
        return Plan(
            None,
            "skipped: no partner (Source)"
            if not (r.get("source") or "").strip()
            else f"skipped: partner {r['source'][:40]!r} not mapped",
        )
    job_type = _resolve("type", r.get("type") or "", names, mapping, by_id)
    if job_type is None:
        return Plan(
            None,
            "skipped: no job type (Type)"
            if not (r.get("type") or "").strip()
            else f"skipped: job type {r['type'][:40]!r} not mapped",
        )
    start = scheduled(r.get("scheduled") or "")
    if start is None:
        return Plan(None, f"skipped: unreadable date {(r.get('scheduled') or '')[:40]!r}")
    raw_phone = (r.get("phone") or "").strip()
    number = phones.normalize(raw_phone)
    if raw_phone and not (number.e164 and number.last10):
        return Plan(None, f"skipped: unreadable phone {raw_phone[:40]!r}")
    first, last = split_name(r.get("client") or "")
    if not first:
        return Plan(None, "skipped: no client name")
    contractor = _resolve("tech", r.get("tech") or "", names, mapping, by_id)
    zip_code = re.sub(r"[^0-9]", "", r.get("zip") or "")[:5]
    zone_name = schedule.zone_for(zip_code, ctx["office_zone"])
    end = start + timedelta(hours=2)  # IMP-2: end = start + 2 hours
    window = schedule.Window(
        start.date().isoformat(), start.strftime("%H:%M"), end.date().isoformat(), end.strftime("%H:%M")
    )
    status, _ = status_of(r.get("status") or "")
    columns: dict[str, Any] = {
        "uuid": str(uuid4()), "office_id": ctx["office_id"], "company": ctx["company"],
        "first_name": first[:200], "last_name": last[:200],
        "phone": number.e164 or "", "phone_last10": number.last10 or "",
        "address": (r.get("address") or "")[:300], "city": (r.get("city") or "")[:100],
        "state": (r.get("state") or "")[:20], "postal_code": zip_code,
        "job_type_id": job_type["id"], "job_type_label": job_type["name"],
        "partner_id": partner["id"], "partner_label": partner["name"],
        "contractor_id": contractor["id"] if contractor else None,
        "contractor_name": contractor["name"] if contractor else "",
        "profit_share_bp": contractor["profit_share_bp"] if contractor else None,
        "profit_bp": contractor["profit_share_bp"] if contractor and status == "done" else None,
        "time_zone": zone_name, "status": status,
        "follow_up_date": None, "follow_up_time": None, "follow_up_at": None,
        "workiz_number": (r.get("number") or "").strip()[:40] or None, "created_by": ctx["user_id"],
    } | window.columns(zone_name)  # fmt: skip
    if status == "pending":  # IMP-2: a follow-up due in the next hour
        columns |= _follow_up(now, zone_name)
    return Plan(columns, "")


async def _context(db: Database, user: User, batch: Row, mapping: dict[str, dict[str, Any]]) -> dict[str, Any]:
    names = await _names(db)
    by_id = {kind: {r["id"]: r for r in named.values()} for kind, named in names.items()}
    office = await db.first("SELECT time_zone FROM offices WHERE id = ?", batch["office_id"])
    assert office is not None
    return {"names": names, "by_id": by_id, "mapping": mapping, "office_id": batch["office_id"],
            "office_zone": office["time_zone"], "company": batch["company"], "user_id": user.id}  # fmt: skip


def check_mapping(raw: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, dict) or set(raw) - set(KINDS):
        raise Invalid("mapping: {tech: {value: id|null}, source: {…}, type: {…}}.", "mapping")
    for kind, values in raw.items():
        if not isinstance(values, dict) or any(
            v is not None and (not isinstance(v, int) or isinstance(v, bool)) for v in values.values()
        ):
            raise Invalid(f"mapping: {kind} maps each value to an id or null.", "mapping")
    return raw


async def commit(db: Database, now: datetime, user: User, batch: Row, mapping: Any) -> dict[str, Any]:
    """IMP-3's last step, PER_CALL rows at a time: call again until `state` is `done`."""
    if batch["state"] == "preview":
        mapping = check_mapping(mapping or {})
        await db.batch(
            [
                q(
                    "UPDATE job_imports SET state = 'running', mapping = ? WHERE id = ? AND state = 'preview'",
                    json.dumps(mapping),
                    batch["id"],
                ),
                records.guard_changed(),
            ]
        )
    else:
        stored = json.loads(batch["mapping"])
        if mapping is not None and check_mapping(mapping) != stored:
            raise Conflict("This import already started with another mapping; it finishes with that one.")
        mapping = stored
    ctx = await _context(db, user, batch, mapping)
    cursor = batch["next_row"]
    done_rows = 0
    while done_rows < PER_CALL:
        rows = await db.all(
            "SELECT row_no, data FROM job_import_rows WHERE import_id = ? AND row_no > ? ORDER BY row_no LIMIT ?",
            batch["id"], cursor, CHUNK,
        )  # fmt: skip
        if not rows:
            break
        try:
            await db.batch(await _chunk(db, now, user, batch, ctx, rows, cursor))
        except records.LostRace:
            raise Conflict("Another run of this import is writing the same rows; wait for it.") from None
        cursor = rows[-1]["row_no"]
        done_rows += len(rows)
    return await progress(db, batch["uuid"])


def _sort(plans: list[tuple[int, Plan]], existing: dict[str, str]) -> tuple[list[dict[str, Any]], list[list[Any]]]:
    """The rows to create and every row's outcome (IMP-7: a Workiz number seen before is skipped)."""
    new: list[dict[str, Any]] = []
    outcomes: list[list[Any]] = []
    seen: set[str] = set()
    for row_no, p in plans:
        outcome = p.outcome
        if p.columns is not None:
            n = p.columns["workiz_number"]
            if n and n in existing:
                outcome = f"skipped: already imported as {existing[n]}"
            elif n and n in seen:
                outcome = f"skipped: Job # {n} appears twice in the file"
            else:
                if n:
                    seen.add(n)
                new.append(p.columns)
                outcome = "created"
        outcomes.append([row_no, outcome])
    return new, outcomes


async def _chunk(
    db: Database, now: datetime, user: User, batch: Row, ctx: dict[str, Any], rows: list[Row], cursor: int
) -> list[Statement]:
    """One chunk as one batch: the cursor claim, the jobs, their timeline entries, the outcomes."""
    plans = [(r["row_no"], plan_row(json.loads(r["data"]), ctx, now)) for r in rows]
    numbers = sorted({p.columns["workiz_number"] for _, p in plans if p.columns and p.columns["workiz_number"]})
    existing = {
        r["workiz_number"]: r["display_id"]
        for r in await db.all(
            "SELECT workiz_number, display_id FROM jobs"
            " WHERE office_id = ? AND workiz_number IN (SELECT value FROM json_each(?))",
            batch["office_id"], json.dumps(numbers),
        )
    }  # fmt: skip
    new, outcomes = _sort(plans, existing)
    created = len(new)
    statements: list[Statement] = [
        q(
            "UPDATE job_imports SET next_row = ?, created = created + ?, skipped = skipped + ?,"
            " state = CASE WHEN ? >= (SELECT MAX(row_no) FROM job_import_rows WHERE import_id = ?)"
            " THEN 'done' ELSE state END,"
            " finished_at = CASE WHEN ? >= (SELECT MAX(row_no) FROM job_import_rows WHERE import_id = ?)"
            " THEN ? ELSE NULL END"
            " WHERE id = ? AND next_row = ?",
            rows[-1]["row_no"], created, len(rows) - created, rows[-1]["row_no"], batch["id"], rows[-1]["row_no"],
            batch["id"], iso(now), batch["id"], cursor,
        ),
        records.guard_changed(),
        # each row's outcome by its number: one primary-key probe per row, one JSON look-up each
        q(
            "UPDATE job_import_rows SET outcome = json_extract(?, '$.\"' || row_no || '\"')"
            " WHERE import_id = ? AND row_no IN (SELECT CAST(key AS INTEGER) FROM json_each(?))",
            json.dumps(dict(outcomes)),
            batch["id"],
            json.dumps(dict(outcomes)),
        ),
    ]  # fmt: skip
    if new:
        uuids = json.dumps([c["uuid"] for c in new])
        statements += record.insert_many(now, json.dumps(new), created)
        statements.append(
            records.timeline_rows(
                "SELECT 'job', j.id, j.office_id, 'sys', ? || ' (Job # ' || coalesce(j.workiz_number, '—') || ')',"
                " ?, ?, '{}', ? FROM jobs j WHERE j.uuid IN (SELECT value FROM json_each(?))",
                NOTE, user.id, user.name, iso(now), uuids,
            )
        )  # fmt: skip
        statements.append(
            records.audit(
                now, user.actor, "jobs.imported", f"Imported {created} jobs from Workiz",
                office_id=batch["office_id"], meta={"import": batch["uuid"], "created": created},
            )
        )  # fmt: skip
    return statements


async def progress(db: Database, uuid: str) -> dict[str, Any]:
    batch = await db.first("SELECT * FROM job_imports WHERE uuid = ?", uuid)
    assert batch is not None
    settled = await db.first(
        "SELECT COUNT(*) AS n FROM job_import_rows WHERE import_id = ? AND row_no <= ?", batch["id"], batch["next_row"]
    )
    out: dict[str, Any] = {
        "id": uuid,
        "state": batch["state"],
        "total_rows": batch["total_rows"],
        "done_rows": settled["n"] if settled else 0,
        "created": batch["created"],
        "skipped": batch["skipped"],
    }
    if batch["state"] == "done":
        skipped = await db.all(
            "SELECT row_no, outcome FROM job_import_rows WHERE import_id = ? AND outcome LIKE 'skipped:%'"
            " ORDER BY row_no LIMIT 1000",
            batch["id"],
        )
        out["skipped_rows"] = [{"row": r["row_no"], "reason": r["outcome"][len("skipped: ") :]} for r in skipped]
    return out

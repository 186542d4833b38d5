"""Creating and editing a job (JOB-1…JOB-18, JOB-25, JT-2): each verb one atomic batch with its
timeline entry, audit row and event. A change of an existing job is version-guarded: the loser of two
changes at once gets Conflict (409) and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import uuid4

from accounts import authz
from accounts.users import User
from core import records
from core.errors import Conflict, Invalid, NotFound
from core.geocoding import Geocoder
from core.storage import Database, Row, Statement
from jobs import inputs, record, schedule

CHANGED = "Someone else changed this job a moment ago. Reload it and try again."
OPEN = ("submitted", "in_progress", "deposit", "pending")  # JOB-18's duplicate check


@dataclass(frozen=True)
class Created:
    job: Row
    duplicates: list[str]  # JOB-18: open jobs already at this address (a warning, never a refusal)


def timeline(
    now: datetime, actor: records.Actor, job: Row | int, body: str, kind: str = "sys", **meta: Any
) -> Statement:
    job_id = job if isinstance(job, int) else job["id"]
    office = None if isinstance(job, int) else job["office_id"]
    return records.timeline(now, actor, "job", job_id, kind, body, office_id=office, meta=meta or None)


async def enabled_offices(db: Database) -> list[Row]:
    """X-8: the offices with the Jobs feature on (jobs elsewhere are left out of every read)."""
    return await db.all("SELECT id, name, time_zone FROM offices WHERE jobs_enabled = 1 AND active = 1 ORDER BY id")


async def office_for(db: Database, user: User, requested: Any) -> Row:
    """JOB-7: one of the user's offices with Jobs on, defaulting to their first."""
    mine = [o for o in await enabled_offices(db) if authz.visible_office(user, o["id"])]
    if not mine:
        raise Invalid("office_id: none of your offices has the Jobs feature on.", "office_id")
    if requested is None or requested == "":
        return mine[0]
    for office in mine:
        if office["id"] == requested:
            return office
    raise Invalid("office_id: choose one of your offices with Jobs on.", "office_id")


async def _links(db: Database, user: User, fields: dict[str, Any], office_id: int, last10: str) -> dict[str, Any]:
    """JOB-5 / JT-2: the lead (by display id, in the user's scope) and its customer; without a lead, the
    customer named, else the one customer of this office with the client's phone."""
    out: dict[str, Any] = {"lead_id": None, "customer_id": None}
    if fields.get("lead_id"):
        lead_scope, params = authz.lead_scope(user)
        lead = await db.first(
            f"SELECT l.id, l.customer_id FROM leads l WHERE l.display_id = ? AND {lead_scope}",
            str(fields["lead_id"]).strip().upper(),
            *params,
        )
        if lead is None:
            raise Invalid("lead_id: no such lead.", "lead_id")
        out["lead_id"], out["customer_id"] = lead["id"], lead["customer_id"]
    if fields.get("customer_id"):
        scope, params = authz.customer_scope(user)
        customer = await db.first(
            f"SELECT c.id FROM customers c WHERE c.display_id = ? AND {scope}",
            str(fields["customer_id"]).strip().upper(),
            *params,
        )
        if customer is None:
            raise Invalid("customer_id: no such customer.", "customer_id")
        out["customer_id"] = customer["id"]
    elif out["customer_id"] is None:
        same = await db.all(
            "SELECT id FROM customers WHERE phone_last10 = ? AND office_id = ? AND merged_into_id IS NULL LIMIT 2",
            last10,
            office_id,
        )
        out["customer_id"] = same[0]["id"] if len(same) == 1 else None
    return out


async def _dispatch_columns(db: Database, fields: dict[str, Any], columns: dict[str, Any]) -> None:
    """Type, partner, area (JOB-9, JOB-11, JOB-12) and the optional contractor with its profit share
    (JOB-13, FC-4), into COLUMNS."""
    job_type = await inputs.job_type(db, fields.get("job_type_id"))
    partner = await inputs.partner(db, fields.get("partner_id"))
    columns |= {"job_type_id": job_type["id"], "job_type_label": job_type["label"]}
    columns |= {"partner_id": partner["id"], "partner_label": partner["name"]}
    area = await inputs.area(db, fields["service_area_id"]) if fields.get("service_area_id") else None
    has_point = columns.get("lat") is not None and columns.get("lng") is not None
    if area is None and has_point:
        raise Invalid("service_area_id: pick the service area for this address.", "service_area_id")
    columns |= inputs.area_columns(area)
    columns |= {"contractor_id": None, "contractor_name": "", "profit_share_bp": None}
    if fields.get("contractor_id"):
        point = (float(columns["lat"]), float(columns["lng"])) if has_point else None
        contractor = await inputs.eligible_contractor(
            db,
            fields["contractor_id"],
            job_type_id=job_type["id"],
            area_id=columns["area_id"],
            point=point,
        )
        share = await inputs.profit_share(db, contractor, str(columns["postal_code"]), partner["name"])
        columns |= {"contractor_id": contractor["id"], "contractor_name": contractor["name"], "profit_share_bp": share}


async def check_new(
    db: Database, geocoder: Geocoder, user: User, fields: dict[str, Any]
) -> tuple[Row, dict[str, Any], list[int]]:
    """Everything a new job needs, checked; answers (office, columns, tag ids)."""
    office = await office_for(db, user, fields.get("office_id"))
    columns = inputs.client_columns(fields, creating=True)
    await inputs.place(geocoder, columns)
    await _dispatch_columns(db, fields, columns)
    zone_name = schedule.zone_for(str(columns["postal_code"]), office["time_zone"])
    window = schedule.window(fields)
    columns |= window.columns(zone_name) | {"time_zone": zone_name}
    columns["company"] = columns["company"] or office["name"]  # JOB-17
    columns["address_key"] = inputs.address_key(
        str(columns["address"]), str(columns["unit"]), str(columns["postal_code"])
    )
    columns |= await _links(db, user, fields, office["id"], str(columns["phone_last10"]))
    tag_ids = await inputs.tags(db, fields.get("tag_ids") or [])
    return office, columns, tag_ids


async def duplicates(db: Database, office_id: int, key: str, own_id: int | None = None) -> list[str]:
    """JOB-18: open, non-archived jobs of the office already at this normalized address."""
    if not key:
        return []
    rows = await db.all(
        "SELECT display_id FROM jobs INDEXED BY jobs_address"
        " WHERE office_id = ? AND address_key = ? AND address_key <> ''"
        " AND archived_at IS NULL AND status IN ('submitted', 'in_progress', 'deposit', 'pending') AND id IS NOT ?"
        " ORDER BY id LIMIT 10",
        office_id,
        key,
        own_id,
    )
    return [r["display_id"] for r in rows]


async def create_job(db: Database, geocoder: Geocoder, now: datetime, user: User, fields: dict[str, Any]) -> Created:
    """JOB-15: the job lands as Submitted with the next JOB-#### id."""
    office, columns, tag_ids = await check_new(db, geocoder, user, fields)
    warn = await duplicates(db, office["id"], str(columns["address_key"]))
    columns |= {"office_id": office["id"], "status": "submitted", "created_by": user.id}
    for _ in range(5):  # the number is read, then taken only if still next; a race retries
        last = await db.first("SELECT last FROM job_counter WHERE id = 1")
        assert last is not None
        number = int(last["last"]) + 1
        try:
            await db.batch(_create_statements(now, user, number, columns, tag_ids))
        except records.LostRace:
            continue
        job = await record.job_by_id(db, number)
        assert job is not None
        return Created(job, warn)
    raise Conflict("Too many jobs were created at once. Try again.")


def _create_statements(
    now: datetime, user: User, number: int, columns: dict[str, Any], tag_ids: list[int]
) -> list[Statement]:
    display = f"JOB-{number}"
    uuid = str(uuid4())
    job = record.by_uuid(uuid)
    office = columns["office_id"]
    actor = user.actor
    name = " ".join(str(p) for p in (columns["first_name"], columns["last_name"]) if p)
    out = [
        records.guard("(SELECT last FROM job_counter WHERE id = 1) = ?", number - 1),
        record.next_number(),
        record.insert(now, uuid, columns),
        *record.set_tags(job, tag_ids),
        records.timeline(now, actor, "job", job, "sys", f"🛠 Job {display} created", office_id=office),
        records.audit(
            now, actor, "job.created", f"Job {display} created for {name}", office_id=office, meta={"job": display}
        ),
        record.event(now, "job.created", job, {"status": "submitted"}),
    ]
    if columns.get("contractor_id"):  # JOB-15: a contractor set at creation is an assignment too
        out.append(record.event(now, "job.contractor_assigned", job, {"contractor_id": columns["contractor_id"]}))
    if columns.get("lead_id"):  # JT-2
        out.append(
            records.timeline(
                now,
                actor,
                "lead",
                int(columns["lead_id"]),
                "sys",
                f"🛠 Job {display} created from this lead",
                office_id=office,
                meta={"job": display},
            )
        )
    return out


# --- editing the operational fields (X-1) -------------------------------------------------------------

EDITABLE = (
    *inputs.TEXT_LIMITS,
    "phone",
    "lat",
    "lng",
    "service_area_id",
    "job_type_id",
    "partner_id",
    "date_start",
    "time_start",
    "date_end",
    "time_end",
    "tag_ids",
)


async def _edit_columns(db: Database, geocoder: Geocoder, job: Row, fields: dict[str, Any]) -> dict[str, Any]:
    columns = inputs.client_columns(fields, creating=False)
    moved = any(k in fields for k in ("address", "unit", "city", "state", "postal_code"))
    if moved and not ("lat" in fields and "lng" in fields):
        merged = {k: columns.get(k, job[k]) for k in ("address", "city", "state", "postal_code")}
        merged |= {"lat": None, "lng": None}
        await inputs.place(geocoder, merged)
        columns |= {k: v for k, v in merged.items() if k not in columns or k in ("lat", "lng")}
    if moved:
        columns["address_key"] = inputs.address_key(
            str(columns.get("address", job["address"])),
            str(columns.get("unit", job["unit"])),
            str(columns.get("postal_code", job["postal_code"])),
        )
    if "job_type_id" in fields:
        t = await inputs.job_type(db, fields["job_type_id"])
        columns |= {"job_type_id": t["id"], "job_type_label": t["label"]}
    if "partner_id" in fields:
        p = await inputs.partner(db, fields["partner_id"])
        columns |= {"partner_id": p["id"], "partner_label": p["name"]}
    if "service_area_id" in fields:
        columns |= inputs.area_columns(
            await inputs.area(db, fields["service_area_id"]) if fields["service_area_id"] else None
        )
    if "company" in columns and not columns["company"]:
        raise Invalid("company: the brand name is required.", "company")
    return columns


async def edit_job(
    db: Database, geocoder: Geocoder, now: datetime, user: User, job: Row, fields: dict[str, Any]
) -> Row:
    """Change operational fields. A schedule change writes `📅 Schedule changed: … → …` (JOB-25); the
    office is frozen (JOB-2) and the contractor, status, K and money have verbs of their own."""
    if "office_id" in fields and fields["office_id"] != job["office_id"]:
        raise Invalid("office_id: a job's office is set when it is created and never changes.", "office_id")
    unknown = sorted(set(fields) - set(EDITABLE) - {"office_id", "version"})
    if unknown:
        raise Invalid(f"{unknown[0]}: not a field this edit changes.", unknown[0])
    if fields.get("version") is not None and fields["version"] != job["version"]:
        raise Conflict(CHANGED)
    columns = await _edit_columns(db, geocoder, job, fields)
    before = schedule.of_row(job)
    statements: list[Statement] = []
    zone_name = str(columns.get("time_zone", job["time_zone"]))
    if "postal_code" in columns:
        zone_name = schedule.zone_for(str(columns["postal_code"]), await _office_zone(db, job["office_id"]))
        columns["time_zone"] = zone_name
    if any(k in fields for k in ("date_start", "time_start", "date_end", "time_end")) or "time_zone" in columns:
        after = schedule.window(fields, before)
        columns |= after.columns(zone_name)
        if after != before:
            statements.append(timeline(now, user.actor, job, f"📅 Schedule changed: {before.text()} → {after.text()}"))
    tag_ids = await inputs.tags(db, fields["tag_ids"]) if "tag_ids" in fields else None
    changed = sorted(k for k in fields if k not in ("version",))
    statements = [
        record.update(job, now, columns),
        records.guard_changed(),
        *(record.set_tags(job["id"], tag_ids) if tag_ids is not None else []),
        *statements,
        records.audit(
            now,
            user.actor,
            "job.updated",
            f"Job {job['display_id']} changed: {', '.join(changed)}",
            office_id=job["office_id"],
            meta={"job": job["display_id"], "fields": changed},
        ),
    ]
    return await run(db, job, statements)


async def _office_zone(db: Database, office_id: int) -> str:
    row = await db.first("SELECT time_zone FROM offices WHERE id = ?", office_id)
    assert row is not None
    return str(row["time_zone"])


async def run(db: Database, job: Row, statements: list[Statement]) -> Row:
    """Run a guarded batch on JOB; answer the job as it is now."""
    try:
        await db.batch(statements)
    except records.LostRace:
        raise Conflict(CHANGED) from None
    fresh = await record.job_by_id(db, job["id"])
    if fresh is None:
        raise NotFound("That job was deleted meanwhile.")
    return fresh

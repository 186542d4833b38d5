"""Contractors (CTR-1…CTR-12): outside companies and in-house technicians, their job types and
secondary-share terms.

Owns `contractors`, `contractor_job_types`, `contractor_secondary_zips` and
`contractor_secondary_partners`; a contractor's areas are `network.coverage`'s (its statement
builders join this module's batches). Names are unique without regard to case (CTR-2). Every verb is
one batch: the row, its child rows and the audit entry, guarded by the version it read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core import phones, records
from core.clock import iso
from core.errors import Conflict, Invalid, NotFound
from core.geocoding import Geocoder
from core.records import Actor, Ref
from core.storage import Database, IntegrityError, Param, Row, Statement, q
from network import coverage, values

KINDS = ("company", "technician")
MAX_SECONDARY_ZIPS = 500
MAX_SECONDARY_PARTNERS = 50

# Plain text columns: API field → (column, limit).
TEXT_FIELDS: dict[str, tuple[str, int]] = {
    "email": ("email", 200),
    "contact_name": ("contact_name", 100),
    "contact2_name": ("contact2_name", 100),
    "notes": ("notes", 2000),
    "home_address": ("home_address", 200),
    "calendar_url": ("calendar_url", 500),
}
PHONE_FIELDS = ("phone", "phone2")


@dataclass
class ContractorInput:
    """Checked columns to write, and the child lists given (None: leave them as they are)."""

    columns: dict[str, Any] = field(default_factory=dict)
    job_type_ids: list[int] | None = None
    area_ids: list[int] | None = None
    secondary_zips: list[str] | None = None
    secondary_partners: list[str] | None = None


async def contractor_for(db: Database, contractor_id: int) -> Row | None:
    """The access function's read: contractors are company-wide; who may see them is `authz`'s."""
    return await db.first("SELECT * FROM contractors WHERE id = ?", contractor_id)


async def by_name(db: Database, name: str) -> Row | None:
    return await db.first("SELECT * FROM contractors WHERE name = ? COLLATE NOCASE", name)


def phone(raw: Any, name: str) -> str:
    text = values.optional_text(raw, name, 40)
    if not text:
        return ""
    parsed = phones.normalize(text)
    if parsed.e164 is None:
        raise Invalid(f"{name}: not a usable phone number.", name)
    return parsed.e164


def email(raw: Any) -> str:
    text = values.optional_text(raw, "email", 200)
    if text and ("@" not in text or " " in text or "." not in text.rpartition("@")[2]):
        raise Invalid("email: not an email address.", "email")
    return text.lower()


def zip_list(raw: Any, name: str = "secondary_zips") -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    zips = sorted({values.zip5(z, name) for z in items if str(z).strip()})
    if len(zips) > MAX_SECONDARY_ZIPS:
        raise Invalid(f"{name}: at most {MAX_SECONDARY_ZIPS} ZIPs.", name)
    return zips


def partner_list(raw: Any, name: str = "secondary_partners") -> list[str]:
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    out: dict[str, str] = {}
    for item in items:
        text = " ".join(str(item).split())
        if text:
            out.setdefault(text.casefold(), values.label(text, name, 60))
    if len(out) > MAX_SECONDARY_PARTNERS:
        raise Invalid(f"{name}: at most {MAX_SECONDARY_PARTNERS} partners.", name)
    return sorted(out.values(), key=str.casefold)


def check_columns(fields: dict[str, Any]) -> dict[str, Any]:
    """The contractor row's columns from the fields given (each checked; a 422 names the field)."""
    cols: dict[str, Any] = {}
    if "name" in fields:
        cols["name"] = values.label(fields["name"], "name", 100)
    if "kind" in fields:
        if fields["kind"] not in KINDS:
            raise Invalid("kind: company or technician.", "kind")
        cols["kind"] = fields["kind"]
    for api, (column, limit) in TEXT_FIELDS.items():
        if api in fields:
            cols[column] = email(fields[api]) if api == "email" else values.optional_text(fields[api], api, limit)
    if cols.get("calendar_url") and not cols["calendar_url"].lower().startswith(("https://", "http://")):
        raise Invalid("calendar_url: a calendar link starts with https://.", "calendar_url")
    for name in PHONE_FIELDS:
        if name in fields:
            cols[name] = phone(fields[name], name)
    if "profit_share_percent" in fields:
        cols["profit_share_bp"] = values.percent_bp(fields["profit_share_percent"], "profit_share_percent")
    if "secondary_share_percent" in fields:
        cols["secondary_share_bp"] = values.percent_bp(fields["secondary_share_percent"], "secondary_share_percent")
    if "active" in fields:
        cols["active"] = int(bool(fields["active"]))
    return cols


async def _existing_ids(db: Database, table: str, ids: list[int], name: str) -> list[int]:
    unique = sorted(set(ids))
    if not unique:
        return []
    found = await db.all(f"SELECT id FROM {table} WHERE id IN (SELECT value FROM json_each(?))", json.dumps(unique))
    missing = set(unique) - {r["id"] for r in found}
    if missing:
        raise Invalid(f"{name}: no such id {min(missing)}.", name)
    return unique


async def home_base(geocoder: Geocoder, address: str) -> dict[str, Any]:
    """TECH-1/TECH-3: the home base's ZIP, city, state and point, from its address (blank clears them)."""
    if not address:
        return {f"home_{k}": None for k in ("zip", "city", "state", "lat", "lng")}
    place = await geocoder.address(address)
    if place is None:
        raise Invalid("home_address: we couldn't place that address; end it with the ZIP.", "home_address")
    return {
        "home_zip": place.zip,
        "home_city": place.city,
        "home_state": place.state,
        "home_lat": place.lat,
        "home_lng": place.lng,
    }


async def check_input(
    db: Database, fields: dict[str, Any], *, creating: bool, geocoder: Geocoder | None = None
) -> ContractorInput:
    data = ContractorInput(columns=check_columns(fields))
    if geocoder is not None and "home_address" in data.columns:
        data.columns |= await home_base(geocoder, data.columns["home_address"])
    if creating and "name" not in data.columns:
        raise Invalid("name: required.", "name")
    if creating or "job_type_ids" in fields:
        # CTR-1: job types are required (only the bulk upload makes contractors without any, CTR-9).
        if not fields.get("job_type_ids"):
            raise Invalid("job_type_ids: choose at least one job type.", "job_type_ids")
        data.job_type_ids = await _existing_ids(db, "job_types", fields["job_type_ids"], "job_type_ids")
    if "area_ids" in fields:
        data.area_ids = await _existing_ids(db, "service_areas", fields["area_ids"] or [], "area_ids")
    if "secondary_zips" in fields:
        data.secondary_zips = zip_list(fields["secondary_zips"])
    if "secondary_partners" in fields:
        data.secondary_partners = partner_list(fields["secondary_partners"])
    return data


def _taken(name: str) -> Conflict:
    return Conflict(f"name: a contractor named {name!r} already exists.")


def children(contractor: int | Ref, data: ContractorInput) -> list[Statement]:
    """Replace each child list that was given (job types, areas, secondary ZIPs and partners)."""
    cid_sql, cid = (
        ("(" + contractor.sql + ")", contractor.params) if isinstance(contractor, Ref) else ("?", (contractor,))
    )
    out: list[Statement] = []
    lists = (
        ("contractor_job_types", "job_type_id", data.job_type_ids),
        ("contractor_secondary_zips", "zip", data.secondary_zips),
        ("contractor_secondary_partners", "partner_name", data.secondary_partners),
    )
    for table, column, items in lists:
        if items is None:
            continue
        out.append(q(f"DELETE FROM {table} WHERE contractor_id = {cid_sql}", *cid))
        if items:
            out.append(
                q(
                    f"INSERT INTO {table} (contractor_id, {column}) SELECT {cid_sql}, value FROM json_each(?)",
                    *cid,
                    json.dumps(items),
                )
            )
    if data.area_ids is not None:
        out.extend(coverage.replace_areas(contractor, data.area_ids))
    return out


def insert_statement(now: datetime, columns: dict[str, Any]) -> Statement:
    """The INSERT of one contractor row (this module's create and the bulk upload's batch)."""
    names = list(columns)
    return q(
        f"INSERT INTO contractors ({', '.join(names)}, created_at, updated_at)"
        f" VALUES ({', '.join('?' for _ in names)}, ?, ?)",
        *columns.values(),
        iso(now),
        iso(now),
    )


def update_statement(now: datetime, row: Row, columns: dict[str, Any]) -> Statement:
    """The version-guarded UPDATE of one contractor row (follow it with `records.guard_changed()`)."""
    sets = "".join(f"{c} = ?, " for c in columns)
    return q(
        f"UPDATE contractors SET {sets}version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
        *columns.values(),
        iso(now),
        row["id"],
        row["version"],
    )


async def create_contractor(db: Database, now: datetime, actor: Actor, data: ContractorInput) -> Row:
    name = data.columns["name"]
    if await by_name(db, name):
        raise _taken(name)
    ref = Ref("SELECT id FROM contractors WHERE name = ? COLLATE NOCASE", (name,))
    try:
        await db.batch(
            [
                insert_statement(now, data.columns),
                *children(ref, data),
                records.audit(now, actor, "contractor.created", f"Contractor {name} added"),
            ]
        )
    except IntegrityError:
        raise _taken(name) from None
    row = await by_name(db, name)
    assert row is not None
    return row


async def update_contractor(db: Database, now: datetime, actor: Actor, row: Row, data: ContractorInput) -> Row:
    name: str = data.columns.get("name") or row["name"]
    if "name" in data.columns:
        other = await by_name(db, name)
        if other and other["id"] != row["id"]:
            raise _taken(name)
    changed = sorted(
        [*data.columns]
        + [
            n
            for n in ("job_type_ids", "area_ids", "secondary_zips", "secondary_partners")
            if getattr(data, n) is not None
        ]
    )
    try:
        await db.batch(
            [
                update_statement(now, row, data.columns),
                records.guard_changed(),
                *children(row["id"], data),
                records.audit(
                    now,
                    actor,
                    "contractor.updated",
                    f"Contractor {name} changed: {', '.join(changed) or 'nothing'}",
                    meta={"id": row["id"], "fields": changed},
                ),
            ]
        )
    except records.LostRace:
        raise Conflict() from None
    except IntegrityError:
        raise _taken(name) from None
    updated = await contractor_for(db, row["id"])
    if updated is None:
        raise NotFound("That contractor was removed meanwhile.")
    return updated


async def set_active(db: Database, now: datetime, actor: Actor, row: Row, active: bool) -> Row:
    """CTR-5: the inline toggle. Inactive contractors drop out of matching without being deleted."""
    return await update_contractor(db, now, actor, row, ContractorInput(columns={"active": int(active)}))


# --- reads -------------------------------------------------------------------------------------------


async def listing(
    db: Database,
    *,
    search: str = "",
    job_type_id: int | None = None,
    active: bool | None = None,
    kind: str | None = None,
) -> list[Row]:
    """CTR-3: the sidebar list, A–Z, with each row's area count and job type ids."""
    where: list[str] = ["1 = 1"]
    params: list[Param] = []
    if search:
        like = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")[:40] + "%"
        where.append("(c.name LIKE ? ESCAPE '\\' OR c.contact_name LIKE ? ESCAPE '\\')")
        params += [like, like]
    if job_type_id is not None:
        where.append("EXISTS (SELECT 1 FROM contractor_job_types t WHERE t.contractor_id = c.id AND t.job_type_id = ?)")
        params.append(job_type_id)
    if active is not None:
        where.append("c.active = ?")
        params.append(int(active))
    if kind is not None:
        where.append("c.kind = ?")
        params.append(kind)
    return await db.all(
        "SELECT c.*, (SELECT count(*) FROM contractor_areas a WHERE a.contractor_id = c.id) AS area_count,"
        " (SELECT json_group_array(job_type_id) FROM contractor_job_types t WHERE t.contractor_id = c.id)"
        " AS job_type_ids_json FROM contractors c WHERE "
        + " AND ".join(where)
        + " ORDER BY c.name COLLATE NOCASE, c.id",
        *params,
    )


async def details(db: Database, contractor_id: int) -> dict[str, list[Any]]:
    """A contractor's child lists: job type ids, area ids, secondary ZIPs and partners."""
    rows = await db.all(
        "SELECT 'job_type_ids' AS k, job_type_id AS v FROM contractor_job_types WHERE contractor_id = ?1"
        " UNION ALL SELECT 'area_ids', area_id FROM contractor_areas WHERE contractor_id = ?1"
        " UNION ALL SELECT 'secondary_zips', zip FROM contractor_secondary_zips WHERE contractor_id = ?1"
        " UNION ALL SELECT 'secondary_partners', partner_name FROM contractor_secondary_partners"
        " WHERE contractor_id = ?1",
        contractor_id,
    )
    out: dict[str, list[Any]] = {"job_type_ids": [], "area_ids": [], "secondary_zips": [], "secondary_partners": []}
    for r in rows:
        out[r["k"]].append(r["v"])
    for values_ in out.values():
        values_.sort(key=lambda v: str(v).casefold() if isinstance(v, str) else v)
    return out

"""Offices: the routing buckets every record carries (seed 002 "Offices explained")."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from accounts import authz
from core import records
from core.clock import iso
from core.errors import Conflict, Invalid
from core.records import Actor
from core.storage import Database, IntegrityError, Row, Statement, q


@dataclass(frozen=True)
class Office:
    id: int
    slug: str
    name: str
    time_zone: str
    jobs_enabled: bool
    active: bool
    # TECH-3: the office's address, the last travel origin of a technician's day (migration 0021).
    address: str = ""
    address_lat: float | None = None
    address_lng: float | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @classmethod
    def from_row(cls, row: Row) -> Office:
        return cls(
            id=row["id"],
            slug=row["slug"],
            name=row["name"],
            time_zone=row["time_zone"],
            jobs_enabled=bool(row["jobs_enabled"]),
            active=bool(row["active"]),
            address=row["address"],
            address_lat=row["address_lat"],
            address_lng=row["address_lng"],
        )


@lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def _clean(name: str, time_zone: str) -> tuple[str, str]:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 80:
        raise Invalid("Office name must be 1–80 characters.")
    if not slugify(name):
        raise Invalid("Office name needs at least one letter or digit.")
    if time_zone not in time_zones():
        raise Invalid(f"Unknown time zone {time_zone!r}; use an IANA name like America/New_York.")
    return name, time_zone


async def all_offices(db: Database, *, include_inactive: bool = True) -> list[Office]:
    sql = "SELECT * FROM offices" + ("" if include_inactive else " WHERE active = 1") + " ORDER BY name"
    return [Office.from_row(r) for r in await db.all(sql)]


async def with_member_counts(db: Database) -> list[Row]:
    return await db.all(
        "SELECT o.*, (SELECT COUNT(*) FROM user_offices uo WHERE uo.office_id = o.id) AS members"
        " FROM offices o ORDER BY o.name"
    )


async def active_members(db: Database, office_id: int, *, with_ids: bool = False) -> list[Row]:
    """Active staff who see this office (assigned to it, or to all offices when `with_ids`)."""
    staff, params = authz.office_staff(office_id, "u", all_office_users=with_ids)
    return await db.all(f"SELECT u.id, u.name, u.role FROM users u WHERE {staff} ORDER BY u.name", *params)


async def count_active(db: Database) -> int:
    row = await db.first("SELECT COUNT(*) AS n FROM offices WHERE active = 1")
    return int(row["n"]) if row else 0


async def get(db: Database, office_id: int) -> Office | None:
    row = await db.first("SELECT * FROM offices WHERE id = ?", office_id)
    return Office.from_row(row) if row else None


async def by_slug(db: Database, slug: str) -> Office | None:
    row = await db.first("SELECT * FROM offices WHERE slug = ?", slug)
    return Office.from_row(row) if row else None


async def by_name(db: Database, name: str) -> Office | None:
    row = await db.first("SELECT * FROM offices WHERE name = ?", name)
    return Office.from_row(row) if row else None


def ensure(now: datetime, slug: str, name: str) -> Statement:
    """An office with this slug (active, New York time, no jobs) unless one exists: a no-op then.
    Intake puts it in its batch for the final fallback office."""
    return q(
        "INSERT INTO offices (slug, name, time_zone, jobs_enabled, active, created_at, updated_at)"
        " VALUES (?, ?, 'America/New_York', 0, 1, ?, ?) ON CONFLICT DO NOTHING",
        slug,
        name,
        iso(now),
        iso(now),
    )


async def create_office(
    db: Database, now: datetime, actor: Actor, *, name: str, time_zone: str, jobs_enabled: bool = False
) -> Office:
    name, time_zone = _clean(name, time_zone)
    slug = slugify(name)
    ref = records.Ref("SELECT id FROM offices WHERE slug = ?", (slug,))
    try:
        await db.batch(
            [
                q(
                    "INSERT INTO offices (slug, name, time_zone, jobs_enabled, active, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, 1, ?, ?)",
                    slug,
                    name,
                    time_zone,
                    int(jobs_enabled),
                    iso(now),
                    iso(now),
                ),
                records.audit(
                    now,
                    actor,
                    "office.created",
                    f"Office {name} added ({time_zone})",
                    office_id=ref,
                    meta={"name": name, "time_zone": time_zone, "jobs_enabled": jobs_enabled},
                ),
            ]
        )
    except IntegrityError:
        raise Invalid(f"An office named {name!r} already exists.") from None
    office = await by_slug(db, slug)
    assert office is not None
    return office


async def update_office(
    db: Database,
    now: datetime,
    actor: Actor,
    office: Office,
    *,
    name: str,
    time_zone: str,
    jobs_enabled: bool,
    active: bool,
) -> Office:
    name, time_zone = _clean(name, time_zone)
    changes = {
        k: [old, new]
        for k, old, new in (
            ("name", office.name, name),
            ("time_zone", office.time_zone, time_zone),
            ("jobs_enabled", office.jobs_enabled, jobs_enabled),
            ("active", office.active, active),
        )
        if old != new
    }
    if not changes:
        return office
    try:
        await db.batch(
            [
                q(
                    "UPDATE offices SET name = ?, time_zone = ?, jobs_enabled = ?, active = ?, updated_at = ?"
                    " WHERE id = ?",
                    name,
                    time_zone,
                    int(jobs_enabled),
                    int(active),
                    iso(now),
                    office.id,
                ),
                records.audit(
                    now,
                    actor,
                    "office.updated",
                    f"Office {name} changed: {', '.join(changes)}",
                    office_id=office.id,
                    meta=changes,
                ),
            ]
        )
    except IntegrityError:
        raise Invalid(f"An office named {name!r} already exists.") from None
    updated = await get(db, office.id)
    assert updated is not None
    return updated


async def delete_office(db: Database, now: datetime, actor: Actor, office: Office) -> None:
    """Only an unused office can be deleted; one with people or records is deactivated instead."""
    members = await db.first("SELECT COUNT(*) AS n FROM user_offices WHERE office_id = ?", office.id)
    if members and members["n"]:
        raise Conflict(f"{office.name} still has {members['n']} user(s). Move them or deactivate the office instead.")
    await db.batch(
        [
            records.audit(now, actor, "office.deleted", f"Office {office.name} deleted", meta={"name": office.name}),
            q("DELETE FROM offices WHERE id = ?", office.id),
        ]
    )


async def set_address(
    db: Database, now: datetime, actor: Actor, office: Office, address: str, lat: float | None, lng: float | None
) -> Office:
    """Save the office's address (TECH-3) with the position the caller geocoded it to ('' clears both)."""
    address = " ".join(address.split())
    if len(address) > 200:
        raise Invalid("The address is at most 200 characters.", field="address")
    if not address:
        lat = lng = None
    if address == office.address and (lat, lng) == (office.address_lat, office.address_lng):
        return office
    await db.batch(
        [
            q(
                "UPDATE offices SET address = ?, address_lat = ?, address_lng = ?, updated_at = ? WHERE id = ?",
                address,
                lat,
                lng,
                iso(now),
                office.id,
            ),
            records.audit(
                now,
                actor,
                "office.updated",
                f"Office {office.name} changed: address",
                office_id=office.id,
                meta={"address": [office.address, address]},
            ),
        ]
    )
    updated = await get(db, office.id)
    assert updated is not None
    return updated

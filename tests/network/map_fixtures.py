"""Service areas, contractors and technicians for the coverage map and technician tests, made through
the network's own verbs (areas geocoded by the offline geocoder from the bundled ZIP table)."""

from __future__ import annotations

from datetime import datetime

from core.geocoding import OfflineGeocoder
from core.records import SYSTEM
from core.storage import Database, Row
from network import areas, contractors, coverage, settings


async def area(db: Database, now: datetime, label: str, zip_code: str) -> Row:
    data = await areas.check_input(OfflineGeocoder(), {"label": label, "zip": zip_code})
    return await areas.create_area(db, now, SYSTEM, data)


async def job_type(db: Database, now: datetime, label: str = "Garage doors") -> int:
    kind = settings.KINDS["job_types"]
    for row in await settings.all_values(db, kind):
        if row["label"] == label:
            return int(row["id"])
    return int((await settings.create_value(db, now, SYSTEM, kind, {"label": label}))["id"])


async def contractor(db: Database, now: datetime, name: str, *, kind: str = "company", active: bool = True) -> Row:
    fields = {"name": name, "kind": kind, "active": active, "job_type_ids": [await job_type(db, now)]}
    data = await contractors.check_input(db, fields, creating=True)
    return await contractors.create_contractor(db, now, SYSTEM, data)


async def cover(db: Database, now: datetime, who: Row, *where: Row) -> None:
    for one in where:
        await coverage.set_area(db, now, SYSTEM, who, one, True)

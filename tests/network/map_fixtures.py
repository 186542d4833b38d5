"""Service areas, contractors and technicians for the coverage map and technician tests, made through
the network's own verbs (areas geocoded by the offline geocoder from the bundled ZIP table)."""

from __future__ import annotations

from datetime import datetime

from core.geocoding import OfflineGeocoder
from core.records import SYSTEM
from core.storage import Database, Row
from network import areas, contractors, coverage


async def area(db: Database, now: datetime, label: str, zip_code: str) -> Row:
    data = await areas.check_input(OfflineGeocoder(), {"label": label, "zip": zip_code})
    return await areas.create_area(db, now, SYSTEM, data)


async def contractor(db: Database, now: datetime, name: str, *, kind: str = "company", active: bool = True) -> Row:
    data = await contractors.check_input(db, {"name": name, "kind": kind, "active": active}, creating=True)
    return await contractors.create_contractor(db, now, SYSTEM, data)


async def cover(db: Database, now: datetime, who: Row, *where: Row) -> None:
    for one in where:
        await coverage.set_area(db, now, SYSTEM, who, one, True)

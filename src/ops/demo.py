"""Demo data for a fresh local database: three offices, one user per role (here), and the demo
business of leads, customers and billing (`ops/demo_business.py`).

Only for local development (refused in production). Passwords are fixed and listed in the README,
which is fine for a throw-away local database and nowhere else.
"""

from __future__ import annotations

from datetime import datetime

from accounts import offices, users
from core.records import SYSTEM
from core.storage import Database
from ops.demo_business import Summary, seed_business

__all__ = ["DEMO_USERS", "Summary", "demo_password", "seed", "seed_business"]

DEMO_PASSWORD_SUFFIX = "-demo-pass"  # noqa: S105 (local demo data, documented in the README)
DEMO_USERS = (
    ("owner@porchlight.test", "Olivia Owner", "owner", None),
    ("admin@porchlight.test", "Adam Admin", "admin", None),
    ("finance@porchlight.test", "Fiona Finance", "finance_admin", None),
    ("agent@porchlight.test", "Ava Agent", "agent", None),
    ("viewer@porchlight.test", "Victor Viewer", "viewer", None),
    ("partner@porchlight.test", "Paula Partner", "partner", "GDQ Leads"),
)
# Each demo user's offices: every office, both demo offices (the default), or the garage office only.
DEMO_OFFICES = {"owner@porchlight.test": "all", "agent@porchlight.test": "garage", "partner@porchlight.test": "garage"}


def demo_password(role: str) -> str:
    return f"{role.replace('_', '-')}{DEMO_PASSWORD_SUFFIX}"


async def seed(db: Database, now: datetime) -> list[tuple[str, str, str]] | None:
    """Seed once. Returns (email, password, role) rows, or None when the database already has users."""
    if await users.count(db):
        return None
    garage = await offices.by_name(db, "Garage") or await offices.create_office(
        db, now, SYSTEM, name="Garage", time_zone="America/New_York", jobs_enabled=True
    )
    sliding = await offices.by_name(db, "Sliding") or await offices.create_office(
        db, now, SYSTEM, name="Sliding", time_zone="America/Los_Angeles"
    )
    await offices.by_name(db, "General") or await offices.create_office(
        db, now, SYSTEM, name="General", time_zone="America/Chicago"
    )
    logins = []
    for email, name, role, partner in DEMO_USERS:
        where = DEMO_OFFICES.get(email, "both")
        office_ids = {garage.id} if where == "garage" else {garage.id, sliding.id}
        profile = users.check_profile(name, role, where == "all", office_ids, partner)
        password = demo_password(role)
        await users.create_user(db, now, SYSTEM, email=email, password=password, profile=profile)
        logins.append((email, password, role))
    return logins

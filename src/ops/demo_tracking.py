"""Demo rows for tracking-source routing (issue 17): a few partner tracking labels routed to the demo
offices, so the lead-sources page shows the editor in use and a BookBack or CallTrackingMetrics lead
carrying one of them lands in its office. Through the owning verb; idempotent (a label already
routed is left as it is)."""

from __future__ import annotations

from datetime import datetime

from accounts import offices
from accounts.users import User
from core.bindings import Bindings
from leads import tracking_sources

ROUTES = (
    ("Google Ads - Brooklyn", "Garage"),
    ("Google Ads - Burbank", "Sliding"),
    ("BookBack - LA line", "Sliding"),
)


async def seed(bindings: Bindings, now: datetime, owner: User | None) -> int:
    """Route the demo labels; the number added."""
    if owner is None:
        return 0
    added = 0
    for label, office_name in ROUTES:
        office = await offices.by_name(bindings.db, office_name)
        if office is None or await tracking_sources.route_for(bindings.db, label) is not None:
            continue
        await tracking_sources.set_route(bindings.db, now, owner.actor, label, office.id)
        added += 1
    return added

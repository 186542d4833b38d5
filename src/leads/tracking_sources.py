"""Tracking-source routes (seed 002 "Lead sources": the office order is payload office → tracking
source → the source's default office → General).

A partner's lead may carry a tracking-source label (BookBack's `bb_source`, CallTrackingMetrics'
`ctm_source`, `tracking_source`); intake (`leads.intake.route`) looks it up in `tracking_sources`,
matched exactly but case-insensitively, and the lead lands in that office. The owner edits the
table on the lead-sources page or through `/api/tracking-sources`. This module owns the table.
"""

from __future__ import annotations

from datetime import datetime

from accounts import offices
from core import records
from core.errors import Invalid, NotFound
from core.records import Actor
from core.storage import Database, Row, q
from core.text import clean_text

MAX_LABEL = 100
GENERAL_SLUG = "general"  # the final fallback office (leads.intake creates it on first use)


def clean_label(label: str) -> str:
    text = clean_text(label, MAX_LABEL + 1)
    if not text:
        raise Invalid("Type the tracking source's label exactly as the partner sends it.", field="label")
    if len(text) > MAX_LABEL:
        raise Invalid(f"A tracking source label is at most {MAX_LABEL} characters.", field="label")
    return text


async def all_routes(db: Database) -> list[Row]:
    """Every label with its office, A–Z."""
    return await db.all(
        "SELECT t.label, t.office_id, o.name AS office_name, o.active AS office_active"
        " FROM tracking_sources t JOIN offices o ON o.id = t.office_id ORDER BY t.label COLLATE NOCASE"
    )


async def route_for(db: Database, label: str) -> Row | None:
    return await db.first("SELECT label, office_id FROM tracking_sources WHERE label = ?", label)


async def set_route(db: Database, now: datetime, actor: Actor, label: str, office_id: int | None) -> str:
    """Route LABEL to an active office (a new label, or a new office for one already routed)."""
    text = clean_label(label)
    office = await offices.get(db, office_id) if office_id is not None else None
    if office is None or not office.active:
        raise Invalid("Choose an active office for this tracking source.", field="office_id")
    old = await route_for(db, text)
    await db.batch(
        [
            # ON CONFLICT keeps the stored spelling's row (labels match case-insensitively) and moves it.
            q(
                "INSERT INTO tracking_sources (label, office_id) VALUES (?, ?)"
                " ON CONFLICT (label) DO UPDATE SET office_id = excluded.office_id",
                text,
                office.id,
            ),
            records.audit(
                now,
                actor,
                "tracking_source.set",
                f"Tracking source “{text}” routes to {office.name}",
                office_id=office.id,
                meta={"label": text, "office_id": office.id, "was_office_id": old["office_id"] if old else None},
            ),
        ]
    )
    return old["label"] if old else text


async def remove_route(db: Database, now: datetime, actor: Actor, label: str) -> None:
    old = await route_for(db, clean_text(label, MAX_LABEL))
    if old is None:
        raise NotFound("No such tracking source.")
    await db.batch(
        [
            q("DELETE FROM tracking_sources WHERE label = ?", old["label"]),
            records.audit(
                now,
                actor,
                "tracking_source.removed",
                f"Tracking source “{old['label']}” no longer routes leads",
                office_id=old["office_id"],
                meta={"label": old["label"], "office_id": old["office_id"]},
            ),
        ]
    )


async def unstaffed(db: Database) -> set[int]:
    """Active offices no active staff member is assigned to: leads routed there sit where only the
    owner (and whoever sees every office) would look."""
    found = set()
    for office in await offices.all_offices(db, include_inactive=False):
        if not await offices.active_members(db, office.id):
            found.add(office.id)
    return found


async def landing_office(db: Database, default_office_id: int | None) -> int | None:
    """Where a source's leads land when neither the payload nor a tracking source names an office:
    its default office, else General (None when General does not exist yet)."""
    if default_office_id is not None:
        return default_office_id
    general = await offices.by_slug(db, GENERAL_SLUG)
    return general.id if general else None

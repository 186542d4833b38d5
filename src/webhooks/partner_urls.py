"""Per-Job-Partner inbound lead URLs (WHI-4): each partner gets `/webhook/partner/{token}`; a lead
posted there goes through the one intake path (`leads.intake.receive`, rate limit and all — its hits
audited, WHI-6) with `partner_name` stamped from the URL, whatever the body says. The token is shown
once and stored as its SHA-256; issuing a new one retires the old URL."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from core import records
from core.clock import iso
from core.errors import NotFound
from core.records import Actor
from core.storage import Row, q


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def partners(db: Any) -> list[Row]:
    return await db.all(
        "SELECT p.id, p.name, p.active, u.created_at AS url_issued_at FROM job_partners p"
        " LEFT JOIN partner_lead_urls u ON u.partner_id = p.id ORDER BY p.position, p.name"
    )


async def issue(db: Any, now: datetime, actor: Actor, partner_id: int) -> str:
    partner = await db.first("SELECT id, name FROM job_partners WHERE id = ?", partner_id)
    if partner is None:
        raise NotFound("No such job partner.")
    token = "jp_" + secrets.token_urlsafe(24)
    await db.batch(
        [
            q(
                "INSERT INTO partner_lead_urls (partner_id, token_hash, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (partner_id) DO UPDATE SET token_hash = excluded.token_hash,"
                " created_at = excluded.created_at",
                partner_id,
                _hash(token),
                iso(now),
            ),
            records.audit(
                now,
                actor,
                "webhook.partner_url_issued",
                f"{actor.label} issued a lead URL for {partner['name']}",
                meta={"job_partner": partner_id},
            ),
        ]
    )
    return token


async def partner_for(db: Any, token: str) -> Row | None:
    """The active partner a token belongs to, or None."""
    if not token.startswith("jp_") or len(token) > 80:
        return None
    return await db.first(
        "SELECT p.id, p.name FROM partner_lead_urls u JOIN job_partners p ON p.id = u.partner_id"
        " WHERE u.token_hash = ? AND p.active = 1",
        _hash(token),
    )

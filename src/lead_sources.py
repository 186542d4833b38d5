"""Lead sources: the channels leads arrive through (seed 002 "Lead sources")."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from storage import Database, Row


@dataclass(frozen=True)
class Source:
    id: int
    key: str
    label: str
    default_office_id: int | None
    color: str
    active: bool
    snooze_sequence: str

    @classmethod
    def from_row(cls, row: Row) -> Source:
        return cls(
            id=row["id"],
            key=row["key"],
            label=row["label"],
            default_office_id=row["default_office_id"],
            color=row["color"],
            active=bool(row["active"]),
            snooze_sequence=row["snooze_sequence"],
        )


def new_token() -> str:
    return secrets.token_hex(24)


async def by_key(db: Database, key: str) -> Source | None:
    row = await db.first("SELECT * FROM lead_sources WHERE key = ?", key)
    return Source.from_row(row) if row else None


async def by_token(db: Database, token: str) -> Source | None:
    if not token or len(token) > 100:
        return None
    row = await db.first("SELECT * FROM lead_sources WHERE webhook_token = ?", token)
    if row is None or not secrets.compare_digest(row["webhook_token"], token):
        return None
    return Source.from_row(row)


async def all_sources(db: Database) -> list[Source]:
    return [Source.from_row(r) for r in await db.all("SELECT * FROM lead_sources ORDER BY position, id")]

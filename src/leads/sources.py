"""Lead sources: the channels leads arrive through (seed 002 "Lead sources")."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from core import records
from core.clock import iso
from core.errors import Conflict, Invalid
from core.records import Actor
from core.storage import Database, IntegrityError, Row, Statement, q


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


_KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


async def _check(db: Database, label: str, color: str, office_id: int | None, sequence: str) -> tuple[str, str]:
    label = " ".join(label.split())
    if not 1 <= len(label) <= 60:
        raise Invalid("Label must be 1–60 characters.")
    if not _COLOR.match(color):
        raise Invalid("Colour must look like #1877f2.")
    if office_id is not None and not await db.first("SELECT id FROM offices WHERE id = ?", office_id):
        raise Invalid("That default office does not exist.")
    if not await db.first("SELECT key FROM snooze_sequences WHERE key = ?", sequence):
        raise Invalid(f"Unknown snooze sequence {sequence!r}.")
    return label, color.lower()


async def create_source(
    db: Database,
    now: datetime,
    actor: Actor,
    *,
    key: str,
    label: str,
    color: str = "#64748b",
    default_office_id: int | None = None,
    snooze_sequence: str = "standard",
) -> Source:
    key = key.strip().lower()
    if not _KEY.match(key):
        raise Invalid("Key must be 2–40 lower-case letters, digits or _, starting with a letter.")
    label, color = await _check(db, label, color, default_office_id, snooze_sequence)
    try:
        await db.batch(
            [
                q(
                    "INSERT INTO lead_sources (key, label, default_office_id, color, active, position, snooze_sequence,"
                    " webhook_token, created_at) VALUES (?, ?, ?, ?, 1,"
                    " (SELECT COALESCE(MAX(position), 0) + 1 FROM lead_sources), ?, ?, ?)",
                    key,
                    label,
                    default_office_id,
                    color,
                    snooze_sequence,
                    new_token(),
                    iso(now),
                ),
                records.audit(now, actor, "source.created", f"Lead source {label} ({key}) added", meta={"key": key}),
            ]
        )
    except IntegrityError:
        raise Conflict(f"A source with key {key!r} already exists.") from None
    source = await by_key(db, key)
    assert source is not None
    return source


async def update_source(
    db: Database,
    now: datetime,
    actor: Actor,
    source: Source,
    *,
    label: str,
    color: str,
    default_office_id: int | None,
    snooze_sequence: str,
    active: bool,
    rotate_token: bool = False,
) -> None:
    """Save the source's settings; with `rotate_token`, a new webhook token in the same batch (one
    request, one batch: the settings and the token change together or not at all)."""
    label, color = await _check(db, label, color, default_office_id, snooze_sequence)
    await db.batch(
        [
            q(
                "UPDATE lead_sources SET label = ?, color = ?, default_office_id = ?, snooze_sequence = ?, active = ?"
                " WHERE id = ?",
                label,
                color,
                default_office_id,
                snooze_sequence,
                int(active),
                source.id,
            ),
            records.audit(
                now,
                actor,
                "source.updated",
                f"Lead source {label} ({source.key}) changed",
                meta={
                    "key": source.key,
                    "active": active,
                    "default_office_id": default_office_id,
                    "snooze_sequence": snooze_sequence,
                },
            ),
            *(_rotation(now, actor, source) if rotate_token else []),
        ]
    )


def _rotation(now: datetime, actor: Actor, source: Source) -> list[Statement]:
    return [
        q("UPDATE lead_sources SET webhook_token = ? WHERE id = ?", new_token(), source.id),
        records.audit(
            now, actor, "source.token_rotated", f"Webhook token of {source.label} rotated", meta={"key": source.key}
        ),
    ]


async def rotate_token(db: Database, now: datetime, actor: Actor, source: Source) -> None:
    """A new webhook token; the old one stops working at once."""
    await db.batch(_rotation(now, actor, source))


async def move(db: Database, now: datetime, actor: Actor, source: Source, direction: int) -> None:
    """Swap places with the neighbour above (-1) or below (+1) in the shared order."""
    ordered = await all_sources(db)
    index = next(i for i, s in enumerate(ordered) if s.id == source.id)
    other = index + direction
    if not 0 <= other < len(ordered):
        return
    ordered[index], ordered[other] = ordered[other], ordered[index]
    await db.batch(
        [
            *(
                q("UPDATE lead_sources SET position = ? WHERE id = ?", position, s.id)
                for position, s in enumerate(ordered, 1)
            ),
            records.audit(
                now,
                actor,
                "source.reordered",
                f"Lead source {source.label} moved {'up' if direction < 0 else 'down'}",
                meta={"key": source.key},
            ),
        ]
    )


async def reorder(db: Database, now: datetime, actor: Actor, keys: list[str]) -> bool:
    """Put every source in the given order (the drag-and-drop list). `keys` must name each source
    exactly once. Returns whether anything moved; an unchanged order writes nothing."""
    current = [s.key for s in await all_sources(db)]
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise Invalid(f"Each source goes in the order once; repeated: {', '.join(repeated)}.")
    unknown = [k for k in keys if k not in current]
    if unknown:
        raise Invalid(f"Unknown source(s): {', '.join(unknown)}.")
    missing = [k for k in current if k not in keys]
    if missing:
        raise Invalid(f"The order must list every source; missing: {', '.join(missing)}.")
    if keys == current:
        return False
    listed = json.dumps(keys)
    statements = [
        # A source added or removed since the read stops the batch (the write guard): D1 has no
        # BEGIN, and renumbering around a stranger would leave two at one position.
        records.guard(
            "(SELECT COUNT(*) FROM lead_sources) = ?1 AND (SELECT COUNT(*) FROM lead_sources"
            " WHERE key IN (SELECT value FROM json_each(?2))) = ?1",
            len(keys),
            listed,
        ),
        q(
            "UPDATE lead_sources SET position = (SELECT j.key + 1 FROM json_each(?) AS j"
            " WHERE j.value = lead_sources.key)",
            listed,
        ),
        records.audit(now, actor, "source.reordered", "Lead sources put in a new order", meta={"order": keys}),
    ]
    try:
        await db.batch(statements)
    except records.LostRace:
        raise Conflict("The sources changed meanwhile. Reload the page and try again.") from None
    return True


async def tokens(db: Database) -> dict[str, str]:
    """Webhook tokens by key: for the owner's eyes only."""
    return {r["key"]: r["webhook_token"] for r in await db.all("SELECT key, webhook_token FROM lead_sources")}


async def sequences(db: Database) -> list[Row]:
    return await db.all("SELECT key, label FROM snooze_sequences ORDER BY key")


async def assign_sequences(
    db: Database, now: datetime, actor: Actor, choices: list[tuple[Source, str]]
) -> list[Source]:
    """Point each source at its chosen snooze sequence, every choice checked first and all saved in
    one batch (one request, one batch: an unknown sequence saves none). Returns the sources changed."""
    changed = [(source, sequence) for source, sequence in choices if sequence != source.snooze_sequence]
    known = {r["key"] for r in await db.all("SELECT key FROM snooze_sequences")} if changed else set()
    for _, sequence in changed:
        if sequence not in known:
            raise Invalid(f"Unknown snooze sequence {sequence!r}.")
    statements: list[Statement] = []
    for source, sequence in changed:
        statements += [
            q("UPDATE lead_sources SET snooze_sequence = ? WHERE id = ?", sequence, source.id),
            records.audit(
                now,
                actor,
                "source.sequence_assigned",
                f"Lead source {source.label} now snoozes by the {sequence} sequence",
                meta={"key": source.key, "snooze_sequence": sequence, "previous": source.snooze_sequence},
            ),
        ]
    if statements:
        await db.batch(statements)
    return [source for source, _ in changed]

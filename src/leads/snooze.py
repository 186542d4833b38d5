"""Snooze sequences (seed 002 "Snooze sequences"): per-source lists of waits between call attempts.

Steps are stored as whole minutes; people edit them as a number and a unit (min / h / d). Call
attempt n schedules the next try steps[n-1] later (lead_actions.log_call_attempt).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from core import records
from core.clock import iso
from core.errors import Conflict, Invalid
from core.inputs import parse_int
from core.records import Actor
from core.storage import Database, IntegrityError, Row, q

UNITS = {"min": 1, "h": 60, "d": 1440}
MAX_STEPS = 50
MAX_STEP_MINUTES = 90 * 1440  # a wait longer than a quarter is a new lead, not a snooze


@dataclass(frozen=True)
class Sequence:
    key: str
    label: str
    steps: tuple[int, ...]
    updated_at: str

    @classmethod
    def from_row(cls, row: Row) -> Sequence:
        return cls(row["key"], row["label"], tuple(int(m) for m in json.loads(row["steps"])), row["updated_at"])

    @property
    def span(self) -> str:
        """The whole sequence's length, e.g. "17 days"."""
        return describe(sum(self.steps), long=True)


def split(minutes: int) -> tuple[int, str]:
    """The largest unit that shows the wait as a whole number: 1440 → (1, "d"), 90 → (90, "min")."""
    for unit in ("d", "h"):
        if minutes % UNITS[unit] == 0:
            return minutes // UNITS[unit], unit
    return minutes, "min"


def describe(minutes: int, *, long: bool = False) -> str:
    if long:
        days, rest = divmod(minutes, 1440)
        hours = round(rest / 60)
        if days:
            return f"{days + (1 if hours >= 12 else 0)} day{'s' if days != 1 or hours >= 12 else ''}"
        return f"{hours} hour{'s' if hours != 1 else ''}" if hours else f"{minutes} minutes"
    amount, unit = split(minutes)
    return f"{amount} {unit}"


def parse_steps(amounts: list[str], units: list[str]) -> list[int]:
    """Form rows → minutes. Blank rows are skipped, so an empty "new step" row is harmless."""
    if len(amounts) != len(units):
        raise Invalid("Each step needs a number and a unit.")
    steps: list[int] = []
    for position, (amount, unit) in enumerate(zip(amounts, units, strict=True), 1):
        amount = amount.strip()
        if not amount:
            continue
        if not parse_int(amount):
            raise Invalid(f"Step {position}: the wait is a whole number above zero, not {amount[:12]!r}.")
        if unit not in UNITS:
            raise Invalid(f"Step {position}: the unit is min, h or d.")
        minutes = int(amount[:9]) * UNITS[unit]
        if minutes > MAX_STEP_MINUTES:
            raise Invalid(f"Step {position}: a single wait can be at most {MAX_STEP_MINUTES // 1440} days.")
        steps.append(minutes)
    check_steps(steps)
    return steps


def check_steps(steps: list[int]) -> None:
    if not steps:
        raise Invalid("A sequence needs at least one step.")
    if len(steps) > MAX_STEPS:
        raise Invalid(f"A sequence has at most {MAX_STEPS} steps.")
    if any(not isinstance(m, int) or not 1 <= m <= MAX_STEP_MINUTES for m in steps):
        raise Invalid(f"Each wait is 1 minute to {MAX_STEP_MINUTES // 1440} days.")


async def all_sequences(db: Database) -> list[Sequence]:
    rows = await db.all("SELECT * FROM snooze_sequences ORDER BY label, key")
    return [Sequence.from_row(r) for r in rows]


async def get(db: Database, key: str) -> Sequence | None:
    row = await db.first("SELECT * FROM snooze_sequences WHERE key = ?", key[:40])
    return Sequence.from_row(row) if row else None


def _label(label: str) -> str:
    label = " ".join(label.split())
    if not 1 <= len(label) <= 60:
        raise Invalid("Name the sequence in 1–60 characters.")
    return label


def _key_for(label: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:40]
    if not key or not key[0].isalpha():
        key = f"seq_{key}"[:40]
    return key


async def create_sequence(db: Database, now: datetime, actor: Actor, *, label: str, steps: list[int]) -> Sequence:
    label = _label(label)
    check_steps(steps)
    key = _key_for(label)
    try:
        await db.batch(
            [
                q(
                    "INSERT INTO snooze_sequences (key, label, steps, updated_at) VALUES (?, ?, ?, ?)",
                    key,
                    label,
                    json.dumps(steps),
                    iso(now),
                ),
                records.audit(
                    now,
                    actor,
                    "snooze_sequence.created",
                    f"Snooze sequence {label} added ({len(steps)} steps)",
                    meta={"key": key, "steps": steps},
                ),
            ]
        )
    except IntegrityError:
        raise Invalid(f"A sequence named like {label!r} already exists; pick another name.") from None
    created = await get(db, key)
    assert created is not None
    return created


async def update_sequence(
    db: Database, now: datetime, actor: Actor, sequence: Sequence, *, label: str, steps: list[int], seen: str
) -> None:
    """Save new steps (and name). `seen` is the updated_at the editor was loaded with: if someone
    saved in between, nothing changes and the caller hears `Conflict`."""
    label = _label(label)
    check_steps(steps)
    try:
        await db.batch(
            [
                q(
                    "UPDATE snooze_sequences SET label = ?, steps = ?, updated_at = ? WHERE key = ? AND updated_at = ?",
                    label,
                    json.dumps(steps),
                    iso(now),
                    sequence.key,
                    seen,
                ),
                records.guard_changed(),
                records.audit(
                    now,
                    actor,
                    "snooze_sequence.updated",
                    f"Snooze sequence {label}: {len(steps)} steps over {describe(sum(steps), long=True)}",
                    meta={"key": sequence.key, "steps": steps, "previous": list(sequence.steps)},
                ),
            ]
        )
    except records.LostRace:
        raise Conflict("Someone else saved this sequence a moment ago. Reload it and make your change again.") from None

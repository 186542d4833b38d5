"""The assistant's owner settings (AIA-7, AIA-9): which model, its prices, each role's daily cap.
This module owns `assistant_settings`. Model ids and prices are settings, not constants: the
defaults below only fill an empty table, and the owner changes them in Maintenance → AI assistant.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from accounts import authz
from core import records
from core.clock import iso
from core.errors import Invalid
from core.records import Actor
from core.storage import Database, q

DEFAULT_MODEL = "claude-sonnet-4-6"
DEFAULT_INPUT_USD_PER_MTOK = 3.0
DEFAULT_OUTPUT_USD_PER_MTOK = 15.0
DEFAULT_CAP_USD = 2.0
# Offered on the settings form (AIA-9); any other model id the API knows may be typed instead.
SUGGESTED = (
    ("claude-sonnet-4-6", "Sonnet 4.6 (balanced default)", 3.0, 15.0),
    ("claude-haiku-4-5", "Haiku 4.5 (cheaper, faster)", 1.0, 5.0),
    ("claude-opus-4-7", "Opus 4.7 (best, expensive)", 5.0, 25.0),
)
STAFF_ROLES = authz.staff_roles()
MAX_PRICE = 1000.0
MAX_CAP = 1000.0


@dataclass(frozen=True)
class AssistantSettings:
    model: str = DEFAULT_MODEL
    input_usd_per_mtok: float = DEFAULT_INPUT_USD_PER_MTOK
    output_usd_per_mtok: float = DEFAULT_OUTPUT_USD_PER_MTOK
    role_caps: dict[str, float] = field(default_factory=dict)

    def cap_for(self, role: str) -> float:
        return float(self.role_caps.get(role, DEFAULT_CAP_USD))

    def cost_micros(self, input_tokens: int, output_tokens: int) -> int:
        """Cost in millionths of a dollar: tokens × $/million tokens (AIA-7, as SAG-19)."""
        return round(input_tokens * self.input_usd_per_mtok + output_tokens * self.output_usd_per_mtok)


async def load(db: Database) -> AssistantSettings:
    row = await db.first("SELECT * FROM assistant_settings WHERE id = 1")
    if row is None:
        return AssistantSettings()
    return AssistantSettings(
        model=row["model"],
        input_usd_per_mtok=float(row["input_usd_per_mtok"]),
        output_usd_per_mtok=float(row["output_usd_per_mtok"]),
        role_caps={k: float(v) for k, v in json.loads(row["role_caps"] or "{}").items()},
    )


def check(model: str, input_price: float, output_price: float, caps: dict[str, float]) -> dict[str, str]:
    problems: dict[str, str] = {}
    if not model.strip() or len(model) > 100 or any(c.isspace() for c in model.strip()):
        problems["model"] = "Enter the model's id, e.g. claude-sonnet-4-6."
    for name, value in (("input_usd_per_mtok", input_price), ("output_usd_per_mtok", output_price)):
        if not 0 <= value <= MAX_PRICE:
            problems[name] = f"A price from 0 to {MAX_PRICE:g} dollars per million tokens."
    for key, cap in caps.items():
        if key not in STAFF_ROLES:
            problems[f"role_caps.{key}"] = "Not a staff role."
        elif not 0 <= cap <= MAX_CAP:
            problems[f"role_caps.{key}"] = f"A daily cap from 0 to {MAX_CAP:g} dollars."
    return problems


async def save(
    db: Database,
    now: datetime,
    actor: Actor,
    model: str,
    input_price: float,
    output_price: float,
    caps: dict[str, float],
) -> None:
    problems = check(model, input_price, output_price, caps)
    if problems:
        raise Invalid(problems)
    await db.batch(
        [
            q(
                "INSERT INTO assistant_settings (id, model, input_usd_per_mtok, output_usd_per_mtok, role_caps,"
                " updated_at) VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET model = excluded.model,"
                " input_usd_per_mtok = excluded.input_usd_per_mtok,"
                " output_usd_per_mtok = excluded.output_usd_per_mtok, role_caps = excluded.role_caps,"
                " updated_at = excluded.updated_at",
                model.strip(),
                input_price,
                output_price,
                json.dumps(caps, sort_keys=True),
                iso(now),
            ),
            records.audit(
                now,
                actor,
                "assistant.settings",
                f"{actor.label} set the assistant to {model.strip()}",
                meta={"model": model.strip(), "in": input_price, "out": output_price, "caps": caps},
            ),
        ]
    )

"""Checking what a person typed into a job (JOB-7…JOB-14, JOB-27): each rule answers 422 naming the
field, before anything is written. `check_fields` turns the client, address, type, partner, area and
contractor fields into the job's columns (with their snapshots); the window is jobs.schedule's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from core import cardcheck, phones
from core.errors import Invalid
from core.geocoding import Geocoder
from core.storage import Database, Row
from core.text import clean_text
from network import matching

TEXT_LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "email": 254,
    "address": 300,
    "unit": 60,
    "city": 100,
    "state": 2,
    "postal_code": 10,
    "company": 200,
    "notes": 8000,
}
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_ZIP = re.compile(r"\d{5}")
MAX_CENTS = 100_000_000_00  # a hundred million dollars: anything above is a typo


@dataclass
class Checked:
    columns: dict[str, Any] = field(default_factory=dict)
    tag_ids: list[int] | None = None


def text(fields: dict[str, Any], name: str) -> str:
    return clean_text(fields.get(name) or "", TEXT_LIMITS[name])


def phone(raw: Any) -> tuple[str, str]:
    """JOB-8: a usable US number, never a placeholder like 1231231234. Answers (E.164, last 10)."""
    number = phones.normalize(str(raw or ""))
    if not str(raw or "").strip():
        raise Invalid("phone: the client's phone is required.", "phone")
    if not number.e164 or not number.last10 or phones.is_placeholder(number.last10):
        raise Invalid("phone: enter the client's real phone number (placeholders are refused).", "phone")
    return number.e164, number.last10


def cents(raw: Any, name: str, *, positive: bool = False) -> int:
    """Money as integer cents (X-17): ≥ 0, or > 0 when POSITIVE (JOB-27)."""
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise Invalid(f"{name}: whole cents as a number.", name)
    if raw < 0 or (positive and raw == 0):
        raise Invalid(f"{name}: must be {'more than 0' if positive else '0 or more'}.", name)
    if raw > MAX_CENTS:
        raise Invalid(f"{name}: that amount is too large.", name)
    return raw


def address_key(address: str, unit: str, postal_code: str) -> str:
    """JOB-18: the normalized address the duplicate check compares."""
    words = re.sub(r"[^a-z0-9]+", " ", f"{address} {unit}".lower()).split()
    return " ".join(words) + (f" {postal_code}" if words and postal_code else "") if words else ""


async def _value(db: Database, table: str, value_id: Any, name: str, label: str) -> Row:
    if value_id is None or value_id == "":
        raise Invalid(f"{name}: pick the {label}.", name)
    row = await db.first(f"SELECT * FROM {table} WHERE id = ? AND active = 1", value_id)
    if row is None:
        raise Invalid(f"{name}: no such {label}.", name)
    return row


async def job_type(db: Database, value_id: Any) -> Row:
    return await _value(db, "job_types", value_id, "job_type_id", "job type")


async def partner(db: Database, value_id: Any) -> Row:
    return await _value(db, "job_partners", value_id, "partner_id", "job partner")


async def area(db: Database, area_id: Any) -> Row:
    row = await db.first("SELECT * FROM service_areas WHERE id = ?", area_id)
    if row is None:
        raise Invalid("service_area_id: no such service area.", "service_area_id")
    return row


def area_columns(row: Row | None) -> dict[str, Any]:
    """JOB-11: the area and its area code + office address, as they are now."""
    if row is None:
        return {"area_id": None, "area_label": "", "area_code": "", "area_office_address": ""}
    return {
        "area_id": row["id"],
        "area_label": row["label"],
        "area_code": row["area_code"],
        "area_office_address": row["office_address"],
    }


async def tags(db: Database, raw: Any) -> list[int]:
    if not isinstance(raw, list) or not all(isinstance(t, int) and not isinstance(t, bool) for t in raw):
        raise Invalid("tag_ids: a list of job tag ids.", "tag_ids")
    ids = sorted(set(raw))
    if ids:
        rows = await db.all("SELECT id FROM job_tags WHERE id IN (SELECT value FROM json_each(?))", str(ids))
        if len(rows) != len(ids):
            raise Invalid("tag_ids: no such job tag.", "tag_ids")
    return ids


async def place(geocoder: Geocoder, columns: dict[str, Any]) -> None:
    """JOB-10: fill city, state, ZIP and the point from the address (server-side geocoding), keeping
    what was typed; a ZIP alone places the job at the ZIP's centre."""
    if columns.get("lat") is not None and columns.get("lng") is not None:
        return
    found = None
    line = ", ".join(str(p) for p in (columns.get("address"), columns.get("city"), columns.get("state")) if p)
    if columns.get("postal_code"):
        line = f"{line} {columns['postal_code']}".strip()
    if columns.get("address"):
        found = await geocoder.address(line)
    if found is None and columns.get("postal_code"):
        found = await geocoder.zip(str(columns["postal_code"]))
    if found is None:
        return
    columns["lat"], columns["lng"] = found.lat, found.lng
    for name, value in (("city", found.city), ("state", found.state), ("postal_code", found.zip)):
        if not columns.get(name):
            columns[name] = value


def client_columns(fields: dict[str, Any], creating: bool) -> dict[str, Any]:
    """The client and address fields given (all of them when CREATING), cleaned."""
    out: dict[str, Any] = {}
    for name in TEXT_LIMITS:
        if name in fields or creating:
            out[name] = text(fields, name)
    if "first_name" in out and not out["first_name"]:
        raise Invalid("first_name: the client's first name is required.", "first_name")
    if out.get("email") and not _EMAIL.fullmatch(str(out["email"])):
        raise Invalid("email: that doesn't look like an email address.", "email")
    if out.get("postal_code") and not _ZIP.fullmatch(str(out["postal_code"])):
        raise Invalid("postal_code: a 5-digit ZIP.", "postal_code")
    if "state" in out:
        out["state"] = str(out["state"]).upper()
    if "phone" in fields or creating:
        out["phone"], out["phone_last10"] = phone(fields.get("phone"))
    for name in ("lat", "lng"):
        if fields.get(name) is not None:
            out[name] = _coordinate(fields[name], name)
    refuse_cards({k: v for k, v in out.items() if isinstance(v, str)})
    return out


def refuse_cards(fields: dict[str, Any]) -> None:
    """X-21: typed text holding a card-shaped number is refused whole, naming the field."""
    for name, value in fields.items():
        try:
            cardcheck.refuse({name: value})
        except cardcheck.CardNumberFound as exc:
            raise Invalid({name: str(exc)}) from None


def _coordinate(raw: Any, name: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise Invalid(f"{name}: a number.", name)
    limit = 90 if name == "lat" else 180
    if not -limit <= float(raw) <= limit:
        raise Invalid(f"{name}: out of range.", name)
    return float(raw)


async def eligible_contractor(
    db: Database, contractor_id: Any, *, job_type_id: int, area_id: int | None, point: tuple[float, float] | None
) -> Row:
    """JOB-13 / FC-1: the contractor must cover the job's area and do its type (and be active)."""
    if area_id is None:
        raise Invalid("contractor_id: pick the service area first; contractors are offered by area.", "contractor_id")
    offered = await matching.eligible(db, job_type_id=job_type_id, area_id=area_id, point=point)
    if not any(c["contractor_id"] == contractor_id for c in offered):
        raise Invalid("contractor_id: that contractor doesn't cover this area and job type.", "contractor_id")
    return await active_contractor(db, contractor_id)


async def active_contractor(db: Database, contractor_id: Any) -> Row:
    """KC-8: any active contractor (the K dialog is not filtered)."""
    row = await db.first("SELECT * FROM contractors WHERE id = ? AND active = 1", contractor_id)
    if row is None:
        raise Invalid("contractor_id: no such active contractor.", "contractor_id")
    return row


async def profit_share(db: Database, contractor: Row, postal_code: str, partner_label: str) -> int | None:
    """FC-5: the Secondary % when the job's ZIP or partner is among the contractor's secondary terms,
    else the Profit Share %; taken as a snapshot whenever a contractor is set (FC-4)."""
    if contractor["secondary_share_bp"] is not None:
        hit = await db.first(
            "SELECT 1 AS hit WHERE EXISTS"
            " (SELECT 1 FROM contractor_secondary_zips WHERE contractor_id = ?1 AND zip = ?2)"
            " OR EXISTS (SELECT 1 FROM contractor_secondary_partners WHERE contractor_id = ?1"
            " AND partner_name = ?3 COLLATE NOCASE)",
            contractor["id"],
            postal_code,
            partner_label,
        )
        if hit:
            return int(contractor["secondary_share_bp"])
    return contractor["profit_share_bp"]

"""Lead intake: every enquiry becomes a lead, durably, exactly once — or is kept in quarantine.

One entry point, `receive`, serves the website form, partner webhooks and (later) booking embeds.
The lead row, its raw payload, its timeline and audit rows and its idempotency keys are written in
one batch before anything answers 2xx. Repeats (partners retry; browsers double-submit) are found
by their keys and answered with the original lead id; the rate limit is part of the same insert, so
concurrent deliveries can neither duplicate a lead nor slip past the limit.

A lead cannot be refused for holding a card number (nothing a partner sends may be lost), so every
card-shaped number in its text, and in the raw delivery kept beside it (payload or quarantine), is
replaced by "[card number removed]" before anything is stored. Partner lead ids and idempotency keys
are the exception: they are how a repeat is recognised, and Facebook's are 15–16 digits that pass
Luhn one time in ten; redacting them would turn different leads into "repeats" and lose them.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

from accounts import offices
from core import cardcheck, localtime, phones, records, us_address
from core.clock import iso
from core.records import SYSTEM, Actor, Ref
from core.storage import Database, IntegrityError, Param, Row, Statement, q
from core.text import DEFAULT_LIMIT, clean_text
from leads import calling_hours
from leads import events as lead_events
from leads import record as lead_record
from leads.sources import Source

RATE_LIMIT = 100
RATE_WINDOW = timedelta(minutes=10)
MAX_BODY_BYTES = 64 * 1024

# Our field ← every name partners use for it (seed 002 "Body fields recognized", plus Angi's and
# Google's own names). The first alias present wins.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("full_name", "fullName", "name"),
    "first_name": ("first_name", "firstName"),
    "last_name": ("last_name", "lastName"),
    "email": ("email", "email_address"),
    "phone": ("phone_number", "phone", "primaryPhone", "phoneNumber"),
    "zip": ("zip_code", "zip", "postalCode", "postal_code"),
    "address": ("address", "street_address", "streetAddress"),
    "external_id": ("lead_id", "leadId", "leadOid"),
    "ad_name": ("ad_name", "adName"),
    "campaign": ("adset_name", "campaign", "campaign_name"),
    "partner_name": ("partner_name",),
    "office": ("office",),
    "tracking_source": ("bb_source", "tracking_source", "ctm_source"),
    "fee": ("fee",),
    "service": ("what_can_we_do_for_you_today", "service_type", "taskName"),
    "how_soon": ("how_soon_do_you_need_the_service", "how_soon"),
    "created_time": ("created_time",),
    "notes": ("extra_notes", "message", "notes", "comments"),
    "source": ("source",),
}
LIMITS = {"name": 200, "notes": 20_000, "address": 500, "email": 254}

# Google Ads lead-form webhooks send a list of columns instead of named fields.
GOOGLE_COLUMNS = {
    "FULL_NAME": "full_name",
    "FIRST_NAME": "first_name",
    "LAST_NAME": "last_name",
    "PHONE_NUMBER": "phone_number",
    "EMAIL": "email",
    "POSTAL_CODE": "zip_code",
    "STREET_ADDRESS": "street_address",
}


class Unusable(ValueError):
    """Authenticated, but not something a lead can be made of; the delivery goes to quarantine."""


@dataclass
class Fields:
    name: str = ""
    email: str = ""
    phone: phones.Phone = field(default_factory=lambda: phones.normalize(""))
    zip: str = ""
    address: str = ""
    external_id: str = ""
    ad_name: str = ""
    campaign: str = ""
    partner_name: str = ""
    office: str = ""
    tracking_source: str = ""
    fee_cents: int | None = None
    service: str = ""
    how_soon: str = ""
    received_at: datetime | None = None
    notes: str = ""
    source: str = ""


@dataclass(frozen=True)
class Outcome:
    status: str  # created | duplicate | reactivated | quarantined | rate_limited
    lead_id: str | None = None
    quarantine_id: int | None = None
    retry_after: int | None = None


MAX_JSON_DEPTH = 32
# JSON can spell half of a surrogate pair alone ("\ud800"); such a string cannot be stored as UTF-8.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abAB]")


class TooDeep(ValueError):
    """JSON nested deeper than any lead is: refused rather than walked (it would exhaust the stack)."""


def parse_json(raw: str) -> Any:
    """A delivery's JSON, as it can be stored: nested at most MAX_JSON_DEPTH levels, and with every
    lone surrogate (which no database can hold) replaced by U+FFFD, so the lead is kept, not lost."""
    try:
        data = json.loads(raw)
    except RecursionError:
        raise TooDeep from None
    if raw.count("[") + raw.count("{") > MAX_JSON_DEPTH:
        _check_depth(data)
    if _SURROGATE_ESCAPE.search(raw):  # the only way a lone surrogate gets in (raw is decoded UTF-8)
        data = _replace_surrogates(data)
    return data


def _check_depth(data: Any) -> None:
    level = [data]
    for _ in range(MAX_JSON_DEPTH + 1):
        level = [
            child
            for value in level
            if isinstance(value, dict | list)
            for child in (value.values() if isinstance(value, dict) else value)
        ]
        if not level:
            return
    raise TooDeep


def _replace_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_surrogates(v) for v in value]
    return value


def lead_text(value: Any, limit: int = DEFAULT_LIMIT) -> str:
    """clean_text with card-shaped numbers redacted: before the cut, so no part of one survives it,
    and after it, in case the cut made one out of a longer number."""
    whole = cardcheck.redact(clean_text(value, MAX_BODY_BYTES))
    return cardcheck.redact(whole[:limit].rstrip())


# Keys whose values are partner lead ids: kept as sent (see the module's docstring).
_ID_KEYS = frozenset(ALIASES["external_id"])


def _redact_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            cardcheck.redact(str(k)): v if k in _ID_KEYS and isinstance(v, str | int) else _redact_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact_value(v) for v in value]
    if isinstance(value, str):
        return cardcheck.redact(value)
    if isinstance(value, int | float) and not isinstance(value, bool) and cardcheck.contains_card_number(str(value)):
        return cardcheck.redact(str(value))
    return value


def redact_body(content_type: str, body: str) -> str:
    """The raw delivery as we keep it: verbatim unless it holds a card-shaped number, then with each
    one redacted the way the lead's fields are. JSON and forms are redacted value by value and written
    out again (a form's `4111+1111…` or a JSON `\u0034…` hides from a plain text search)."""
    if content_type == "application/x-www-form-urlencoded":
        pairs = parse_qsl(body, keep_blank_values=True)
        kept = [(cardcheck.redact(k), v if k in _ID_KEYS else cardcheck.redact(v)) for k, v in pairs]
        return body if kept == pairs else urlencode(kept)
    if content_type == "application/json":
        try:
            data = json.loads(body)
        except ValueError:
            return cardcheck.redact(body)
        kept = _redact_value(data)
        # The text is checked too: a repeated key's first value is in the text but not in `data`.
        if kept == data and not cardcheck.contains_card_number(body):
            return body
        return json.dumps(kept, ensure_ascii=False)
    return cardcheck.redact(body)


def flatten(payload: dict[str, Any]) -> dict[str, Any]:
    """Lift known nested shapes (Google `user_column_data`, Facebook `field_data`) to plain keys."""
    flat = dict(payload)
    for column in payload.get("user_column_data") or []:
        if isinstance(column, dict) and column.get("column_id") in GOOGLE_COLUMNS:
            flat.setdefault(GOOGLE_COLUMNS[column["column_id"]], column.get("string_value"))
    for item in payload.get("field_data") or []:
        if isinstance(item, dict) and isinstance(item.get("values"), list) and item["values"]:
            flat.setdefault(str(item.get("name")), item["values"][0])
    return flat


def _pick(data: dict[str, Any], ours: str) -> str:
    keep = clean_text if ours == "external_id" else lead_text
    for alias in ALIASES[ours]:
        if alias in data:
            value = keep(data[alias], LIMITS.get(ours, DEFAULT_LIMIT))
            if value:
                return value
    return ""


def _cents(text: str) -> int | None:
    match = re.fullmatch(r"\$?\s*(\d{1,7})(?:\.(\d{1,2}))?", text.replace(",", ""))
    if not match:
        return None
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


def _when(text: str) -> datetime | None:
    if not text:
        return None
    try:
        if re.fullmatch(r"\d{9,10}", text):
            return datetime.fromtimestamp(int(text), UTC)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse(payload: Any) -> Fields:
    """Map a partner payload onto our fields. Raises Unusable when nothing identifies a person."""
    if not isinstance(payload, dict):
        raise Unusable("the body is not a JSON object or form")
    data = flatten(payload)
    name = _pick(data, "name") or " ".join(filter(None, (_pick(data, "first_name"), _pick(data, "last_name"))))
    fields = Fields(
        name=name,
        email=_pick(data, "email").lower(),
        phone=phones.normalize(_pick(data, "phone")),
        zip=_pick(data, "zip"),
        address=_pick(data, "address"),
        external_id=_pick(data, "external_id"),
        ad_name=_pick(data, "ad_name"),
        campaign=_pick(data, "campaign"),
        partner_name=_pick(data, "partner_name"),
        office=_pick(data, "office"),
        tracking_source=_pick(data, "tracking_source"),
        fee_cents=_cents(_pick(data, "fee")),
        service=_pick(data, "service"),
        how_soon=_pick(data, "how_soon"),
        received_at=_when(_pick(data, "created_time")),
        notes=_pick(data, "notes"),
        source=_pick(data, "source").lower(),
    )
    if not (fields.name or fields.phone.raw or fields.email):
        raise Unusable("no name, phone or email")
    if not fields.zip:
        # A one-line address ("12 Elm St, Brooklyn NY 11201") without a ZIP field: the ZIP is what
        # places the lead (state, time zone, metro, calling hours).
        fields.zip = us_address.tail(fields.address).zip or ""
    return fields


@dataclass(frozen=True)
class Routing:
    office_id: int | None  # None: fall back to General (created if missing)
    note: str | None  # the "office auto-set" timeline note, when a tracking source decided it


async def route(db: Database, fields: Fields, source: Source, fixed_office: offices.Office | None) -> Routing:
    """Office resolution in seed 002's order: payload office → tracking source → source default → General."""
    if fixed_office is not None:
        return Routing(fixed_office.id, None)
    if fields.office:
        named = await offices.by_name(db, fields.office) or await offices.by_slug(db, offices.slugify(fields.office))
        if named is not None:
            return Routing(named.id, None)
    if fields.tracking_source:
        row = await db.first(
            "SELECT t.office_id, o.name FROM tracking_sources t JOIN offices o ON o.id = t.office_id WHERE t.label = ?",
            fields.tracking_source,
        )
        if row is not None:
            return Routing(
                row["office_id"], f"Office auto-set to {row['name']} from tracking source “{fields.tracking_source}”"
            )
    if source.default_office_id is not None:
        return Routing(source.default_office_id, None)
    return Routing(None, None)


GENERAL_SLUG = "general"


def _general_office(now: datetime) -> list[Statement]:
    """Make sure the final fallback office exists; a no-op when it does."""
    return [offices.ensure(now, GENERAL_SLUG, "General")]


def _keys(fields: Fields, idempotency_key: str | None) -> list[str]:
    keys = []
    if fields.external_id:
        keys.append(f"ext:{fields.external_id}")
    if idempotency_key:
        keys.append(f"idem:{idempotency_key[:200]}")
    return keys


async def _existing(db: Database, source_key: str, keys: list[str]) -> str | None:
    if not keys:
        return None
    row = await db.first(
        "SELECT l.display_id FROM intake_keys k JOIN leads l ON l.id = k.lead_id"
        " WHERE k.source_key = ? AND k.key IN (SELECT value FROM json_each(?)) LIMIT 1",
        source_key,
        json.dumps(keys),
    )
    return row["display_id"] if row else None


async def retry_after(db: Database, source_key: str, now: datetime) -> int | None:
    """Seconds until the source may send again, or None when it is under the limit."""
    since = iso(now - RATE_WINDOW)
    rows = await db.all(
        "SELECT created_at FROM leads WHERE source_key = ? AND created_at > ? ORDER BY created_at DESC LIMIT ?",
        source_key,
        since,
        RATE_LIMIT,
    )
    if len(rows) < RATE_LIMIT:
        return None
    oldest = datetime.fromisoformat(rows[-1]["created_at"].replace("Z", "+00:00"))
    return max(1, int((oldest + RATE_WINDOW - now).total_seconds()) + 1)


def _lead_insert(now: datetime, ref: str, fields: Fields, source: Source, routing: Routing) -> Statement:
    """Insert the lead only while its source is under the rate limit (checked in the same statement,
    so concurrent deliveries cannot overshoot). Inserting nothing makes the batch fail further on."""
    office = (
        routing.office_id
        if routing.office_id is not None
        else Ref("SELECT id FROM offices WHERE slug = ?", (GENERAL_SLUG,))
    )
    stamp = iso(now)
    values: dict[str, Param] = {
        "intake_ref": ref,
        "source_key": source.key,
        "status": "fresh",
        "name": fields.name,
        "phone": fields.phone.e164,
        "phone_raw": fields.phone.raw,
        "phone_last10": fields.phone.last10,
        "phone_flagged": int(fields.phone.flagged),
        "email": fields.email,
        "zip": fields.zip,
        "address": fields.address,
        "service": fields.service,
        "how_soon": fields.how_soon,
        "notes": fields.notes,
        "campaign": fields.campaign,
        "ad_name": fields.ad_name,
        "partner_name": fields.partner_name or None,
        "tracking_source": fields.tracking_source,
        "external_id": fields.external_id or None,
        "fee_cents": fields.fee_cents,
        "received_at": iso(fields.received_at or now),
        "created_at": stamp,
        "updated_at": stamp,
    }
    return lead_record.insert_under_limit(
        values, office, source_key=source.key, since=iso(now - RATE_WINDOW), limit=RATE_LIMIT
    )


@dataclass(frozen=True)
class Delivery:
    """What arrived, as it arrived: kept with the lead (or in quarantine)."""

    channel: str  # webhook:leads | webhook:facebook | webhook:source | request_help | online_booking | manual
    content_type: str
    body: str
    idempotency_key: str | None = None
    actor: Actor = SYSTEM  # a person for leads staff type in; the system for everything that arrives


def _payload_row(now: datetime, lead: Ref, source: Source, delivery: Delivery) -> Statement:
    return Statement(
        "INSERT INTO lead_payloads (lead_id, received_at, source_key, channel, content_type, body)"
        f" VALUES (({lead.sql}), ?, ?, ?, ?, ?)",
        (*lead.params, iso(now), source.key, delivery.channel, delivery.content_type[:100], delivery.body),
    )


def _key_rows(now: datetime, lead: Ref, source: Source, keys: list[str]) -> list[Statement]:
    return [
        Statement(
            f"INSERT INTO intake_keys (source_key, key, lead_id, created_at) VALUES (?, ?, ({lead.sql}), ?)",
            (source.key, key, *lead.params, iso(now)),
        )
        for key in keys
    ]


def move_keys(to_lead_id: int, from_lead_ids: list[int]) -> Statement:
    """Duplicates merge: a partner retrying a delivery of a merged lead is answered with the one that lives on."""
    return Statement(
        "UPDATE intake_keys SET lead_id = ? WHERE lead_id IN (SELECT value FROM json_each(?))",
        (to_lead_id, json.dumps(from_lead_ids)),
    )


async def _create(
    db: Database, now: datetime, fields: Fields, source: Source, routing: Routing, delivery: Delivery, keys: list[str]
) -> Outcome:
    ref = secrets.token_hex(16)
    lead = Ref("SELECT id FROM leads WHERE intake_ref = ?", (ref,))
    office = (
        routing.office_id
        if routing.office_id is not None
        else Ref("SELECT id FROM offices WHERE slug = ?", (GENERAL_SLUG,))
    )
    statements = [
        *(_general_office(now) if routing.office_id is None else []),
        _lead_insert(now, ref, fields, source, routing),
        _payload_row(now, lead, source, delivery),
        *_key_rows(now, lead, source, keys),
        records.timeline(
            now,
            delivery.actor,
            "lead",
            lead,
            "sys",
            f"Lead created by {delivery.actor.label}"
            if delivery.actor.user_id
            else f"Lead received from {source.label}",
            office_id=office,
            meta={"channel": delivery.channel},
        ),
        *(
            [records.timeline(now, delivery.actor, "lead", lead, "sys", routing.note, office_id=office)]
            if routing.note
            else []
        ),
        records.audit(
            now,
            delivery.actor,
            "lead.created",
            f"New {source.label} lead: {fields.name or fields.phone.raw or fields.email}",
            office_id=office,
            meta={"source": source.key, "channel": delivery.channel, "ref": ref},
        ),
        *lead_events.recorded(now, lead, lead_events.CREATED, office),  # issue 22: webhooks after the commit
    ]
    try:
        results = await db.batch(statements)
    except IntegrityError:  # a repeat (its key exists) or over the rate limit (the lead row was not inserted)
        duplicate = await _existing(db, source.key, keys)
        if duplicate:
            return Outcome("duplicate", duplicate)
        wait = await retry_after(db, source.key, now)
        if wait is not None:
            return await _rate_limited(db, now, source, wait)
        raise
    inserted = results[0 if routing.office_id is not None else 1].rows
    return Outcome("created", inserted[0]["display_id"])


async def _rate_limited(db: Database, now: datetime, source: Source, wait: int) -> Outcome:
    await db.batch(
        [
            records.audit(
                now,
                SYSTEM,
                "intake.rate_limited",
                f"{source.label} sent more than {RATE_LIMIT} leads in 10 minutes; delivery refused (429)",
                meta={"source": source.key, "retry_after": wait},
            )
        ]
    )
    return Outcome("rate_limited", retry_after=wait)


async def _reactivate(
    db: Database, now: datetime, fields: Fields, source: Source, delivery: Delivery, keys: list[str]
) -> Outcome | None:
    """BookBack reactivation (seed 002): a known phone brings its newest lead back to Fresh instead of
    duplicating it. A converted lead counts: it is archived as the customer's lifecycle row, and seed
    002's own example is a lead that "was Converted (Yelp)". It comes back to the queue the way
    Return to leads brings it (unarchived, unlinked, so converting it again matches the customer);
    the customer stays as it is, with an entry saying its lead is being worked again. Other archived
    leads (merged duplicates, leads put away by hand) stay put."""
    if not fields.phone.last10:
        return None
    row = await _reactivation_candidate(db, fields.phone.last10)
    if row is None:
        return None
    lead = Ref("SELECT ?", (row["id"],))
    header = f"--- BookBack AI, {localtime.shown(now, calling_hours.place_of(row).zone)} ---"  # the lead's zone
    addition = "\n".join(filter(None, (header, fields.notes or "(no notes)")))
    was = f"{row['status'].replace('_', ' ').title()} ({row['source_label'] or 'unknown source'})"
    customer_rows = _customer_note(now, row)
    meta = {"previous_status": row["status"], "customer": row["customer_display"]}
    try:
        await db.batch(
            [
                lead_record.reactivate(now, row, addition),
                records.guard_changed(),
                _payload_row(now, lead, source, delivery),
                *_key_rows(now, lead, source, keys),
                records.timeline(
                    now,
                    SYSTEM,
                    "lead",
                    row["id"],
                    "sys",
                    f"Reactivated by BookBack AI — was {was}",
                    office_id=row["office_id"],
                    meta=meta,
                ),
                *customer_rows,
                records.audit(
                    now,
                    SYSTEM,
                    "lead.reactivated",
                    f"BookBack AI reactivated {row['display_id']} (was {was})",
                    office_id=row["office_id"],
                    meta=meta,
                ),
            ]
        )
    except records.LostRace:
        return None  # changed under us: nothing written; fall through to a new lead, never lose it
    return Outcome("reactivated", row["display_id"])


async def _reactivation_candidate(db: Database, phone_last10: str) -> Row | None:
    """The newest lead with this phone that reactivation may bring back: open, or archived as a
    customer's lead (converted); None when there is none."""
    return await db.first(
        "SELECT l.id, l.display_id, l.status, l.office_id, s.label AS source_label, l.version, l.customer_id,"
        " l.zip, l.address, o.time_zone,"
        " c.display_id AS customer_display, c.office_id AS customer_office_id FROM leads l"
        " JOIN offices o ON o.id = l.office_id"
        " LEFT JOIN lead_sources s ON s.key = l.source_key LEFT JOIN customers c ON c.id = l.customer_id"
        " WHERE l.phone_last10 = ? AND (l.archived_at IS NULL OR l.customer_id IS NOT NULL)"
        " ORDER BY l.id DESC LIMIT 1",
        phone_last10,
    )


def _customer_note(now: datetime, row: Row) -> list[Statement]:
    """The customer's timeline entry saying its lead is being worked again (none without a customer)."""
    if row["customer_display"] is None:
        return []
    return [
        records.timeline(
            now,
            SYSTEM,
            "customer",
            row["customer_id"],
            "sys",
            f"Lead {row['display_id']} reactivated by BookBack AI: back in the leads queue as Fresh",
            office_id=row["customer_office_id"],
            meta={"lead": row["display_id"]},
        )
    ]


async def quarantine(db: Database, now: datetime, source_key: str, delivery: Delivery, reason: str) -> Outcome:
    result = await db.batch(
        [
            q(
                "INSERT INTO intake_quarantine (received_at, source_key, channel, reason, content_type, body)"
                " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                iso(now),
                source_key,
                delivery.channel,
                reason,
                delivery.content_type[:100],
                delivery.body,
            ),
            records.audit(
                now,
                SYSTEM,
                "intake.quarantined",
                f"A {source_key} delivery was kept in quarantine: {reason}",
                meta={"source": source_key, "channel": delivery.channel},
            ),
        ]
    )
    return Outcome("quarantined", quarantine_id=result[0].rows[0]["id"])


async def receive(
    db: Database,
    now: datetime,
    source: Source,
    payload: Any,
    delivery: Delivery,
    *,
    fixed_office: offices.Office | None = None,
    extra_notes: str = "",
) -> Outcome:
    """Turn one authenticated delivery into a lead (or find the one it repeats). Never loses it, and
    never stores a card number from it."""
    delivery = replace(delivery, body=redact_body(delivery.content_type, delivery.body))
    extra_notes = lead_text(extra_notes, LIMITS["notes"])
    try:
        fields = parse(payload)
    except Unusable as exc:
        return await quarantine(db, now, source.key, delivery, str(exc))
    if extra_notes:
        fields.notes = lead_text("\n\n".join(filter(None, (fields.notes, extra_notes))), LIMITS["notes"])
    keys = _keys(fields, delivery.idempotency_key)
    # A repeat is found by the batch itself (its key collides) — no read on the common path. BookBack
    # updates an existing lead instead of inserting, so it looks first.
    if source.key == "bookback":
        known = await _existing(db, source.key, keys)
        if known:
            return Outcome("duplicate", known)
        reactivated = await _reactivate(db, now, fields, source, delivery, keys)
        if reactivated:
            return reactivated
    routing = await route(db, fields, source, fixed_office)
    return await _create(db, now, fields, source, routing, delivery, keys)


async def quarantined(db: Database, *, include_resolved: bool = False, limit: int = 100) -> list[Any]:
    where = "" if include_resolved else " WHERE resolved_at IS NULL"
    return await db.all(f"SELECT * FROM intake_quarantine{where} ORDER BY id DESC LIMIT ?", limit)


async def resolve_quarantined(db: Database, now: datetime, actor: Actor, item_id: int) -> bool:
    """Mark a kept delivery as dealt with (its body stays for the record)."""
    results = await db.batch(
        [
            q("UPDATE intake_quarantine SET resolved_at = ? WHERE id = ? AND resolved_at IS NULL", iso(now), item_id),
            records.audit(now, actor, "intake.quarantine_resolved", f"Quarantined delivery #{item_id} marked resolved"),
        ]
    )
    return results[0].changes == 1

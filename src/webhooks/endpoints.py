"""Webhook endpoints (owner): each slot's main URL and its filtered fan-outs (WHO-1…WHO-15, WHO-26).

Everything is checked before anything is written (a 422 names the field; nothing half-saved). The
URL passes the SSRF guard at save (and again at send, `delivery`). Secrets never come back out: the
`whsec_` signing secret is returned once, by `create` and `rotate_secret`; Basic Auth is write-only.
Both are sealed with the vault's key ring.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core import outbound, records
from core.clock import iso
from core.errors import Conflict, Invalid, NotFound
from core.records import Actor
from core.storage import Row, q
from core.vault import KeyRing, Sealed
from webhooks import slots

PAYLOAD_TYPES = ("json", "form", "xml", "raw")
RESERVED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-authorization",
        "proxy-authenticate",
        "te",
        "trailer",
        "upgrade",
        "expect",
        "cookie",
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    }
)
TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP header name (RFC 9110 token)
XML_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9._-]*$")  # an XML element name (no colon, not starting xml)
MAX_ROWS = 50
MAX_TEXT = 2000
SECRET_AD = "webhook_endpoints.secret"  # noqa: S105 - the vault's associated data, not a secret
AUTH_AD = "webhook_endpoints.basic_auth"


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


@dataclass(frozen=True)
class Allowance:
    production: bool
    allow_hosts: frozenset[str]


def allowance(bindings: Any) -> Allowance:
    return Allowance(bindings.settings.production, getattr(bindings, "outbound_allow", frozenset()))


def check_url(url: Any, allow: Allowance, field: str = "url") -> str:
    if not isinstance(url, str) or not url.strip():
        raise Invalid("A URL is required.", field=field)
    url = url.strip()
    if len(url) > 2000 or any(c in url for c in "\r\n\t "):
        raise Invalid("That is not a URL.", field=field)
    try:
        outbound.check_user_url(url, production=allow.production, allow_hosts=allow.allow_hosts)
    except outbound.BlockedDestination as exc:
        raise Invalid(f"That URL is not allowed: {exc}.", field=field) from None
    return url


def _pairs(value: Any, field: str, key_name: str) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_ROWS:
        raise Invalid(f"A list of up to {MAX_ROWS} rows.", field=field)
    out = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {key_name, "value"}:
            raise Invalid(f"Each row is {{{key_name}, value}}.", field=field)
        k, v = item.get(key_name), item.get("value", "")
        if not isinstance(k, str) or not k.strip() or not isinstance(v, str) or len(v) > MAX_TEXT:
            raise Invalid(f"Each row needs a {key_name} and a text value.", field=field)
        out.append((k.strip(), v))
    return out


def _filters(value: Any, slot: slots.Slot) -> dict[str, list[Any]]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Invalid("Filters are an object of lists.", field="filters")
    extra = set(value) - set(slot.dimensions)
    if extra:
        raise Invalid(
            f"{slot.label} filters by {', '.join(slot.dimensions) or 'nothing'}; not {', '.join(sorted(extra))}.",
            field="filters",
        )
    out: dict[str, list[Any]] = {}
    for dim, values in value.items():
        if not isinstance(values, list) or len(values) > 200:
            raise Invalid(f"{dim}: a list of values.", field="filters")
        if dim in ("offices", "job_types"):
            if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in values):
                raise Invalid(f"{dim}: ids.", field="filters")
        elif not all(isinstance(v, str) and 0 < len(v) <= 200 for v in values):
            raise Invalid(f"{dim}: names.", field="filters")
        if values:
            out[dim] = list(dict.fromkeys(values))
    return out


FIELDS = {
    "event",
    "kind",
    "label",
    "url",
    "enabled",
    "filters",
    "payload_type",
    "data",
    "raw_body",
    "headers",
    "basic_auth",
}


@dataclass
class Clean:
    event: str
    kind: str
    label: str
    url: str
    enabled: bool
    filters: dict[str, list[Any]]
    payload_type: str
    data: list[tuple[str, str]]
    raw_body: str
    headers: list[tuple[str, str]]
    basic_auth: str | None  # None: keep (update) / none (create); "": clear


def clean(body: dict[str, Any], allow: Allowance, current: Row | None = None) -> Clean:
    """Every field checked; all problems at once, each on its field."""
    unknown = set(body) - FIELDS
    if unknown:
        raise Invalid({f: "Not a field of a webhook endpoint." for f in sorted(unknown)})
    problems: dict[str, str] = {}

    def take(field: str, check: Any, default: Any) -> Any:
        try:
            return check(body[field]) if field in body else default
        except Invalid as exc:
            problems.update(exc.fields or {field: exc.message})
            return default

    event, slot, kind = _slot_and_kind(body, current, problems)
    url = take("url", lambda v: check_url(v, allow), current["url"] if current else None)
    if url is None and "url" not in problems:
        problems["url"] = "A URL is required."
    label = take("label", lambda v: _text(v, "label", 120), current["label"] if current else "")
    enabled = take("enabled", lambda v: _bool(v, "enabled"), bool(current["enabled"]) if current else True)
    fanout = kind == "fanout"
    builder = {"filters", "payload_type", "data", "raw_body", "headers", "basic_auth"} & set(body)
    if not fanout and builder:
        for f in builder:
            problems[f] = "Main URLs always send the standard payload; the builder is for fan-outs (WHO-14)."
    filters = take("filters", lambda v: _filters(v, slot), json.loads(current["filters"]) if current else {})
    payload_type = take("payload_type", _payload_type, current["payload_type"] if current else "json")
    data = take(
        "data", lambda v: _pairs(v, "data", "key"), [tuple(p) for p in json.loads(current["data"])] if current else []
    )
    if payload_type == "xml":
        bad = [k for k, _ in data if not XML_NAME.match(k) or k.lower().startswith("xml")]
        if bad:
            problems["data"] = f"Not an XML element name: {bad[0]!r}."
    raw_body = take("raw_body", lambda v: _text(v, "raw_body", 20_000), current["raw_body"] if current else "")
    headers = take("headers", _headers, [tuple(p) for p in json.loads(current["headers"])] if current else [])
    basic_auth = take("basic_auth", _basic_auth, None)
    if problems:
        raise Invalid(problems)
    return Clean(
        event, kind, label, str(url), bool(enabled), filters, payload_type, data, raw_body, headers, basic_auth
    )


def _slot_and_kind(body: dict[str, Any], current: Row | None, problems: dict[str, str]) -> tuple[str, slots.Slot, str]:
    event = current["event"] if current else body.get("event")
    slot = slots.slot(event) if isinstance(event, str) else None
    if slot is None:
        raise Invalid("Choose one of the webhook events.", field="event")
    if current and "event" in body and body["event"] != current["event"]:
        problems["event"] = "An endpoint stays on its event; add a new one instead."
    kind = current["kind"] if current else body.get("kind", "main")
    if kind not in ("main", "fanout"):
        problems["kind"] = "main or fanout."
    elif kind == "main" and not slot.has_main:
        problems["kind"] = f"{slot.label} has filtered fan-outs only."
    if current and "kind" in body and body["kind"] != current["kind"]:
        problems["kind"] = "The kind of an endpoint does not change."
    return str(event), slot, str(kind)


def _text(v: Any, field: str, limit: int) -> str:
    if not isinstance(v, str) or len(v) > limit:
        raise Invalid(f"Text of at most {limit} characters.", field=field)
    return v.strip() if field == "label" else v


def _bool(v: Any, field: str) -> bool:
    if not isinstance(v, bool):
        raise Invalid("true or false.", field=field)
    return v


def _payload_type(v: Any) -> str:
    if v not in PAYLOAD_TYPES:
        raise Invalid(f"One of {', '.join(PAYLOAD_TYPES)}.", field="payload_type")
    return str(v)


def _headers(v: Any) -> list[tuple[str, str]]:
    pairs = _pairs(v, "headers", "name")
    for name, value in pairs:
        if not TOKEN.match(name):
            raise Invalid(f"Not a header name: {name!r}.", field="headers")
        if name.lower() in RESERVED_HEADERS:
            raise Invalid(f"{name} is set by Porchlight and cannot be sent.", field="headers")
        if "\r" in value or "\n" in value or "\x00" in value:
            raise Invalid(f"The value of {name} has a line break.", field="headers")
    return pairs


def _basic_auth(v: Any) -> str:
    if v == "":
        return ""
    if not isinstance(v, str) or ":" not in v or len(v) > 500 or any(c in v for c in "\r\n"):
        raise Invalid("Basic Auth is username:password.", field="basic_auth")
    return v


# --- reading -------------------------------------------------------------------------------------


def shape(row: Row) -> dict[str, Any]:
    """The JSON form (docs/api.md): never a secret."""
    return {
        "id": row["id"],
        "event": row["event"],
        "kind": row["kind"],
        "label": row["label"],
        "url": row["url"],
        "enabled": bool(row["enabled"]),
        "disabled_reason": row["disabled_reason"],
        "filters": json.loads(row["filters"]),
        "payload_type": row["payload_type"],
        "data": [{"key": k, "value": v} for k, v in json.loads(row["data"])],
        "raw_body": row["raw_body"],
        "headers": [{"name": k, "value": v} for k, v in json.loads(row["headers"])],
        "basic_auth_set": row["auth_sealed"] is not None,
        "version": row["version"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


async def all_endpoints(db: Any) -> list[Row]:
    return await db.all("SELECT * FROM webhook_endpoints ORDER BY event, kind DESC, id")


async def get(db: Any, endpoint_id: int) -> Row | None:
    return await db.first("SELECT * FROM webhook_endpoints WHERE id = ?", endpoint_id)


async def for_event(db: Any, event: str) -> list[Row]:
    return await db.all("SELECT * FROM webhook_endpoints WHERE event = ? AND enabled = 1 ORDER BY kind DESC, id", event)


def secret_of(ring: KeyRing, row: Row) -> str:
    return ring.open(Sealed(row["secret_sealed"], row["secret_key"]), SECRET_AD)


def basic_auth_of(ring: KeyRing, row: Row) -> str | None:
    if row["auth_sealed"] is None:
        return None
    return ring.open(Sealed(row["auth_sealed"], row["auth_key"]), AUTH_AD)


# --- verbs ---------------------------------------------------------------------------------------


def _audit(now: datetime, actor: Actor, action: str, summary: str, **meta: Any) -> Any:
    return records.audit(now, actor, action, summary, meta=meta)


async def create(bindings: Any, now: datetime, actor: Actor, body: dict[str, Any]) -> tuple[Row, str]:
    """A new endpoint and its signing secret (returned here only)."""
    c = clean(body, allowance(bindings))
    db = bindings.db
    if c.kind == "main" and await db.first(
        "SELECT id FROM webhook_endpoints WHERE event = ? AND kind = 'main'", c.event
    ):
        raise Conflict("This event has its main URL already; change that one.")
    ring = KeyRing.from_settings(bindings.settings)
    secret = new_secret()
    sealed = ring.seal(secret, SECRET_AD)
    auth = ring.seal(c.basic_auth, AUTH_AD) if c.basic_auth else None
    results = await db.batch(
        [
            q(
                "INSERT INTO webhook_endpoints (event, kind, label, url, enabled, filters, payload_type, data,"
                " raw_body, headers, auth_sealed, auth_key, secret_sealed, secret_key, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                c.event,
                c.kind,
                c.label,
                c.url,
                int(c.enabled),
                json.dumps(c.filters),
                c.payload_type,
                json.dumps(c.data),
                c.raw_body,
                json.dumps(c.headers),
                auth.ciphertext if auth else None,
                auth.key_id if auth else None,
                sealed.ciphertext,
                sealed.key_id,
                iso(now),
                iso(now),
            ),
            _audit(
                now,
                actor,
                "webhook.endpoint_created",
                f"{actor.label} added a {c.kind} webhook for {c.event}: {c.url}",
                event=c.event,
                url=c.url,
            ),
        ]
    )
    row = await get(db, int(results[0].rows[0]["id"]))
    assert row is not None
    return row, secret


async def update(bindings: Any, now: datetime, actor: Actor, row: Row, body: dict[str, Any]) -> Row:
    c = clean(body, allowance(bindings), current=row)
    ring = KeyRing.from_settings(bindings.settings)
    auth_sql, auth_params = "", []
    if c.basic_auth == "":
        auth_sql = ", auth_sealed = NULL, auth_key = NULL"
    elif c.basic_auth:
        sealed = ring.seal(c.basic_auth, AUTH_AD)
        auth_sql, auth_params = ", auth_sealed = ?, auth_key = ?", [sealed.ciphertext, sealed.key_id]
    reenabled = c.enabled and not row["enabled"]
    await bindings.db.batch(
        [
            q(
                "UPDATE webhook_endpoints SET label = ?, url = ?, enabled = ?, filters = ?, payload_type = ?, data = ?,"
                f" raw_body = ?, headers = ?{auth_sql},"
                " disabled_reason = CASE WHEN ? THEN NULL ELSE disabled_reason END,"
                " version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
                c.label,
                c.url,
                int(c.enabled),
                json.dumps(c.filters),
                c.payload_type,
                json.dumps(c.data),
                c.raw_body,
                json.dumps(c.headers),
                *auth_params,
                int(reenabled or c.enabled),
                iso(now),
                row["id"],
                row["version"],
            ),
            records.guard_changed(),
            _audit(
                now,
                actor,
                "webhook.endpoint_changed",
                f"{actor.label} changed the {row['event']} webhook {c.url}",
                endpoint=row["id"],
            ),
        ]
    )
    fresh = await get(bindings.db, row["id"])
    assert fresh is not None
    return fresh


async def delete(bindings: Any, now: datetime, actor: Actor, row: Row) -> None:
    await bindings.db.batch(
        [
            q("DELETE FROM webhook_endpoints WHERE id = ? AND version = ?", row["id"], row["version"]),
            records.guard_changed(),
            _audit(
                now,
                actor,
                "webhook.endpoint_deleted",
                f"{actor.label} removed the {row['event']} webhook {row['url']}",
                endpoint=row["id"],
            ),
        ]
    )


async def rotate_secret(bindings: Any, now: datetime, actor: Actor, row: Row) -> str:
    """A new signing secret (shown once); the old one stops signing at once."""
    secret = new_secret()
    sealed = KeyRing.from_settings(bindings.settings).seal(secret, SECRET_AD)
    await bindings.db.batch(
        [
            q(
                "UPDATE webhook_endpoints SET secret_sealed = ?, secret_key = ?, version = version + 1, updated_at = ?"
                " WHERE id = ? AND version = ?",
                sealed.ciphertext,
                sealed.key_id,
                iso(now),
                row["id"],
                row["version"],
            ),
            records.guard_changed(),
            _audit(
                now,
                actor,
                "webhook.secret_rotated",
                f"{actor.label} rotated the signing secret of {row['url']}",
                endpoint=row["id"],
            ),
        ]
    )
    return secret


def disabled_by_gone(endpoint_id: int, now: datetime, status: int) -> list[Any]:
    """410 Gone: the endpoint is switched off (WHO-24), audited for the owner."""
    return [
        q(
            "UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, version = version + 1, updated_at = ?"
            " WHERE id = ? AND enabled = 1",
            f"The receiver answered {status} Gone on {iso(now)[:10]}.",
            iso(now),
            endpoint_id,
        ),
        records.audit(
            now,
            records.SYSTEM,
            "webhook.endpoint_disabled",
            f"Webhook endpoint {endpoint_id} answered 410 Gone and was disabled",
            meta={"endpoint": endpoint_id},
        ),
    ]


async def require(db: Any, endpoint_id: int) -> Row:
    row = await get(db, endpoint_id)
    if row is None:
        raise NotFound("No such webhook endpoint.")
    return row

"""QuickBooks webhooks: verify the signature, read both payload shapes, record the changed ids.

Owns `quickbooks_changes`. Intuit signs the raw body: `intuit-signature` =
base64(HMAC-SHA256(body, verifier token)), compared here in constant time before anything is parsed
or written. Payloads carry ids only, in the legacy `{"eventNotifications": [...]}` shape or the
CloudEvents array (`type` = `qbo.<entity>.<action>.v1`, `intuitaccountid` = realm,
`intuitentityid` = id). Ids of the imported entities for the connected company are recorded in one
batch; the next sync tick fetches them. The handler answers at once: Intuit wants a 200 within 3 s.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core import config
from core.clock import iso, parse
from core.storage import Database, Statement, q
from quickbooks import objects

MAX_BODY_BYTES = 1_000_000
_BY_LOWER = {e.lower(): e for e in objects.ENTITIES}
_ACTIONS = {
    "created": "Create",
    "updated": "Update",
    "deleted": "Delete",
    "merged": "Merge",
    "voided": "Void",
    "void": "Void",
    "emailed": "Emailed",
}


@dataclass(frozen=True)
class Change:
    realm_id: str
    entity: str
    qbo_id: str
    operation: str
    event_time: str | None


def signature_ok(body: bytes, signature: str | None, verifier: config.Secret | None) -> bool:
    if not signature or not verifier:
        return False
    expected = base64.b64encode(hmac.new(verifier.reveal().encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected.encode(), signature.strip().encode())


def _when(text: Any) -> str | None:
    try:
        return iso(parse(str(text))) if text else None
    except ValueError:
        return None


def _legacy(document: dict[str, Any]) -> list[Change]:
    found: list[Change] = []
    for note in document.get("eventNotifications") or []:
        if not isinstance(note, dict):
            continue
        realm = str(note.get("realmId") or "")
        for entity in (note.get("dataChangeEvent") or {}).get("entities") or []:
            if not isinstance(entity, dict):
                continue
            name = _BY_LOWER.get(str(entity.get("name") or "").lower())
            if name and entity.get("id") is not None:
                op = str(entity.get("operation") or "Update")
                when = _when(entity.get("lastUpdated"))
                found.append(Change(realm, name, str(entity["id"]), op, when))
                if op == "Merge" and entity.get("deletedId") is not None:
                    found.append(Change(realm, name, str(entity["deletedId"]), "Delete", when))
    return found


def _cloudevents(events: list[Any]) -> list[Change]:
    found: list[Change] = []
    for event in events:
        if not isinstance(event, dict):
            continue
        parts = str(event.get("type") or "").split(".")
        if len(parts) != 4 or parts[0] != "qbo":
            continue
        name = _BY_LOWER.get(parts[1])
        if name and event.get("intuitentityid") is not None:
            found.append(
                Change(
                    str(event.get("intuitaccountid") or ""),
                    name,
                    str(event["intuitentityid"]),
                    _ACTIONS.get(parts[2], parts[2].title()),
                    _when(event.get("time")),
                )
            )
    return found


def changes_in(body: bytes) -> list[Change]:
    """Every change the payload reports for an entity we import. Unknown shapes yield nothing."""
    try:
        document = json.loads(body)
    except ValueError:
        return []
    if isinstance(document, list):
        return _cloudevents(document)
    if isinstance(document, dict):
        return _legacy(document)
    return []


async def record(db: Database, now: datetime, changes: list[Change]) -> int:
    """Store the connected company's changed ids for the next sync tick. Returns how many."""
    conn = await db.first("SELECT realm_id FROM quickbooks_connection WHERE id = 1 AND status = 'connected'")
    if conn is None:
        return 0
    mine = [c for c in changes if c.realm_id == conn["realm_id"] and c.operation != "Emailed"]
    if not mine:
        return 0
    rows = json.dumps([[c.entity, c.qbo_id, c.operation, c.event_time] for c in mine])
    await db.batch(
        [
            q(
                "INSERT INTO quickbooks_changes (realm_id, entity, qbo_id, operation, event_time, received_at)"
                " SELECT ?1, json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),"
                " json_extract(value, '$[3]'), ?2 FROM json_each(?3) WHERE true"
                " ON CONFLICT (realm_id, entity, qbo_id) DO UPDATE SET operation = excluded.operation,"
                " event_time = max(coalesce(quickbooks_changes.event_time, ''), coalesce(excluded.event_time, '')),"
                " received_at = excluded.received_at",
                conn["realm_id"],
                iso(now),
                rows,
            )
        ]
    )
    return len(mine)


# --- the pending changes, cleared by sync and by the importer's purge ------------------------------


def clear_changes(realm_id: str, cleared: str) -> Statement:
    """Forget the changes listed in `cleared` (JSON [[entity, qbo_id, received_at], ...]) unless one
    arrived again after the listed time."""
    return q(
        "DELETE FROM quickbooks_changes WHERE realm_id = ?1 AND EXISTS (SELECT 1 FROM json_each(?2) j"
        " WHERE json_extract(j.value, '$[0]') = entity AND json_extract(j.value, '$[1]') = qbo_id"
        " AND json_extract(j.value, '$[2]') >= received_at)",
        realm_id,
        cleared,
    )


def clear_all_changes() -> Statement:
    return q("DELETE FROM quickbooks_changes")

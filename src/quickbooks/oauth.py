"""The QuickBooks connection: OAuth connect and callback, tokens at rest, refresh, disconnect.

Owns `quickbooks_connection` (one row, id 1) and `quickbooks_oauth_states`.

- **Connect**: a random `state` whose SHA-256 is stored with the session that asked; the callback
  must come back in that session, within ten minutes, once.
- **Tokens** are sealed with vault.py (AES-256-GCM, associated data naming the realm and the kind),
  and both are written every time Intuit answers, since the refresh token's value rotates.
- **Refresh** is single-flight per company: a caller claims a lease on the row (conditional UPDATE on
  the token version and lease time); anyone else waits for the version to move and reads the new
  token. Racing refreshes would otherwise spend one refresh token twice, which Intuit answers with
  `invalid_grant`.
- **invalid_grant** (after re-reading the row once, in case another process already rotated) marks
  the connection broken and writes an audit row; the owner must connect again.
- **Disconnect** revokes the refresh token at Intuit (best effort) and wipes both tokens.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from core import records
from core.bindings import Bindings
from core.clock import iso, parse
from core.errors import Conflict
from core.records import Actor
from core.storage import Database, Row, Statement, q
from core.vault import KeyRing, Sealed
from quickbooks.client import (
    SCOPE,
    Endpoints,
    InvalidGrant,
    NotConnected,
    QuickBooksError,
    call,
    fault_of,
    send,
    tid_of,
)

STATE_TTL = timedelta(minutes=10)
REFRESH_LEASE = timedelta(seconds=30)
# Refresh a little before the hour is up, so a call never starts with a token about to lapse.
EARLY = timedelta(minutes=5)
# How long a caller waits (real time) for another caller's refresh before giving up for this tick.
WAIT_SECONDS = 15.0
WAIT_STEP = 0.05


@dataclass(frozen=True)
class Connection:
    realm_id: str
    environment: str
    company_name: str
    status: str
    token_version: int
    access_expires_at: str | None
    refresh_expires_at: str | None
    last_refresh_at: str | None
    connected_at: str
    sync_watermark: str | None
    last_sync_at: str | None
    resync_since: str | None
    backoff_until: str | None
    last_error: str | None
    last_error_at: str | None
    row: Row

    @classmethod
    def of(cls, row: Row) -> Connection:
        names = [f for f in cls.__dataclass_fields__ if f != "row"]
        return cls(**{n: row[n] for n in names}, row=row)

    @property
    def connected(self) -> bool:
        return self.status == "connected"

    def token_health(self, now: datetime) -> str:
        """A few words for the status panel."""
        if self.status == "broken":
            return "refused by QuickBooks: connect again"
        if self.status != "connected":
            return "no tokens"
        if self.refresh_expires_at and parse(self.refresh_expires_at) <= now:
            return "expired: connect again"
        if self.refresh_expires_at and parse(self.refresh_expires_at) - now < timedelta(days=14):
            return "refresh token expires soon"
        return "healthy"

    def throttled(self, now: datetime) -> bool:
        return bool(self.backoff_until and parse(self.backoff_until) > now)


async def connection(db: Database) -> Connection | None:
    row = await db.first("SELECT * FROM quickbooks_connection WHERE id = 1")
    return Connection.of(row) if row else None


def _ad(realm_id: str, kind: str) -> str:
    return f"quickbooks:{realm_id}:{kind}"


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


# --- connect -------------------------------------------------------------------------------------


async def connect_url(bindings: Bindings, session_id: int, user_id: int) -> str:
    """Intuit's consent URL with a fresh `state` bound to this session."""
    endpoints = Endpoints.from_settings(bindings.settings)
    if not endpoints.configured:
        raise Conflict(f"QuickBooks is not configured: set {', '.join(endpoints.missing())}.")
    now = bindings.clock.now()
    state = secrets.token_urlsafe(32)
    await bindings.db.batch(
        [
            q("DELETE FROM quickbooks_oauth_states WHERE expires_at <= ?", iso(now)),
            q(
                "INSERT INTO quickbooks_oauth_states (state_hash, session_id, user_id, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?)",
                _hash(state),
                session_id,
                user_id,
                iso(now),
                iso(now + STATE_TTL),
            ),
        ]
    )
    params = {
        "client_id": endpoints.client_id,
        "response_type": "code",
        "scope": SCOPE,
        "redirect_uri": endpoints.redirect_uri,
        "state": state,
    }
    return f"{endpoints.auth_url}?{urlencode(params)}"


def _basic(endpoints: Endpoints) -> str:
    secret = endpoints.client_secret.reveal() if endpoints.client_secret else ""
    return "Basic " + base64.b64encode(f"{endpoints.client_id}:{secret}".encode()).decode()


async def _token_call(http: httpx.AsyncClient, endpoints: Endpoints, form: dict[str, str]) -> dict[str, Any]:
    response = await send(
        http,
        "POST",
        endpoints.token_url,
        data=form,
        headers={"Authorization": _basic(endpoints), "Accept": "application/json"},
    )
    error = fault_of(response.status_code, response.text, response.headers.get("content-type", ""), tid_of(response))
    if error is not None:
        if error.code == "invalid_grant":
            raise InvalidGrant(
                "QuickBooks refused the authorization (invalid_grant)", status=error.status, permanent=True
            )
        raise error
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict) or not data.get("access_token") or not data.get("refresh_token"):
        raise QuickBooksError("QuickBooks' token answer was incomplete", status=response.status_code)
    return data


def _token_columns(ring: KeyRing, realm_id: str, now: datetime, tokens: dict[str, Any]) -> dict[str, Any]:
    access = ring.seal(str(tokens["access_token"]), _ad(realm_id, "access"))
    refresh = ring.seal(str(tokens["refresh_token"]), _ad(realm_id, "refresh"))
    return {
        "access_sealed": access.ciphertext,
        "refresh_sealed": refresh.ciphertext,
        "key_id": access.key_id,
        "access_expires_at": iso(now + timedelta(seconds=int(tokens.get("expires_in") or 3600))),
        "refresh_expires_at": iso(now + timedelta(seconds=int(tokens.get("x_refresh_token_expires_in") or 8_726_400))),
    }


async def complete(
    bindings: Bindings,
    http: httpx.AsyncClient,
    actor: Actor,
    *,
    session_id: int,
    code: str,
    state: str,
    realm_id: str,
) -> Connection:
    """The callback: check the state, exchange the code, read the company name, store the connection."""
    db, now = bindings.db, bindings.clock.now()
    await _use_state(db, now, session_id, state)
    if not realm_id or not realm_id.isdigit() or not code:
        raise Conflict("QuickBooks did not send a company and code back. Start again with Connect.")
    endpoints = Endpoints.from_settings(bindings.settings)
    tokens = await _token_call(
        http,
        endpoints,
        {"grant_type": "authorization_code", "code": code, "redirect_uri": endpoints.redirect_uri},
    )
    cols = _token_columns(KeyRing.from_settings(bindings.settings), realm_id, now, tokens)
    await db.batch([_connect_row(now, actor, realm_id, endpoints.environment, cols)])
    name = await _company_name(http, endpoints, str(tokens["access_token"]), realm_id)
    await db.batch(
        [
            q("UPDATE quickbooks_connection SET company_name = ? WHERE id = 1 AND realm_id = ?", name, realm_id),
            records.audit(
                now,
                actor,
                "quickbooks.connected",
                f"{actor.label} connected QuickBooks company {name or realm_id} ({endpoints.environment})",
                meta={"realm_id": realm_id, "environment": endpoints.environment, "company": name},
            ),
        ]
    )
    found = await connection(db)
    assert found is not None
    return found


async def _use_state(db: Database, now: datetime, session_id: int, state: str) -> None:
    """Spend the sign-in's state: it must be unexpired and begun in this session, and works once."""
    used = await db.run(
        "DELETE FROM quickbooks_oauth_states WHERE state_hash = ? AND session_id = ? AND expires_at > ?",
        _hash(state),
        session_id,
        iso(now),
    )
    if used.changes != 1:
        raise Conflict("That QuickBooks sign-in expired or began in another session. Start again with Connect.")


def _connect_row(now: datetime, actor: Actor, realm_id: str, environment: str, cols: dict[str, Any]) -> Statement:
    """The one connection row, made or replaced with fresh tokens. Reconnecting the same company keeps
    its sync watermark (another company starts over); any resync, refresh lease and error is cleared."""
    return q(
        "INSERT INTO quickbooks_connection (id, realm_id, environment, status, access_sealed, refresh_sealed,"
        " key_id, access_expires_at, refresh_expires_at, token_version, last_refresh_at, connected_at,"
        " connected_by, updated_at) VALUES (1, ?1, ?2, 'connected', ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8, ?9, ?8)"
        " ON CONFLICT (id) DO UPDATE SET"
        " sync_watermark = CASE WHEN realm_id = excluded.realm_id THEN sync_watermark END,"
        " resync_since = NULL, resync_entity = NULL, resync_position = NULL, resync_until = NULL,"
        " realm_id = excluded.realm_id, environment = excluded.environment, status = 'connected',"
        " access_sealed = excluded.access_sealed, refresh_sealed = excluded.refresh_sealed,"
        " key_id = excluded.key_id, access_expires_at = excluded.access_expires_at,"
        " refresh_expires_at = excluded.refresh_expires_at, token_version = token_version + 1,"
        " refresh_holder = NULL, refresh_lease_until = NULL, last_refresh_at = excluded.last_refresh_at,"
        " connected_at = excluded.connected_at, connected_by = excluded.connected_by,"
        " backoff_until = NULL, last_error = NULL, last_error_at = NULL, updated_at = excluded.updated_at",
        realm_id,
        environment,
        cols["access_sealed"],
        cols["refresh_sealed"],
        cols["key_id"],
        cols["access_expires_at"],
        cols["refresh_expires_at"],
        iso(now),
        actor.user_id,
    )


async def _company_name(http: httpx.AsyncClient, endpoints: Endpoints, access: str, realm_id: str) -> str:
    """The company's name from QuickBooks, or "" when the call fails (connected all the same; the
    name fills in on the next successful call)."""
    try:
        answer = await call(http, endpoints, access, realm_id, "GET", f"companyinfo/{realm_id}")
        info = answer.get("CompanyInfo") or {}
        return str(info.get("CompanyName") or info.get("LegalName") or "")
    except QuickBooksError:
        return ""


def demo_connection(now: datetime, actor: Actor, realm_id: str, company_name: str) -> list[Statement]:
    """Local demo data only (`porchlight demo seed`): a connection row with no tokens, so Billing,
    metrics and the reports' QuickBooks panel read the demo objects. Without tokens and a sync
    watermark the sync and import jobs never call Intuit; Connect replaces it with a real one."""
    return [
        q(
            "INSERT INTO quickbooks_connection (id, realm_id, environment, company_name, status, connected_at,"
            " last_sync_at, updated_at) VALUES (1, ?1, 'sandbox', ?2, 'connected', ?3, ?3, ?3)"
            " ON CONFLICT (id) DO NOTHING",
            realm_id,
            company_name,
            iso(now),
        ),
        records.audit(
            now,
            actor,
            "quickbooks.demo_data",
            f"Demo QuickBooks data loaded for {company_name} (not a real connection)",
            meta={"realm_id": realm_id},
        ),
    ]


# --- tokens --------------------------------------------------------------------------------------


def _open(bindings: Bindings, conn: Connection, kind: str) -> str:
    sealed = conn.row[f"{kind}_sealed"]
    if not sealed:
        raise NotConnected("QuickBooks is not connected")
    ring = KeyRing.from_settings(bindings.settings)
    return ring.open(Sealed(sealed, conn.row["key_id"]), _ad(conn.realm_id, kind))


async def access_token(bindings: Bindings, http: httpx.AsyncClient, *, rejected: str | None = None) -> tuple[str, str]:
    """(access token, realm id) for a call: the stored one while it is fresh, else a refreshed one.
    `rejected` is a token QuickBooks just answered 401 to: refresh unless someone already has."""
    conn = await connection(bindings.db)
    if conn is None or not conn.connected:
        raise NotConnected(
            "QuickBooks is not connected"
            if conn is None or conn.status != "broken"
            else "QuickBooks refused the saved authorization; connect again from Maintenance"
        )
    now = bindings.clock.now()
    current = _open(bindings, conn, "access")
    fresh = conn.access_expires_at and parse(conn.access_expires_at) - EARLY > now
    if fresh and current != rejected:
        return current, conn.realm_id
    return await _refresh(bindings, http, conn), conn.realm_id


async def _refresh(bindings: Bindings, http: httpx.AsyncClient, conn: Connection) -> str:
    db, now = bindings.db, bindings.clock.now()
    holder = secrets.token_hex(8)
    claimed = await db.run(
        "UPDATE quickbooks_connection SET refresh_holder = ?, refresh_lease_until = ?"
        " WHERE id = 1 AND status = 'connected' AND token_version = ?"
        " AND (refresh_lease_until IS NULL OR refresh_lease_until <= ?)",
        holder,
        iso(now + REFRESH_LEASE),
        conn.token_version,
        iso(now),
    )
    if claimed.changes != 1:
        return await _wait_for_refresh(bindings, conn.token_version)
    endpoints = Endpoints.from_settings(bindings.settings)
    try:
        tokens = await _token_call(
            http, endpoints, {"grant_type": "refresh_token", "refresh_token": _open(bindings, conn, "refresh")}
        )
    except InvalidGrant:
        await _broken(bindings, conn, holder)
        raise
    except BaseException:
        await db.run(
            "UPDATE quickbooks_connection SET refresh_holder = NULL, refresh_lease_until = NULL"
            " WHERE id = 1 AND refresh_holder = ?",
            holder,
        )
        raise
    now = bindings.clock.now()
    cols = _token_columns(KeyRing.from_settings(bindings.settings), conn.realm_id, now, tokens)
    saved = await db.run(
        "UPDATE quickbooks_connection SET access_sealed = ?, refresh_sealed = ?, key_id = ?, access_expires_at = ?,"
        " refresh_expires_at = ?, token_version = token_version + 1, last_refresh_at = ?, refresh_holder = NULL,"
        " refresh_lease_until = NULL, updated_at = ? WHERE id = 1 AND refresh_holder = ? AND token_version = ?",
        cols["access_sealed"],
        cols["refresh_sealed"],
        cols["key_id"],
        cols["access_expires_at"],
        cols["refresh_expires_at"],
        iso(now),
        iso(now),
        holder,
        conn.token_version,
    )
    if saved.changes != 1:
        # Disconnected (or reconnected) while we refreshed: the new tokens belong to nobody.
        raise NotConnected("the QuickBooks connection changed during a token refresh")
    return str(tokens["access_token"])


async def _wait_for_refresh(bindings: Bindings, seen_version: int) -> str:
    waited = 0.0
    while waited < WAIT_SECONDS:
        await asyncio.sleep(WAIT_STEP)
        waited += WAIT_STEP
        conn = await connection(bindings.db)
        if conn is None or not conn.connected:
            raise NotConnected("QuickBooks is not connected")
        if conn.token_version != seen_version:
            return _open(bindings, conn, "access")
        if conn.row["refresh_holder"] is None:
            # The holder let go without new tokens (its call failed): no point waiting longer.
            raise QuickBooksError("a token refresh failed elsewhere; trying again on the next tick")
    raise QuickBooksError("another token refresh is still running; trying again on the next tick")


async def _broken(bindings: Bindings, conn: Connection, holder: str) -> None:
    """Intuit refused the refresh token. Re-read once: a newer token written meanwhile means the
    refusal was for an old one, and the connection is fine."""
    db, now = bindings.db, bindings.clock.now()
    latest = await connection(db)
    if latest is not None and latest.token_version != conn.token_version:
        return
    message = "QuickBooks refused the saved authorization (invalid_grant). Connect again from Maintenance."
    await db.batch(
        [
            q(
                "UPDATE quickbooks_connection SET status = 'broken', access_sealed = NULL, refresh_sealed = NULL,"
                " token_version = token_version + 1, refresh_holder = NULL, refresh_lease_until = NULL,"
                " last_error = ?, last_error_at = ?, updated_at = ?"
                " WHERE id = 1 AND token_version = ? AND refresh_holder = ?",
                message,
                iso(now),
                iso(now),
                conn.token_version,
                holder,
            ),
            records.if_changed(
                records.audit(
                    now,
                    records.SYSTEM,
                    "quickbooks.broken",
                    f"QuickBooks refused the saved authorization for {conn.company_name or conn.realm_id};"
                    " the owner must connect again",
                    meta={"realm_id": conn.realm_id},
                )
            ),
        ]
    )


# --- disconnect and errors -----------------------------------------------------------------------


async def disconnect(bindings: Bindings, http: httpx.AsyncClient, actor: Actor) -> bool:
    """Revoke at Intuit (best effort: an unreachable Intuit must not keep tokens here) and wipe."""
    db, now = bindings.db, bindings.clock.now()
    conn = await connection(db)
    if conn is None or conn.status == "disconnected":
        return False
    revoked = False
    endpoints = Endpoints.from_settings(bindings.settings)
    if conn.row["refresh_sealed"]:
        try:
            response = await send(
                http,
                "POST",
                endpoints.revoke_url,
                json={"token": _open(bindings, conn, "refresh")},
                headers={"Authorization": _basic(endpoints), "Accept": "application/json"},
            )
            revoked = response.status_code == 200
        except QuickBooksError:
            revoked = False
    await db.batch(
        [
            q(
                "UPDATE quickbooks_connection SET status = 'disconnected', access_sealed = NULL, refresh_sealed = NULL,"
                " access_expires_at = NULL, refresh_expires_at = NULL, token_version = token_version + 1,"
                " refresh_holder = NULL, refresh_lease_until = NULL, updated_at = ? WHERE id = 1",
                iso(now),
            ),
            records.audit(
                now,
                actor,
                "quickbooks.disconnected",
                f"{actor.label} disconnected QuickBooks company {conn.company_name or conn.realm_id}"
                + ("" if revoked else " (Intuit did not confirm the revoke; tokens wiped here)"),
                meta={"realm_id": conn.realm_id, "revoked": revoked},
            ),
        ]
    )
    return True


async def note_error(db: Database, now: datetime, message: str, *, backoff: timedelta | None = None) -> None:
    await db.run(
        "UPDATE quickbooks_connection SET last_error = ?, last_error_at = ?,"
        " backoff_until = coalesce(?, backoff_until), updated_at = ? WHERE id = 1",
        message[:300],
        iso(now),
        iso(now + backoff) if backoff else None,
        iso(now),
    )


# --- sync's bookkeeping on the connection row (sync and the importer put these in their batches) ---


def synced(now: datetime) -> Statement:
    """A sync finished: no error, no backoff."""
    return q(
        "UPDATE quickbooks_connection SET last_sync_at = ?, last_error = NULL, last_error_at = NULL,"
        " backoff_until = NULL, updated_at = ? WHERE id = 1",
        iso(now),
        iso(now),
    )


def start_sync_from(now: datetime, realm_id: str, watermark: str) -> Statement:
    """Sync starts from an import's start, or stays at an older watermark (a re-import)."""
    return q(
        "UPDATE quickbooks_connection SET sync_watermark = coalesce(sync_watermark, ?), updated_at = ?"
        " WHERE id = 1 AND realm_id = ?",
        watermark,
        iso(now),
        realm_id,
    )


def advance_watermark(now: datetime, realm_id: str, seen: str | None, watermark: str) -> Statement:
    """Move the watermark forward, only while it is still the one the caller read (`seen`)."""
    return q(
        "UPDATE quickbooks_connection SET sync_watermark = max(sync_watermark, ?), updated_at = ?"
        " WHERE id = 1 AND realm_id = ? AND sync_watermark = ?",
        watermark,
        iso(now),
        realm_id,
        seen,
    )


def forget_sync(now: datetime) -> Statement:
    """After a purge: no watermark and no resync in progress."""
    return q(
        "UPDATE quickbooks_connection SET sync_watermark = NULL, resync_since = NULL, resync_entity = NULL,"
        " resync_position = NULL, resync_until = NULL, updated_at = ? WHERE id = 1",
        iso(now),
    )


def begin_resync(now: datetime, since: str | None, first_entity: str, until: str) -> Statement:
    """Start a full resync from `since` at the first entity, unless one is already running."""
    return q(
        "UPDATE quickbooks_connection SET resync_since = ?, resync_entity = ?, resync_position = 1,"
        " resync_until = ?, updated_at = ? WHERE id = 1 AND resync_since IS NULL",
        since,
        first_entity,
        until,
        iso(now),
    )


def resync_next_page(now: datetime, entity: str, position: int, fetched: int) -> Statement:
    """The resync read a full page of `entity` at `position`: the next page next time."""
    return q(
        "UPDATE quickbooks_connection SET resync_position = resync_position + ?, updated_at = ?"
        " WHERE id = 1 AND resync_entity = ? AND resync_position = ?",
        fetched,
        iso(now),
        entity,
        position,
    )


def resync_next_entity(now: datetime, entity: str, position: int, following: str) -> Statement:
    """The resync finished `entity`: the `following` one next time."""
    return q(
        "UPDATE quickbooks_connection SET resync_entity = ?, resync_position = 1, updated_at = ?"
        " WHERE id = 1 AND resync_entity = ? AND resync_position = ?",
        following,
        iso(now),
        entity,
        position,
    )


def resync_done(now: datetime, entity: str, position: int) -> Statement:
    """The resync finished its last entity: sync goes on from where the resync began."""
    return q(
        "UPDATE quickbooks_connection SET sync_watermark = resync_until, resync_since = NULL,"
        " resync_entity = NULL, resync_position = NULL, resync_until = NULL, updated_at = ?"
        " WHERE id = 1 AND resync_entity = ? AND resync_position = ?",
        iso(now),
        entity,
        position,
    )

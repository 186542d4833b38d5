"""Server-side login sessions and their CSRF tokens.

The browser holds a random 256-bit token; the database holds only its SHA-256, so a leaked
database cannot be replayed as cookies. Sessions end on logout, on deactivation or a privilege
change of the user, after `session_idle_minutes` without a request, and `session_absolute_hours`
after login whatever happens.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from accounts import session_store, users
from accounts.users import User
from core.clock import parse
from core.config import Settings
from core.storage import Database, Result, Statement

COOKIE = "porchlight_session"
SECURE_COOKIE = "__Host-porchlight_session"
TOUCH_EVERY = timedelta(minutes=1)  # bound the writes that keep a session alive


def cookie_name(settings: Settings) -> str:
    return SECURE_COOKIE if settings.secure_cookies else COOKIE


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    id: int
    user: User
    csrf_token: str
    expires_at: str
    pending: str | None = None  # 'password' | 'two_factor': what must happen before any page


async def _run(db: Database, statement: Statement) -> Result:
    return await db.run(statement.sql, *statement.params)


async def start(
    db: Database,
    now: datetime,
    settings: Settings,
    user: User,
    *,
    ip: str | None,
    user_agent: str | None,
    replacing: str | None = None,
    pending: str | None = None,
) -> str:
    """Create a session and return the cookie token. Any session the browser had is dropped (rotation)."""
    token = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=settings.session_absolute_hours)
    statements = [
        session_store.insert(
            digest(token),
            user.id,
            secrets.token_urlsafe(32),
            now,
            expires,
            ip=ip,
            user_agent=(user_agent or "")[:300],
            pending=pending,
        ),
        users.signed_in(now, user.id),
    ]
    if replacing:
        statements.insert(0, session_store.delete_by_token(digest(replacing)))
    await db.batch(statements)
    return token


async def resume(db: Database, now: datetime, settings: Settings, token: str) -> Session | None:
    """The live session for a cookie token, or None (unknown, expired, idle, or user inactive)."""
    if not token or len(token) > 100:
        return None
    # the session and its user together: one D1 round trip on every signed-in request
    row, user = await asyncio.gather(
        db.first("SELECT * FROM sessions WHERE token_hash = ?", digest(token)),
        users.for_session(db, digest(token)),
    )
    if row is None:
        return None
    idle_limit = parse(row["last_seen_at"]) + timedelta(minutes=settings.session_idle_minutes)
    if now >= parse(row["expires_at"]) or now >= idle_limit:
        await _run(db, session_store.delete(row["id"]))
        return None
    if user is None or not user.active:
        await _run(db, session_store.delete(row["id"]))
        return None
    if now - parse(row["last_seen_at"]) >= TOUCH_EVERY:
        await _run(db, session_store.seen(now, row["id"]))
    return Session(
        id=row["id"],
        user=user,
        csrf_token=row["csrf_token"],
        expires_at=row["expires_at"],
        pending=row.get("pending"),
    )


async def end(db: Database, token: str) -> None:
    await _run(db, session_store.delete_by_token(digest(token)))


async def purge_expired(db: Database, now: datetime, settings: Settings) -> int:
    idle_cutoff = now - timedelta(minutes=settings.session_idle_minutes)
    return (await _run(db, session_store.delete_expired(now, idle_cutoff))).changes


async def count_for(db: Database, user_id: int) -> int:
    row = await db.first("SELECT COUNT(*) AS n FROM sessions WHERE user_id = ?", user_id)
    return int(row["n"]) if row else 0

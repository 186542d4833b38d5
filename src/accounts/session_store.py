"""The sessions table's writes, below both `users` (which ends a user's sessions when their access
changes) and `sessions` (the cookie: start, resume, end), so neither imports the other to write it.

Builders return statements for the caller's batch; nothing here decides anything.
"""

from __future__ import annotations

from datetime import datetime

from core.clock import iso
from core.storage import Statement, q


def insert(
    token_hash: str,
    user_id: int,
    csrf_token: str,
    now: datetime,
    expires: datetime,
    ip: str | None,
    user_agent: str,
    pending: str | None = None,
) -> Statement:
    """A new session; PENDING names what it must do before reaching any page (migration 0026)."""
    return q(
        "INSERT INTO sessions"
        " (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent, pending)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        token_hash,
        user_id,
        csrf_token,
        iso(now),
        iso(now),
        iso(expires),
        ip,
        user_agent,
        pending,
    )


def delete_by_token(token_hash: str) -> Statement:
    return q("DELETE FROM sessions WHERE token_hash = ?", token_hash)


def delete(session_id: int) -> Statement:
    return q("DELETE FROM sessions WHERE id = ?", session_id)


def seen(now: datetime, session_id: int) -> Statement:
    return q("UPDATE sessions SET last_seen_at = ? WHERE id = ?", iso(now), session_id)


def delete_expired(now: datetime, idle_cutoff: datetime) -> Statement:
    return q("DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?", iso(now), iso(idle_cutoff))


def delete_all_of(user_id: int) -> Statement:
    """Every session of a user: their next request signs in again, under the rules as they are now."""
    return q("DELETE FROM sessions WHERE user_id = ?", user_id)


def delete_others_of(user_id: int, keep_session_id: int) -> Statement:
    """Every session of a user but the one they are using (after a password change)."""
    return q("DELETE FROM sessions WHERE user_id = ? AND id != ?", user_id, keep_session_id)


def set_pending(session_id: int, pending: str | None) -> Statement:
    return q("UPDATE sessions SET pending = ? WHERE id = ?", pending, session_id)


def clear_pending(session_id: int, kind: str) -> Statement:
    """The session did what KIND asked (enrolled a second factor): nothing pending, if that was it."""
    return q("UPDATE sessions SET pending = NULL WHERE id = ? AND pending = ?", session_id, kind)

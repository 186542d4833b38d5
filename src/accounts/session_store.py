"""The sessions table's writes, below both `users` (which ends a user's sessions when their access
changes) and `sessions` (the cookie: start, resume, end), so neither imports the other to write it.

Builders return statements for the caller's batch; nothing here decides anything.
"""

from __future__ import annotations

from datetime import datetime

from core.clock import iso
from core.storage import Statement, q


def insert(
    token_hash: str, user_id: int, csrf_token: str, now: datetime, expires: datetime, ip: str | None, user_agent: str
) -> Statement:
    """A new session."""
    return q(
        "INSERT INTO sessions"
        " (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        token_hash,
        user_id,
        csrf_token,
        iso(now),
        iso(now),
        iso(expires),
        ip,
        user_agent,
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

"""Personal API tokens for integrations and scripts (`Authorization: Bearer plt_…`).

A token acts as its user, with that user's role and offices. Only its SHA-256 is stored; the
plain token is shown once, when created.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from accounts import users
from accounts.users import User
from core import records
from core.clock import iso
from core.errors import Invalid
from core.records import Actor
from core.storage import Database, Row, q

PREFIX = "plt_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(db: Database, now: datetime, actor: Actor, user: User, name: str) -> str:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 80:
        raise Invalid("Token name must be 1–80 characters.")
    token = PREFIX + secrets.token_urlsafe(32)
    await db.batch(
        [
            q(
                "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at) VALUES (?, ?, ?, ?, ?)",
                user.id,
                name,
                _digest(token),
                token[: len(PREFIX) + 6],
                iso(now),
            ),
            records.audit(
                now,
                actor,
                "token.created",
                f"API token “{name}” created for {user.name}",
                meta={"user": user.email},
            ),
        ]
    )
    return token


async def authenticate(db: Database, now: datetime, token: str) -> User | None:
    if not token.startswith(PREFIX) or len(token) > 100:
        return None
    row = await db.first(
        "SELECT id, user_id, last_used_at FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
        _digest(token),
    )
    if row is None:
        return None
    user = await users.get(db, row["user_id"])
    if user is None or not user.active:
        return None
    stamp = iso(now)
    if (row["last_used_at"] or "")[:16] != stamp[:16]:  # at most one write a minute per token
        await db.run("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", stamp, row["id"])
    return user


async def for_user(db: Database, user_id: int) -> list[Row]:
    return await db.all(
        "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens"
        " WHERE user_id = ? ORDER BY id DESC",
        user_id,
    )


async def revoke_token(db: Database, now: datetime, actor: Actor, user: User, token_id: int) -> bool:
    results = await db.batch(
        [
            q(
                "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND user_id = ? AND revoked_at IS NULL",
                iso(now),
                token_id,
                user.id,
            ),
            # unknown, someone else's or already revoked: nothing happened, so nothing is audited
            records.if_changed(
                records.audit(now, actor, "token.revoked", f"API token #{token_id} of {user.name} revoked")
            ),
        ]
    )
    return results[0].changes == 1

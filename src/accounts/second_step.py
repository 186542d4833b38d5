"""The sign-in's second step: after the right password, a TOTP or recovery code (ASVS 5 6.3, 6.6).

The password step leaves a challenge: a random token in an HttpOnly cookie, its SHA-256 in
`login_challenges` with the user and where they were going, for five minutes. The code step spends
it: the same per-account and per-IP throttle windows as the password (login.py), plus at most five
codes per challenge, after which the password must be entered again. No session exists until the
code is right, so nothing behind sign-in is reachable with the password alone.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from accounts import login, two_factor, users
from accounts.users import User
from core import records, throttle
from core.clock import iso, parse
from core.records import Actor
from core.storage import Database, q
from core.vault import KeyRing

COOKIE = "porchlight_second_step"
LIFETIME = timedelta(minutes=5)
MAX_CODES = 5

EXPIRED = "Your sign-in took too long or had too many wrong codes. Enter your password again."


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Outcome:
    user: User | None
    status: int = 200
    message: str = ""
    next_url: str = "/"
    restart: bool = False  # the challenge is gone: back to the password


async def start(db: Database, now: datetime, user: User, next_url: str) -> str:
    """Open a challenge for USER (the password was right); answer the cookie's token."""
    token = secrets.token_urlsafe(32)
    await db.batch(
        [
            q("DELETE FROM login_challenges WHERE expires_at <= ? OR user_id = ?", iso(now), user.id),
            q(
                "INSERT INTO login_challenges (token_hash, user_id, next_url, attempts, created_at, expires_at)"
                " VALUES (?, ?, ?, 0, ?, ?)",
                _digest(token),
                user.id,
                next_url[:2000],
                iso(now),
                iso(now + LIFETIME),
            ),
        ]
    )
    return token


async def waiting(db: Database, now: datetime, token: str) -> bool:
    """Is there a live challenge for this cookie token (for showing the code form)?"""
    if not token or len(token) > 100:
        return False
    row = await db.first("SELECT expires_at FROM login_challenges WHERE token_hash = ?", _digest(token))
    return row is not None and parse(row["expires_at"]) > now


async def attempt(db: Database, now: datetime, ring: KeyRing, *, token: str, code: str, ip: str | None) -> Outcome:
    row = None
    if token and len(token) <= 100:
        row = await db.first("SELECT * FROM login_challenges WHERE token_hash = ?", _digest(token))
    if row is None or parse(row["expires_at"]) <= now or row["attempts"] >= MAX_CODES:
        return Outcome(None, 401, EXPIRED, restart=True)
    user = await users.get(db, row["user_id"])
    if user is None or not user.active:
        await db.run("DELETE FROM login_challenges WHERE id = ?", row["id"])
        return Outcome(None, 401, EXPIRED, restart=True)
    if await login.throttled(db, now, user.email, ip):
        return Outcome(None, 429, login.LOCKED)
    actor = Actor(user.id, user.name, ip)
    factor = await two_factor.check(db, now, ring, actor, user, code)
    if factor is None:
        last = row["attempts"] + 1 >= MAX_CODES
        await db.batch(
            [
                *login.failure(now, user.email, ip),
                q("UPDATE login_challenges SET attempts = attempts + 1 WHERE id = ?", row["id"]),
                records.audit(
                    now,
                    Actor(None, "System", ip),
                    "auth.second_factor_failed",
                    f"Wrong sign-in code for {user.email}",
                    meta={"email": user.email, "ip": ip},
                ),
            ]
        )
        if last:
            return Outcome(None, 401, EXPIRED, restart=True)
        return Outcome(None, 401, two_factor.BAD_CODE)
    account_bucket, _ = login.buckets(user.email, ip)
    await db.batch(
        [
            q("DELETE FROM login_challenges WHERE id = ?", row["id"]),
            throttle.reset(account_bucket),
            records.audit(now, actor, "auth.login", f"{user.name} signed in", meta={"ip": ip, "second_factor": factor}),
        ]
    )
    return Outcome(user, next_url=row["next_url"])

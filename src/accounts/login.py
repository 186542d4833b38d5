"""Password sign-in with throttling stored in the database.

A user with a second factor is not signed in by the password alone: `attempt` answers
`second_step=True` and `accounts/second_step.py` finishes with a code, under the same per-account and
per-IP windows (a right password does not reset the account's count until the code is right too).

Failures are counted per submitted email and per client IP in fixed 15-minute windows. Unknown
email and wrong password get the same answer and the same hashing cost, so a response tells an
attacker nothing about which accounts exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from accounts import passwords, two_factor, users
from accounts.users import User
from core import records, throttle
from core.records import Actor
from core.storage import Database, Statement

PER_ACCOUNT = throttle.Window(limit=10, seconds=15 * 60)
PER_IP = throttle.Window(limit=100, seconds=15 * 60)

WRONG = "That email and password don't match an active account."
LOCKED = "Too many sign-in attempts. Wait 15 minutes, or ask the owner to reset your password."


@dataclass(frozen=True)
class Outcome:
    user: User | None
    status: int = 200
    message: str = ""
    second_step: bool = False  # the password was right; a code must follow (second_step.py)


def buckets(email: str, ip: str | None) -> tuple[str, str]:
    """The throttle buckets of a sign-in: per account (by normalized email) and per client IP."""
    return f"login:email:{users.normalize_email(email)}", f"login:ip:{ip or '-'}"


async def throttled(db: Database, now: datetime, email: str, ip: str | None) -> bool:
    account_bucket, ip_bucket = buckets(email, ip)
    return await throttle.exceeded(db, account_bucket, PER_ACCOUNT, now) or await throttle.exceeded(
        db, ip_bucket, PER_IP, now
    )


def failure(now: datetime, email: str, ip: str | None) -> list[Statement]:
    """Count one failed sign-in step against the account and the IP."""
    account_bucket, ip_bucket = buckets(email, ip)
    return [throttle.hit(account_bucket, PER_ACCOUNT, now), throttle.hit(ip_bucket, PER_IP, now)]


async def attempt(db: Database, now: datetime, *, email: str, password: str, ip: str | None) -> Outcome:
    email = users.normalize_email(email)
    account_bucket, _ = buckets(email, ip)
    if await throttled(db, now, email, ip):
        return Outcome(None, 429, LOCKED)
    user = await users.by_email(db, email) if email else None
    stored = await users.password_hash(db, user.id) if user else None
    ok = await passwords.verify(stored, password)
    if not ok or user is None or not user.active:
        await db.batch(
            [
                *failure(now, email, ip),
                records.audit(
                    now,
                    Actor(None, "System", ip),
                    "auth.login_failed",
                    f"Failed sign-in for {email[:120] or '(blank)'}",
                    meta={"email": email[:254], "ip": ip},
                ),
            ]
        )
        return Outcome(None, 401, WRONG)
    if await two_factor.enrolled(db, user.id):
        if stored and passwords.needs_rehash(stored):
            await db.batch([users.set_password_hash(now, user.id, await passwords.hash_password(password))])
        return Outcome(user, second_step=True)
    statements = [
        records.audit(now, Actor(user.id, user.name, ip), "auth.login", f"{user.name} signed in", meta={"ip": ip}),
        throttle.reset(account_bucket),
    ]
    if stored and passwords.needs_rehash(stored):
        digest = await passwords.hash_password(password)
        statements.append(users.set_password_hash(now, user.id, digest))
    await db.batch(statements)
    return Outcome(user)

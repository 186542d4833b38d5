"""A user changes their own password (ASVS 5 6.2.2, 6.2.3, 7.4.3).

The current password is required (also after an owner/admin reset: it is the temporary one they
were given); the new one passes the same policy as every password; every other session of the user
ends in the same batch, and an audit row and a timeline line say so. The session in use stays, with
whatever is still pending for it (a required second factor) recomputed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from accounts import passwords, session_store, two_factor, users
from accounts.users import User
from core import records, throttle
from core.errors import Invalid
from core.records import Actor
from core.storage import Database

WRONG_CURRENT = throttle.Window(limit=10, seconds=15 * 60)


async def change_password(
    db: Database,
    now: datetime,
    actor: Actor,
    user: User,
    *,
    session_id: int | None,
    current: str,
    new: str,
) -> str | None:
    """Change USER's password; answer what the session still has pending (None: nothing)."""
    bucket = f"password_change:user:{user.id}"
    if await throttle.exceeded(db, bucket, WRONG_CURRENT, now):
        raise Invalid("Too many wrong passwords. Wait 15 minutes and try again.", field="current_password")
    if not await passwords.verify(await users.password_hash(db, user.id), current):
        await throttle.record(db, bucket, WRONG_CURRENT, now)
        raise Invalid("That isn't your current password.", field="current_password")
    if new == current:
        raise Invalid("Choose a new password, not the one you have now.", field="new_password")
    passwords.check_policy(new, email=user.email, field="new_password")
    digest = await passwords.hash_password(new)
    pending = await two_factor.pending_for(db, replace(user, must_change_password=False))
    ended = (
        session_store.delete_others_of(user.id, session_id)
        if session_id is not None
        else session_store.delete_all_of(user.id)
    )
    statements = [
        users.password_chosen(now, user.id, digest),
        ended,
        records.audit(
            now,
            actor,
            "auth.password_changed",
            f"{user.name} changed their password; their other sessions were ended",
            meta={"ip": actor.ip},
        ),
        records.timeline(now, actor, "user", user.id, "sys", "Password changed"),
        throttle.reset(bucket),
    ]
    if session_id is not None:
        statements.append(session_store.set_pending(session_id, pending))
    await db.batch(statements)
    return pending

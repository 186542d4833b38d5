"""The optional second factor: TOTP (RFC 6238) codes and single-use recovery codes (ASVS 5 6.5, 6.6).

A user enrols from Account security: `begin` stores a fresh secret sealed with core/vault (AES-GCM,
bound to the user id) as a pending row, the enrol page shows it once as a QR code and text, and
`confirm` with a code from the app makes it live and answers ten recovery codes, shown once and
kept only as SHA-256 (each holds 120 random bits, above ASVS's 112 for an unsalted hash). After
that the secret is never shown or answered again; only the codes it makes are compared.

A code is accepted for the current 30-second step or one either side (clock drift), and only for a
step later than the last one accepted (`last_step`), settled by a guarded UPDATE in the same batch,
so a code, once used, is refused for the rest of its window even by a racing request.

The owner can require a second factor per role (`two_factor_roles`); a user of such a role who has
none is sent to enrol at their next sign-in before any page (`pending_for`, `routes/guard`).
Who may reset another user's second factor is `authz.may_reset_credentials`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

import pyotp

from accounts import authz, passwords, session_store, users
from accounts.users import User
from core import records, throttle
from core.clock import iso
from core.errors import Conflict, Invalid
from core.records import Actor
from core.storage import Database, LostRace, Statement, q
from core.vault import KeyRing, Sealed

ISSUER = "Porchlight"
STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1  # one step either side of now
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # 32 symbols (no l, o, 0, 1): 5 bits each
_RECOVERY_LENGTH = 24  # 120 bits
_CODE = re.compile(r"^\d{6}$")

# Wrong codes or passwords on the signed-in forms (turn off, new recovery codes), per user.
CHECKS = throttle.Window(limit=10, seconds=15 * 60)
TOO_MANY = "Too many wrong codes. Wait 15 minutes and try again."

BAD_CODE = "That code didn't work. Enter the 6-digit code your app shows now, or one of your recovery codes."


def _associated(user_id: int) -> str:
    return f"user_totp:{user_id}"


@dataclass(frozen=True)
class Status:
    enrolled: bool
    confirmed_at: str | None
    recovery_left: int
    required: bool  # the user's role requires a second factor


@dataclass(frozen=True)
class Setup:
    """A pending enrolment, for the enrol page only (the one time the secret is shown)."""

    secret: str
    uri: str

    @property
    def grouped(self) -> str:
        return " ".join(self.secret[i : i + 4] for i in range(0, len(self.secret), 4))


# --- reads ------------------------------------------------------------------------------------------


async def _row(db: Database, user_id: int) -> dict | None:
    return await db.first("SELECT * FROM user_totp WHERE user_id = ?", user_id)


async def enrolled(db: Database, user_id: int) -> bool:
    row = await db.first("SELECT 1 AS ok FROM user_totp WHERE user_id = ? AND confirmed_at IS NOT NULL", user_id)
    return row is not None


async def required_roles(db: Database) -> frozenset[str]:
    return frozenset(r["role"] for r in await db.all("SELECT role FROM two_factor_roles"))


async def status(db: Database, user: User) -> Status:
    row = await _row(db, user.id)
    left = await db.first(
        "SELECT COUNT(*) AS n FROM user_recovery_codes WHERE user_id = ? AND used_at IS NULL", user.id
    )
    confirmed = row["confirmed_at"] if row else None
    return Status(
        bool(confirmed),
        confirmed,
        int(left["n"]) if left else 0,
        authz.requires_second_factor(user, await required_roles(db)),
    )


async def pending_for(db: Database, user: User) -> str | None:
    """What a new session of USER must do before reaching any page: choose a password, enrol, or nothing."""
    if user.must_change_password:
        return "password"
    if authz.requires_second_factor(user, await required_roles(db)) and not await enrolled(db, user.id):
        return "two_factor"
    return None


# --- codes ------------------------------------------------------------------------------------------


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    code = code.strip().replace(" ", "")
    if not _CODE.match(code):
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    current = int(now.timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _new_recovery_code() -> str:
    return "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))


def show_recovery_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _recovery_hash(code: str) -> str:
    return hashlib.sha256(re.sub(r"[^a-z0-9]", "", code.lower()).encode()).hexdigest()


def looks_like_totp(code: str) -> bool:
    return bool(_CODE.match(code.strip().replace(" ", "")))


def _recovery_statements(now: datetime, user_id: int, codes: list[str]) -> list[Statement]:
    return [
        q("DELETE FROM user_recovery_codes WHERE user_id = ?", user_id),
        *(
            q(
                "INSERT INTO user_recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)",
                user_id,
                _recovery_hash(code),
                iso(now),
            )
            for code in codes
        ),
    ]


# --- verbs ------------------------------------------------------------------------------------------


async def begin(db: Database, now: datetime, ring: KeyRing, user: User) -> None:
    """Start (or restart) an enrolment: a new pending secret. Refused once a factor is live."""
    if await enrolled(db, user.id):
        raise Conflict("Two-step sign-in is already on. Turn it off first to set up a new app.")
    sealed = ring.seal(pyotp.random_base32(32), _associated(user.id))
    await db.run(
        "INSERT INTO user_totp (user_id, secret, key_id, confirmed_at, last_step, created_at, updated_at)"
        " VALUES (?, ?, ?, NULL, NULL, ?, ?) ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret,"
        " key_id = excluded.key_id, last_step = NULL, created_at = excluded.created_at,"
        " updated_at = excluded.updated_at WHERE user_totp.confirmed_at IS NULL",
        user.id,
        sealed.ciphertext,
        sealed.key_id,
        iso(now),
        iso(now),
    )


async def pending_setup(db: Database, ring: KeyRing, user: User) -> Setup | None:
    """The pending secret and its otpauth URI, or None when no enrolment is in progress."""
    row = await _row(db, user.id)
    if row is None or row["confirmed_at"]:
        return None
    secret = ring.open(Sealed(row["secret"], row["key_id"]), _associated(user.id))
    uri = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return Setup(secret, uri)


async def confirm(
    db: Database, now: datetime, ring: KeyRing, actor: Actor, user: User, code: str, *, session_id: int | None = None
) -> list[str]:
    """Make the pending secret live when CODE matches it; answer the recovery codes (shown once).
    The session in use (SESSION_ID) no longer has a second factor to set up."""
    setup = await pending_setup(db, ring, user)
    if setup is None:
        raise Conflict("There is no set-up in progress. Start again from Account security.")
    step = _matching_step(setup.secret, code, now)
    if step is None:
        raise Invalid("That code didn't match. Enter the 6-digit code your app shows now.", field="code")
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    try:
        await db.batch(
            [
                q(
                    "UPDATE user_totp SET confirmed_at = ?, last_step = ?, updated_at = ?"
                    " WHERE user_id = ? AND confirmed_at IS NULL",
                    iso(now),
                    step,
                    iso(now),
                    user.id,
                ),
                records.guard_changed(),
                *_recovery_statements(now, user.id, codes),
                records.audit(now, actor, "auth.two_factor_enrolled", f"{user.name} turned on two-step sign-in"),
                records.timeline(now, actor, "user", user.id, "sys", "Two-step sign-in turned on"),
                *([session_store.clear_pending(session_id, "two_factor")] if session_id is not None else []),
            ]
        )
    except LostRace:
        raise Conflict("Two-step sign-in was turned on meanwhile, in another window.") from None
    return [show_recovery_code(c) for c in codes]


async def _use_totp(db: Database, now: datetime, ring: KeyRing, user_id: int, code: str) -> bool:
    row = await _row(db, user_id)
    if row is None or not row["confirmed_at"]:
        return False
    secret = ring.open(Sealed(row["secret"], row["key_id"]), _associated(user_id))
    step = _matching_step(secret, code, now)
    if step is None or (row["last_step"] is not None and step <= row["last_step"]):
        return False  # wrong, or already used in its window (replay)
    try:
        await db.batch(
            [
                q(
                    "UPDATE user_totp SET last_step = ? WHERE user_id = ? AND coalesce(last_step, -1) < ?",
                    step,
                    user_id,
                    step,
                ),
                records.guard_changed(),
            ]
        )
    except LostRace:
        return False  # a racing request used this step first
    return True


async def _use_recovery_code(db: Database, now: datetime, actor: Actor, user: User, code: str) -> bool:
    try:
        await db.batch(
            [
                q(
                    "UPDATE user_recovery_codes SET used_at = ?"
                    " WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
                    iso(now),
                    user.id,
                    _recovery_hash(code),
                ),
                records.guard_changed(),
                records.audit(
                    now, actor, "auth.recovery_code_used", f"{user.name} used a recovery code", meta={"ip": actor.ip}
                ),
            ]
        )
    except LostRace:
        return False
    return True


async def check(db: Database, now: datetime, ring: KeyRing, actor: Actor, user: User, code: str) -> str | None:
    """Spend CODE as USER's second factor: 'totp', 'recovery_code', or None when it is refused."""
    if not code.strip() or len(code) > 64 or not await enrolled(db, user.id):
        return None
    if looks_like_totp(code):
        return "totp" if await _use_totp(db, now, ring, user.id, code) else None
    return "recovery_code" if await _use_recovery_code(db, now, actor, user, code) else None


async def disable(
    db: Database, now: datetime, ring: KeyRing, actor: Actor, user: User, *, password: str, code: str
) -> None:
    """The user turns their own second factor off: their password and a current code (or recovery code)."""
    if authz.requires_second_factor(user, await required_roles(db)):
        raise Invalid("Your role requires two-step sign-in, so it can't be turned off.", field="code")
    await _not_throttled(db, now, user)
    if not await passwords.verify(await users.password_hash(db, user.id), password):
        await _count_failure(db, now, user)
        raise Invalid("That isn't your current password.", field="password")
    if await check(db, now, ring, actor, user, code) is None:
        await _count_failure(db, now, user)
        raise Invalid(BAD_CODE, field="code")
    await db.batch(
        [
            *_forget(user.id),
            records.audit(now, actor, "auth.two_factor_disabled", f"{user.name} turned off two-step sign-in"),
            records.timeline(now, actor, "user", user.id, "sys", "Two-step sign-in turned off"),
        ]
    )


async def new_recovery_codes(
    db: Database, now: datetime, ring: KeyRing, actor: Actor, user: User, *, code: str
) -> list[str]:
    """Replace every recovery code (the old ones stop working); a current code proves it is the user."""
    await _not_throttled(db, now, user)
    if await check(db, now, ring, actor, user, code) is None:
        await _count_failure(db, now, user)
        raise Invalid(BAD_CODE, field="code")
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODES)]
    await db.batch(
        [
            *_recovery_statements(now, user.id, codes),
            records.audit(now, actor, "auth.recovery_codes_replaced", f"{user.name} made new recovery codes"),
        ]
    )
    return [show_recovery_code(c) for c in codes]


def _bucket(user: User) -> str:
    return f"two_factor:user:{user.id}"


async def _not_throttled(db: Database, now: datetime, user: User) -> None:
    if await throttle.exceeded(db, _bucket(user), CHECKS, now):
        raise Invalid(TOO_MANY, field="code")


async def _count_failure(db: Database, now: datetime, user: User) -> None:
    await throttle.record(db, _bucket(user), CHECKS, now)


def _forget(user_id: int) -> list[Statement]:
    return [
        q("DELETE FROM user_totp WHERE user_id = ?", user_id),
        q("DELETE FROM user_recovery_codes WHERE user_id = ?", user_id),
    ]


async def reset(db: Database, now: datetime, actor: Actor, target: User) -> None:
    """An owner/admin removes TARGET's second factor (a lost phone): they enrol again if their role
    requires it; every session of theirs ends."""
    await db.batch(
        [
            *_forget(target.id),
            session_store.delete_all_of(target.id),
            records.audit(
                now,
                actor,
                "auth.two_factor_reset",
                f"Two-step sign-in reset for {target.name}",
                meta={"email": target.email},
            ),
            records.timeline(now, actor, "user", target.id, "sys", "Two-step sign-in reset"),
        ]
    )


async def set_required_roles(db: Database, now: datetime, actor: Actor, roles: set[str]) -> None:
    """The owner's choice of roles that must use a second factor (from their next sign-in)."""
    unknown = roles - set(users.ROLES)
    if unknown:
        raise Invalid(f"Unknown role: {', '.join(sorted(unknown))}.", field="roles")
    before = await required_roles(db)
    if before == roles:
        return
    await db.batch(
        [
            q("DELETE FROM two_factor_roles"),
            *(
                q("INSERT INTO two_factor_roles (role, set_at, set_by) VALUES (?, ?, ?)", r, iso(now), actor.user_id)
                for r in sorted(roles)
            ),
            records.audit(
                now,
                actor,
                "settings.two_factor_roles",
                "Two-step sign-in required for: "
                + (", ".join(users.ROLE_LABELS[r] for r in sorted(roles)) or "no role"),
                meta={"before": sorted(before), "after": sorted(roles)},
            ),
        ]
    )

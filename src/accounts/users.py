"""Users: staff logins, their role and the offices they may see (seed 002 "Users & permissions")."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from accounts import passwords, session_store
from core import records
from core.clock import iso
from core.errors import Conflict, Invalid
from core.records import Actor
from core.storage import Database, IntegrityError, Row, Statement, q

# The one list of roles (seed 002). What each may do and see is authz's; here a role is stored and
# validated. The API's schema, the CLI's choices and the labels all come from this list.
Role = Literal["owner", "admin", "finance_admin", "agent", "viewer", "partner"]
ROLES: tuple[str, ...] = get_args(Role)
ROLE_LABELS = {role: role.replace("_", " ").capitalize() for role in ROLES}  # "Finance admin"
DEFAULT_ROLE: Role = "agent"  # what the new-user form starts at
_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


@dataclass(frozen=True)
class User:
    id: int
    email: str
    name: str
    role: str
    all_offices: bool
    office_ids: frozenset[int]
    partner_name: str | None
    active: bool
    last_login_at: str | None = None
    must_change_password: bool = False  # an owner/admin reset it: they choose their own at next sign-in
    time_zone: str = "UTC"  # the first of their offices' zones (by name): where their pages show times

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def actor(self) -> Actor:
        return Actor(self.id, self.name)

    def sees_office(self, office_id: int | None) -> bool:
        return self.all_offices or (office_id is not None and office_id in self.office_ids)


def normalize_email(email: str) -> str:
    email = email.strip()
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}".lower() if local else email.lower()


def _from_row(row: Row, office_ids: Iterable[int]) -> User:
    return User(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        role=row["role"],
        all_offices=bool(row["all_offices"]) or row["role"] == "owner",
        office_ids=frozenset(office_ids),
        partner_name=row["partner_name"],
        active=bool(row["active"]),
        last_login_at=row.get("last_login_at"),
        must_change_password=bool(row.get("must_change_password")),
        time_zone=row.get("office_zone") or "UTC",
    )


_SELECT = (
    "SELECT u.*, (SELECT json_group_array(office_id) FROM user_offices WHERE user_id = u.id) AS offices,"
    " (SELECT o.time_zone FROM offices o WHERE u.all_offices = 1 OR u.role = 'owner'"
    " OR o.id IN (SELECT office_id FROM user_offices WHERE user_id = u.id) ORDER BY o.name LIMIT 1) AS office_zone"
    " FROM users u"
)


def _hydrate(row: Row | None) -> User | None:
    if row is None:
        return None
    return _from_row(row, json.loads(row["offices"] or "[]"))


async def get(db: Database, user_id: int) -> User | None:
    return _hydrate(await db.first(f"{_SELECT} WHERE u.id = ?", user_id))


async def for_session(db: Database, token_hash: str) -> User | None:
    """The user a session (by its token's hash) belongs to, read alongside the session itself."""
    return _hydrate(
        await db.first(f"{_SELECT} WHERE u.id = (SELECT user_id FROM sessions WHERE token_hash = ?)", token_hash)
    )


async def by_email(db: Database, email: str) -> User | None:
    return _hydrate(await db.first(f"{_SELECT} WHERE u.email = ?", normalize_email(email)))


async def password_hash(db: Database, user_id: int) -> str | None:
    row = await db.first("SELECT password_hash FROM users WHERE id = ?", user_id)
    return row["password_hash"] if row else None


async def all_users(db: Database) -> list[User]:
    rows = await db.all(f"{_SELECT} ORDER BY u.active DESC, u.name COLLATE NOCASE")
    return [u for u in (_hydrate(r) for r in rows) if u]


async def count(db: Database, *, active_only: bool = False) -> int:
    row = await db.first("SELECT COUNT(*) AS n FROM users" + (" WHERE active = 1" if active_only else ""))
    return int(row["n"]) if row else 0


@dataclass(frozen=True)
class Profile:
    """The editable part of a user, validated."""

    name: str
    role: str
    all_offices: bool
    office_ids: frozenset[int]
    partner_name: str | None


def check_profile(
    name: str, role: str, all_offices: bool, office_ids: Iterable[int], partner_name: str | None
) -> Profile:
    name = " ".join(name.split())
    if not 1 <= len(name) <= 120:
        raise Invalid("Name must be 1–120 characters.")
    if role not in ROLES:
        raise Invalid(f"Role must be one of: {', '.join(ROLES)}.")
    ids = frozenset(office_ids)
    if role == "owner":
        all_offices = True
    if role == "partner":
        all_offices = False
        partner_name = " ".join((partner_name or "").split()) or None
        if not partner_name:
            raise Invalid("A partner login needs the partner name its records are tagged with.")
    else:
        partner_name = None
    if not all_offices and not ids:
        raise Invalid("Choose at least one office, or all offices.")
    return Profile(name, role, all_offices, frozenset() if all_offices else ids, partner_name)


def _office_statements(user_ref: records.Ref | int, office_ids: frozenset[int]) -> list[Statement]:
    if isinstance(user_ref, records.Ref):
        return [
            Statement(
                f"INSERT INTO user_offices (user_id, office_id) VALUES (({user_ref.sql}), ?)",
                (*user_ref.params, oid),
            )
            for oid in sorted(office_ids)
        ]
    return [
        q("INSERT INTO user_offices (user_id, office_id) VALUES (?, ?)", user_ref, oid) for oid in sorted(office_ids)
    ]


async def _check_offices_exist(db: Database, office_ids: frozenset[int]) -> None:
    if not office_ids:
        return
    row = await db.first(
        "SELECT COUNT(*) AS n FROM offices WHERE id IN (SELECT value FROM json_each(?))",
        json.dumps(sorted(office_ids)),
    )
    if not row or row["n"] != len(office_ids):
        raise Invalid("One of the chosen offices does not exist.")


async def create_user(
    db: Database, now: datetime, actor: Actor, *, email: str, password: str, profile: Profile
) -> User:
    email = normalize_email(email)
    if not _EMAIL.match(email) or len(email) > 254:
        raise Invalid("Enter a valid email address.")
    passwords.check_policy(password, email=email)
    await _check_offices_exist(db, profile.office_ids)
    digest = await passwords.hash_password(password)
    ref = records.Ref("SELECT id FROM users WHERE email = ?", (email,))
    try:
        await db.batch(
            [
                q(
                    "INSERT INTO users (email, name, role, all_offices, partner_name, password_hash, active,"
                    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    email,
                    profile.name,
                    profile.role,
                    int(profile.all_offices),
                    profile.partner_name,
                    digest,
                    iso(now),
                    iso(now),
                ),
                *_office_statements(ref, profile.office_ids),
                records.audit(
                    now,
                    actor,
                    "user.created",
                    f"User {profile.name} <{email}> added as {ROLE_LABELS[profile.role]}",
                    meta={
                        "email": email,
                        "role": profile.role,
                        "offices": sorted(profile.office_ids) or "all",
                    },
                ),
                records.timeline(now, actor, "user", ref, "sys", f"Account created as {ROLE_LABELS[profile.role]}"),
            ]
        )
    except IntegrityError:
        raise Conflict(f"A user with email {email} already exists.") from None
    user = await by_email(db, email)
    assert user is not None
    return user


async def update_user(db: Database, now: datetime, actor: Actor, user: User, profile: Profile) -> User:
    await _check_offices_exist(db, profile.office_ids)
    if user.role == "owner" and profile.role != "owner":
        await _refuse_last_owner(db, user)
    changes: dict[str, list[object]] = {}
    for key, old, new in (
        ("name", user.name, profile.name),
        ("role", user.role, profile.role),
        ("all_offices", user.all_offices, profile.all_offices),
        ("offices", sorted(user.office_ids), sorted(profile.office_ids)),
        ("partner_name", user.partner_name, profile.partner_name),
    ):
        if old != new:
            changes[key] = [old, new]
    if not changes:
        return user
    statements = [
        q(
            "UPDATE users SET name = ?, role = ?, all_offices = ?, partner_name = ?, updated_at = ? WHERE id = ?",
            profile.name,
            profile.role,
            int(profile.all_offices),
            profile.partner_name,
            iso(now),
            user.id,
        ),
        q("DELETE FROM user_offices WHERE user_id = ?", user.id),
        *_office_statements(user.id, profile.office_ids),
        records.audit(now, actor, "user.updated", f"User {profile.name} changed: {', '.join(changes)}", meta=changes),
        records.timeline(now, actor, "user", user.id, "sys", _describe(changes)),
    ]
    if "role" in changes or "offices" in changes or "all_offices" in changes:
        # A privilege change ends existing sessions: the next request logs in under the new rules.
        statements.append(session_store.delete_all_of(user.id))
    await db.batch(statements)
    updated = await get(db, user.id)
    assert updated is not None
    return updated


def _describe(changes: dict[str, list[object]]) -> str:
    parts = []
    for key, (old, new) in changes.items():
        if key == "role":
            parts.append(f"Role changed from {ROLE_LABELS[str(old)]} to {ROLE_LABELS[str(new)]}")
        else:
            parts.append(f"{key.replace('_', ' ').capitalize()} changed")
    return "; ".join(parts)


async def _refuse_last_owner(db: Database, user: User) -> None:
    row = await db.first("SELECT COUNT(*) AS n FROM users WHERE role = 'owner' AND active = 1 AND id != ?", user.id)
    if not row or row["n"] == 0:
        raise Invalid("This is the only active owner; make someone else owner first.")


async def set_active(db: Database, now: datetime, actor: Actor, user: User, active: bool) -> User:
    if user.active == active:
        return user
    if not active and user.role == "owner":
        await _refuse_last_owner(db, user)
    if not active and actor.user_id == user.id:
        raise Invalid("You cannot deactivate yourself.")
    verb = "reactivated" if active else "deactivated"
    statements = [
        q("UPDATE users SET active = ?, updated_at = ? WHERE id = ?", int(active), iso(now), user.id),
        records.audit(now, actor, f"user.{verb}", f"User {user.name} {verb}", meta={"email": user.email}),
        records.timeline(now, actor, "user", user.id, "sys", f"Account {verb}"),
    ]
    if not active:
        statements.append(session_store.delete_all_of(user.id))
    await db.batch(statements)
    updated = await get(db, user.id)
    assert updated is not None
    return updated


def set_password_hash(now: datetime, user_id: int, digest: str) -> Statement:
    return q("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", digest, iso(now), user_id)


def signed_in(now: datetime, user_id: int) -> Statement:
    return q("UPDATE users SET last_login_at = ? WHERE id = ?", iso(now), user_id)


def password_chosen(now: datetime, user_id: int, digest: str) -> Statement:
    """The user chose this password themselves: any forced change is done."""
    return q(
        "UPDATE users SET password_hash = ?, must_change_password = 0, updated_at = ? WHERE id = ?",
        digest,
        iso(now),
        user_id,
    )


async def reset_password(db: Database, now: datetime, actor: Actor, user: User, password: str) -> None:
    """Set a temporary password someone else chose, end every session of that user, and make them
    choose their own at their next sign-in. Who may reset whom is `authz.may_reset_credentials`."""
    passwords.check_policy(password, email=user.email)
    digest = await passwords.hash_password(password)
    await db.batch(
        [
            q(
                "UPDATE users SET password_hash = ?, must_change_password = 1, updated_at = ? WHERE id = ?",
                digest,
                iso(now),
                user.id,
            ),
            session_store.delete_all_of(user.id),
            records.audit(
                now,
                actor,
                "user.password_reset",
                f"Password reset for {user.name}; they choose a new one at next sign-in",
                meta={"email": user.email},
            ),
            records.timeline(now, actor, "user", user.id, "sys", "Password reset (change required at next sign-in)"),
        ]
    )

"""Email sender identities (EML-1…EML-9, FIN-10): one per office, and one for Finance.

Fields (EML-1): From Email (the SMTP login, and the From address), From Name, SMTP Host, Port (587 =
STARTTLS or 465 = TLS; any other is refused, EML-5) and the App Password. The password is sealed with
the vault (AES-256-GCM, bound to the identity's kind and office) and never read back to a browser or
an API answer: saving with the password blank keeps the stored one (EML-2). A line break in any
field is refused (EML-7). This module owns `email_identities`.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from core import email as mail
from core import records
from core.clock import iso
from core.errors import Conflict, Invalid, NotFound
from core.records import Actor
from core.storage import Database, IntegrityError, LostRace, Row, q
from core.vault import KeyRing, Sealed, VaultError

KINDS = ("office", "finance")
PORTS = (587, 465)
STALE = "Someone else saved this sender meanwhile. Reload to see it, then save again."
TEST_TIMEOUT = 20.0  # Send Test waits on the server on purpose (EML-3), but not for ever
LIMITS = {"from_email": 254, "from_name": 100, "smtp_host": 253, "password": 200}
_COLUMNS = (
    "id, kind, office_id, from_email, from_name, smtp_host, smtp_port, password_sealed IS NOT NULL AS password_set,"
    " version, last_test_at, last_test_ok, last_test_said, updated_at"
)


def bound_to(kind: str, office_id: int | None) -> str:
    """What a sealed password is bound to: a password moved to another identity fails to open."""
    return f"email_identity:{kind}:{office_id or 0}"


async def get(db: Database, kind: str, office_id: int | None = None) -> Row | None:
    if kind == "finance":
        return await db.first(f"SELECT {_COLUMNS} FROM email_identities WHERE kind = 'finance'")
    return await db.first(f"SELECT {_COLUMNS} FROM email_identities WHERE kind = 'office' AND office_id = ?", office_id)


def shape(row: Row | None, kind: str = "office", office_id: int | None = None) -> dict[str, Any]:
    """The JSON form (docs/api.md): everything but the password, which is only `password_set`."""
    if row is None:
        return {
            "kind": kind,
            "office_id": office_id,
            "from_email": "",
            "from_name": "",
            "smtp_host": "",
            "smtp_port": 587,
            "password_set": False,
            "version": 0,
            "last_test": None,
        }
    return {
        "kind": row["kind"],
        "office_id": row["office_id"],
        "from_email": row["from_email"],
        "from_name": row["from_name"],
        "smtp_host": row["smtp_host"],
        "smtp_port": row["smtp_port"],
        "password_set": bool(row["password_set"]),
        "version": row["version"],
        "last_test": (
            {"at": row["last_test_at"], "ok": bool(row["last_test_ok"]), "said": row["last_test_said"]}
            if row["last_test_at"]
            else None
        ),
    }


def check(from_email: str, from_name: str, smtp_host: str, smtp_port: int | str, password: str) -> dict[str, Any]:
    """Clean and check the form; an Invalid names every bad field and nothing is saved."""
    values = {"from_email": from_email, "from_name": from_name, "smtp_host": smtp_host, "password": password}
    problems: dict[str, str] = {}
    for name, value in values.items():
        if mail.has_line_break(value):
            problems[name] = "Line breaks are not allowed here."
        elif len(value) > LIMITS[name]:
            problems[name] = f"At most {LIMITS[name]} characters."
    cleaned = {k: v.strip() for k, v in values.items() if k != "password"}
    if "from_email" not in problems and cleaned["from_email"] and not mail.valid_address(cleaned["from_email"]):
        problems["from_email"] = "Enter an email address like office@example.com."
    if "smtp_host" not in problems and cleaned["smtp_host"] and not mail.valid_host(cleaned["smtp_host"]):
        problems["smtp_host"] = "Enter a host name like smtp.gmail.com."
    try:
        port = int(str(smtp_port).strip())
    except ValueError:
        port = 0
    if port not in PORTS:
        problems["smtp_port"] = "Port must be 587 (STARTTLS) or 465 (SSL)."
    if problems:
        raise Invalid(problems)
    return {**cleaned, "smtp_port": port, "password": password}


async def save(
    db: Database,
    now: datetime,
    actor: Actor,
    ring: KeyRing,
    *,
    kind: str,
    office_id: int | None,
    office_label: str,
    values: dict[str, Any],
    version: int | None = None,
) -> Row:
    """Create or update an identity (one batch with its audit row). A blank password keeps the stored
    one; VERSION, when given, must still be the stored one (a lost race is a 409)."""
    if kind not in KINDS or (kind == "office") != (office_id is not None):
        raise Invalid("Unknown sender identity.")
    current = await get(db, kind, office_id)
    if version is not None and int(current["version"] if current else 0) != int(version):
        raise Conflict(STALE)
    sealed: Sealed | None = ring.seal(values["password"], bound_to(kind, office_id)) if values["password"] else None
    fields = (values["from_email"], values["from_name"], values["smtp_host"], values["smtp_port"])
    changed = [
        k for k in ("from_email", "from_name", "smtp_host", "smtp_port") if current is None or current[k] != values[k]
    ]
    if sealed is not None:
        changed.append("password")
    if current is None:
        write = q(
            "INSERT INTO email_identities (kind, office_id, from_email, from_name, smtp_host, smtp_port,"
            " password_sealed, password_key_id, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            kind,
            office_id,
            *fields,
            sealed.ciphertext if sealed else None,
            sealed.key_id if sealed else None,
            iso(now),
            actor.user_id,
        )
        guard = records.guard_changed()
    else:
        write = q(
            "UPDATE email_identities SET from_email = ?, from_name = ?, smtp_host = ?, smtp_port = ?,"
            " password_sealed = coalesce(?, password_sealed), password_key_id = coalesce(?, password_key_id),"
            " version = version + 1, updated_at = ?, updated_by = ? WHERE id = ? AND version = ?",
            *fields,
            sealed.ciphertext if sealed else None,
            sealed.key_id if sealed else None,
            iso(now),
            actor.user_id,
            current["id"],
            current["version"],
        )
        guard = records.guard_changed()
    try:
        await db.batch(
            [
                write,
                guard,
                records.audit(
                    now,
                    actor,
                    "email_identity.saved",
                    f"{actor.label} saved the {office_label} email sender ({', '.join(changed) or 'no changes'})",
                    office_id=office_id,
                    meta={"kind": kind, "changed": changed},  # never the password itself
                ),
            ]
        )
    except (LostRace, IntegrityError):  # saved by someone else between our read and this batch
        raise Conflict(STALE) from None
    saved = await get(db, kind, office_id)
    assert saved is not None
    return saved


async def sender(db: Database, ring: KeyRing, row: Row) -> mail.Sender:
    """The identity with its password opened (for delivery only; never shown)."""
    stored = await db.first("SELECT password_sealed, password_key_id FROM email_identities WHERE id = ?", row["id"])
    password = ""
    if stored and stored["password_sealed"]:
        try:
            password = ring.open(
                Sealed(stored["password_sealed"], stored["password_key_id"]), bound_to(row["kind"], row["office_id"])
            )
        except VaultError:
            password = ""
    return mail.Sender(row["from_email"], row["from_name"], row["smtp_host"], int(row["smtp_port"]), password)


def missing(row: Row | None, *, smtp: bool) -> list[str]:
    """What a send still needs (EML-4): the From address always; host and password for SMTP."""
    if row is None:
        return ["From email", "SMTP host", "port", "app password"] if smtp else ["From email"]
    need = [] if row["from_email"] else ["From email"]
    if smtp:
        need += [] if row["smtp_host"] else ["SMTP host"]
        need += [] if row["password_set"] else ["app password"]
    return need


def not_configured(label: str) -> str:
    return f"SMTP not fully configured for {label} (fill in From email + host + port + app password)."


async def send_test(bindings: Any, actor: Actor, *, kind: str, office_id: int | None, label: str, to: str) -> mail.Sent:
    """Send Test (EML-3): one message through the saved identity now, the server's answer kept on the
    identity and in the audit log. Refused (422) before anything is sent when the recipient is not
    an address or the identity is incomplete."""
    from core import outbox

    to = to.strip()
    if mail.has_line_break(to) or not mail.valid_address(to):
        raise Invalid({"to": "Enter the address to send the test to."})
    db, now = bindings.db, bindings.clock.now()
    row = await get(db, kind, office_id)
    if row is None:
        raise NotFound("Save the sender first.")
    need = missing(row, smtp=mail.needs_smtp_login(bindings))
    if need:
        raise Invalid(not_configured(label))
    message = mail.Email(
        message_id=outbox.new_id(),
        sender=await sender(db, KeyRing.from_settings(bindings.settings), row),
        to=to,
        subject=f"Porchlight test from {row['from_name'] or row['from_email']}",
        text=f"This is a test of the {label} email sender in Porchlight. If you can read it, sending works.",
        office_id=office_id,
    )
    try:
        sent = await asyncio.wait_for(mail.provider(bindings).send(bindings, message, now), TEST_TIMEOUT)
    except TimeoutError:
        sent = mail.Sent(False, f"No answer within {TEST_TIMEOUT:g} seconds.")
    await db.batch(
        [
            *sent.statements,
            q(
                "UPDATE email_identities SET last_test_at = ?, last_test_ok = ?, last_test_said = ? WHERE id = ?",
                iso(now),
                int(sent.ok),
                sent.said[:300],
                row["id"],
            ),
            records.audit(
                now,
                actor,
                "email_identity.test",
                f"{actor.label} sent a test email from the {label} sender to {to}: {'ok' if sent.ok else 'failed'}",
                office_id=office_id,
                meta={"kind": kind, "to": to, "ok": sent.ok, "said": sent.said[:300]},
            ),
        ]
    )
    return sent

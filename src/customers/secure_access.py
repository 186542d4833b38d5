"""Secure access: a customer's saved WiFi, device and account passwords (seed 000, DOMAIN.md).

This module owns `customer_secure_access`. Secrets are sealed by `vault` with associated data naming
the row, so every read path here returns rows *without* the sealed value and with the secret masked;
the only ways to a plaintext are `reveal` (one item, one audit row) and `audit_workbook_rows` with
`reveal=True` (the owner's audit, one audit row). Audit and timeline rows name the item, never the
secret. Ids are chosen before sealing (the associated data needs them): two creates racing for the
same id make the second batch fail on the primary key, and it seals again under the next id.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime

from core import cardcheck, records
from core.clock import iso
from core.errors import Conflict, Invalid
from core.records import Actor
from core.storage import Database, IntegrityError, Row, Statement, q
from core.vault import Fingerprints, KeyRing, Sealed, VaultError

KINDS = ("wifi", "device", "account", "other")
KIND_LABELS = {"wifi": "WiFi", "device": "Device", "account": "Account", "other": "Other"}
MASK = "••••••••"
MAX_SECRET = 512
MAX_LABEL = 120
MAX_USERNAME = 200
MAX_NOTES = 2000
PAGE = 500

# Every column but the sealed value: what listings read.
_COLUMNS = (
    "a.id, a.customer_id, a.label, a.kind, a.username, a.key_id, a.notes, a.created_by, a.version,"
    " a.created_at, a.updated_at"
)


@dataclass(frozen=True)
class ItemInput:
    label: str
    kind: str
    username: str
    notes: str


def check_input(label: str, kind: str, username: str = "", notes: str = "") -> ItemInput:
    """The item's plain fields, checked. A card number in any of them is refused here (the secret
    itself is sealed, and a PIN or passcode may well be digits, so it is not checked)."""
    label, username, notes = label.strip(), username.strip(), notes.strip()
    try:
        cardcheck.refuse({"label": label, "username": username, "notes": notes})
    except cardcheck.CardNumberFound as exc:
        raise Invalid(str(exc)) from None
    if not label:
        raise Invalid("Give the item a label, e.g. “Home WiFi”.")
    if kind not in KINDS:
        raise Invalid(f"Kind must be one of {', '.join(KINDS)}.")
    for name, value, limit in (("Label", label, MAX_LABEL), ("Username", username, MAX_USERNAME)):
        if len(value) > limit:
            raise Invalid(f"{name} is too long (at most {limit} characters).")
    if len(notes) > MAX_NOTES:
        raise Invalid(f"Notes are too long (at most {MAX_NOTES} characters).")
    return ItemInput(label, kind, username, notes)


def check_secret(secret: str) -> str:
    if not secret:
        raise Invalid("Enter the password or secret to save.")
    if len(secret) > MAX_SECRET:
        raise Invalid(f"The secret is too long (at most {MAX_SECRET} characters).")
    return secret


def associated(item_id: int, customer_id: int) -> str:
    """What a sealed secret is bound to: its own row and its customer."""
    return f"secure_access:{item_id}:{customer_id}"


def public(row: Row) -> dict[str, object]:
    """An item as listings, search and the API show it: the secret always masked."""
    return {
        "id": row["id"],
        "label": row["label"],
        "kind": row["kind"],
        "username": row["username"],
        "secret": MASK,
        "notes": row["notes"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


async def items_for(db: Database, customer_id: int) -> list[Row]:
    return await db.all(
        f"SELECT {_COLUMNS} FROM customer_secure_access a WHERE a.customer_id = ? ORDER BY a.label, a.id",
        customer_id,
    )


async def item_for(db: Database, customer_id: int, item_id: int) -> Row | None:
    """An item of this customer (the caller already checked the customer is visible), or None."""
    return await db.first(
        f"SELECT {_COLUMNS} FROM customer_secure_access a WHERE a.id = ? AND a.customer_id = ?",
        item_id,
        customer_id,
    )


async def _sealed(db: Database, item: Row) -> Sealed:
    row = await db.first("SELECT secret_sealed, key_id FROM customer_secure_access WHERE id = ?", item["id"])
    if row is None:
        raise Invalid("That item was just deleted.")
    return Sealed(row["secret_sealed"], row["key_id"])


def _audit(now: datetime, actor: Actor, action: str, verb: str, customer: Row, item_id: int, label: str) -> Statement:
    return records.audit(
        now,
        actor,
        action,
        f"{actor.label} {verb} secure-access item “{label}” on {customer['display_id']}",
        office_id=customer["office_id"],
        meta={"customer": customer["display_id"], "item_id": item_id, "label": label},
    )


def _timeline(now: datetime, actor: Actor, customer: Row, body: str) -> Statement:
    return records.timeline(
        now, actor, "customer", customer["id"], "secure_access", body, office_id=customer["office_id"]
    )


async def create_item(
    db: Database, now: datetime, actor: Actor, ring: KeyRing, customer: Row, item: ItemInput, secret: str
) -> int:
    secret = check_secret(secret)
    for _ in range(5):
        row = await db.first("SELECT COALESCE(MAX(id), 0) + 1 AS id FROM customer_secure_access")
        item_id = int(row["id"]) if row else 1
        sealed = ring.seal(secret, associated(item_id, customer["id"]))
        try:
            await db.batch(
                [
                    q(
                        "INSERT INTO customer_secure_access (id, customer_id, label, kind, username, secret_sealed,"
                        " key_id, notes, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        item_id,
                        customer["id"],
                        item.label,
                        item.kind,
                        item.username,
                        sealed.ciphertext,
                        sealed.key_id,
                        item.notes,
                        actor.user_id,
                        iso(now),
                        iso(now),
                    ),
                    _audit(now, actor, "secure_access.create", "added", customer, item_id, item.label),
                    _timeline(now, actor, customer, f"Secure-access item “{item.label}” added"),
                ]
            )
        except IntegrityError:
            continue  # another create took this id: seal again under the next one
        return item_id
    raise Invalid("Too many items were being saved at once; try again.")


async def update_item(
    db: Database,
    now: datetime,
    actor: Actor,
    ring: KeyRing,
    customer: Row,
    current: Row,
    item: ItemInput,
    secret: str | None,
) -> None:
    """Edit the fields; a new secret replaces the old one, an empty one keeps it. Refused (as a
    conflict) when someone else saved the item since `current` was read."""
    sets = "label = ?, kind = ?, username = ?, notes = ?, updated_at = ?, version = version + 1"
    params: list[str | int] = [item.label, item.kind, item.username, item.notes, iso(now)]
    changed = "changed" + (" (new secret)" if secret else "")
    bound_to = associated(current["id"], customer["id"])
    if not secret and current["key_id"] != ring.current_id:
        # Sealed under a retired key: saving the item moves it to the current one.
        secret = ring.open(await _sealed(db, current), bound_to)
    if secret:
        sealed = ring.seal(check_secret(secret), bound_to)
        sets += ", secret_sealed = ?, key_id = ?"
        params += [sealed.ciphertext, sealed.key_id]
    try:
        await db.batch(
            [
                q(
                    f"UPDATE customer_secure_access SET {sets} WHERE id = ? AND customer_id = ? AND version = ?",
                    *params,
                    current["id"],
                    customer["id"],
                    current["version"],
                ),
                records.guard_changed(),
                _audit(now, actor, "secure_access.update", changed, customer, current["id"], item.label),
            ]
        )
    except records.LostRace:
        raise Conflict("Someone else changed this item just now. Reload and try again.") from None


async def delete_item(db: Database, now: datetime, actor: Actor, customer: Row, current: Row) -> None:
    await db.batch(
        [
            q("DELETE FROM customer_secure_access WHERE id = ? AND customer_id = ?", current["id"], customer["id"]),
            records.if_changed(
                _audit(now, actor, "secure_access.delete", "deleted", customer, current["id"], current["label"])
            ),
            _timeline(now, actor, customer, f"Secure-access item “{current['label']}” deleted"),
        ]
    )


async def reveal(db: Database, now: datetime, actor: Actor, ring: KeyRing, customer: Row, current: Row) -> str:
    """The plaintext of one item, with exactly one audit row saying who saw it. The row is written
    before the value is handed back: a reveal that cannot be recorded does not happen."""
    secret = ring.open(await _sealed(db, current), associated(current["id"], customer["id"]))
    await db.batch([_audit(now, actor, "secure_access.reveal", "revealed", customer, current["id"], current["label"])])
    return secret


# --- merging customers ----------------------------------------------------------------------


class Unreadable(Invalid):
    """Items that cannot be opened, so cannot be re-sealed for another customer. Names them, not their secrets."""

    def __init__(self, customer: Row, problems: list[tuple[str, str]]):
        listed = "; ".join(f"“{label}” ({why})" for label, why in problems)
        super().__init__(
            f"{len(problems)} secure-access item{'s' if len(problems) != 1 else ''} on {customer['display_id']}"
            f" cannot be opened, so cannot be moved: {listed}. Nothing was merged. Add the retired key to"
            f" ENCRYPTION_KEYS_OLD, or enter those secrets again (or delete the items) on"
            f" {customer['display_id']}, then merge again."
        )


@dataclass(frozen=True)
class Handover:
    """What moving a customer's items to another customer takes: statements for the caller's batch."""

    statements: list[Statement]
    labels: list[str]  # the items moved, for the timeline (names, never secrets)


async def hand_over(db: Database, now: datetime, ring: KeyRing, giver: Row, taker: Row) -> Handover:
    """Re-seal every item of `giver` for `taker` (its associated data names the customer, so the
    ciphertext cannot simply change hands) under the current key. Refuses whole, with Unreadable,
    when any item cannot be opened: dropping it would lose it, and leaving it behind on an archived
    record would hide it.

    The statements are one UPDATE carrying the new ciphertexts (through json_each, so any number of
    items stays within D1's parameter limit), matched on each item's id and version, then a check
    that fails the batch if anything is still on `giver`: an item edited or added since it was read
    here makes the caller's merge write nothing rather than leave it behind or overwrite the edit."""
    rows = await db.all(
        "SELECT id, label, secret_sealed, key_id, version FROM customer_secure_access WHERE customer_id = ?"
        " ORDER BY id",
        giver["id"],
    )
    resealed, problems = [], []
    for row in rows:
        try:
            plain = ring.open(Sealed(row["secret_sealed"], row["key_id"]), associated(row["id"], giver["id"]))
        except VaultError as exc:
            problems.append((row["label"], str(exc)))
            continue
        sealed = ring.seal(plain, associated(row["id"], taker["id"]))
        resealed.append({"id": row["id"], "version": row["version"], "sealed": sealed.ciphertext})
    if problems:
        raise Unreadable(giver, problems)
    # Checked even when there was nothing to move: an item added meanwhile must not stay behind.
    left_behind = records.guard("NOT EXISTS (SELECT 1 FROM customer_secure_access WHERE customer_id = ?)", giver["id"])
    if not rows:
        return Handover([left_behind], [])
    pick = "FROM json_each(?1) j WHERE json_extract(j.value, '$.id') = customer_secure_access.id"
    move = q(
        f"UPDATE customer_secure_access SET customer_id = ?2, secret_sealed = (SELECT json_extract(j.value,"
        f" '$.sealed') {pick}), key_id = ?3, version = version + 1, updated_at = ?4"
        f" WHERE customer_id = ?5 AND EXISTS (SELECT 1 {pick}"
        " AND json_extract(j.value, '$.version') = customer_secure_access.version)",
        json.dumps(resealed),
        taker["id"],
        ring.current_id,
        iso(now),
        giver["id"],
    )
    return Handover([move, left_behind], [r["label"] for r in rows])


# --- the owner's secure-access audit ----------------------------------------------------------


@dataclass
class Group:
    """One unique secret and everywhere it is saved."""

    secret: str  # MASK unless the audit was asked to reveal
    uses: list[Row] = field(default_factory=list)

    @property
    def customers(self) -> list[str]:
        return sorted({u["display_id"] for u in self.uses})


@dataclass
class Audit:
    groups: list[Group]
    unreadable: list[tuple[Row, str]]  # rows the key ring cannot open, with the reason

    @property
    def items(self) -> int:
        return sum(len(g.uses) for g in self.groups) + len(self.unreadable)


async def _all_sealed(db: Database) -> AsyncIterator[Row]:
    """Every item with its customer, a page at a time (keyset on id)."""
    after = 0
    while True:
        rows = await db.all(
            "SELECT a.id, a.customer_id, a.label, a.kind, a.username, a.secret_sealed, a.key_id, a.updated_at,"
            " c.display_id, c.name AS customer_name, o.name AS office_name"
            " FROM customer_secure_access a JOIN customers c ON c.id = a.customer_id"
            " JOIN offices o ON o.id = c.office_id WHERE a.id > ? ORDER BY a.id LIMIT ?",
            after,
            PAGE,
        )
        for row in rows:
            yield row
        if len(rows) < PAGE:
            return
        after = rows[-1]["id"]


async def audit(db: Database, ring: KeyRing, *, reveal: bool) -> Audit:
    """Group every saved secret by value. Values are compared through a per-run HMAC, so only the
    groups' masked (or, when asked, revealed) secret is kept, not every plaintext."""
    prints = Fingerprints()
    groups: dict[str, Group] = {}
    unreadable: list[tuple[Row, str]] = []
    async for row in _all_sealed(db):
        try:
            plain = ring.open(
                Sealed(row.pop("secret_sealed"), row["key_id"]), associated(row["id"], row["customer_id"])
            )
        except VaultError as exc:
            unreadable.append((row, str(exc)))
            continue
        group = groups.setdefault(prints.of(plain), Group(plain if reveal else MASK))
        group.uses.append(row)
    ordered = sorted(groups.values(), key=lambda g: (-len(g.uses), g.uses[0]["id"]))
    return Audit(ordered, unreadable)


def revealed_audit_row(now: datetime, actor: Actor, result: Audit) -> Statement:
    return records.audit(
        now,
        actor,
        "secure_access.audit_reveal",
        f"{actor.label} exported the secure-access audit with secrets revealed ({result.items} items)",
        meta={"items": result.items, "unique_secrets": len(result.groups)},
    )

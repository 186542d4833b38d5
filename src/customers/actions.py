"""What staff do to a customer record itself: create, edit, set dormant/active, the billing profile,
archive, restore, and the owner's hard delete.

Each verb is one batch that starts with a version check of the customer (`customers.still_at`), so a
lost race writes nothing and the loser gets `Conflict`; the timeline and audit rows ride in the same
batch. Free text is refused whole when any field holds a card-shaped number (`customers.clean`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from accounts.offices import Office
from accounts.users import User
from core import records
from core.clock import iso
from core.errors import Invalid
from core.filestore import FileStore
from core.storage import Database, IntegrityError, Param, Result, Row, Statement, q
from customers import addresses as customer_addresses
from customers import contacts as customer_contacts
from customers import record as customers
from leads import sources as lead_sources

LIMITS = {"name": 200, "company": 200, "source": 40}
BILLING_LIMITS = {"terms": 60, "tax_id": 60, "payment_token": 200, "payment_brand": 20}
CARD_BRANDS = ("visa", "mastercard", "amex", "discover", "diners", "jcb", "unionpay", "other")
MAX_CREDIT_CENTS = 10**11  # a billion dollars: anything above is a typo

log = logging.getLogger("porchlight.customers")


def _entry(now: datetime, user: User, customer: Row, kind: str, body: str, **meta: object) -> Statement:
    return customers.timeline(now, user.actor, customer["id"], customer["office_id"], kind, body, **meta)


def _audit(now: datetime, user: User, customer: Row, action: str, summary: str, **meta: object) -> Statement:
    return records.audit(
        now,
        user.actor,
        action,
        f"{customer['display_id']}: {summary}",
        office_id=customer["office_id"],
        meta={"customer": customer["display_id"], **meta},
    )


def _update(now: datetime, customer: Row, sets: str, *params: Param) -> Statement:
    return customers.update(now, customer, sets, *params)


async def _apply(db: Database, customer: Row, statements: list[Statement]) -> list[Result]:
    """The batch behind the customer's version guard; results[n + 1] is statements[n]'s."""
    return await customers.run(db, [customers.still_at("customers", customer), *statements])


def _writable(customer: Row) -> None:
    if customer["merged_into_id"]:
        raise Invalid("This customer was merged into another; change that one instead.")


# --- creating ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewCustomer:
    name: str
    kind: str = "private"
    company: str = ""
    source: str = ""
    contact: dict[str, object] | None = None  # the primary contact; defaults to the customer's name
    billing_address: dict[str, object] | None = None
    # The New client form (issue 17, seed 004): the address's line 1 and ZIP are required.
    address_required: bool = False


async def _check_source(db: Database, key: str) -> str:
    if key and await lead_sources.by_key(db, key) is None:
        raise Invalid(f"Unknown source {key!r}: choose one of the lead sources, or leave it empty.")
    return key


async def create_customer(
    db: Database,
    now: datetime,
    user: User,
    office: Office,
    new: NewCustomer,
    *,
    also: Callable[[int], list[Statement]] | None = None,
) -> str:
    """A customer typed in by staff, with its primary contact (and billing address) in the same
    batch. Returns the display id. `also(customer_id)` adds the caller's statements to that batch
    (the QuickBooks link of a customer created from a QuickBooks customer)."""
    fields, contact, address = await _checked_new(db, new)
    for attempt in range(3):
        customer_id = await customers.next_id(db)
        display = customers.display_id_for(customer_id)
        try:
            await db.batch(
                [
                    *_new_customer_rows(now, user, office, customer_id, new.kind, fields, contact, address),
                    *(also(customer_id) if also else []),
                ]
            )
        except IntegrityError:
            if attempt < 2 and await customers.display_id_of(db, customer_id) is not None:
                continue  # another create took that number between our read and our batch
            raise
        return display
    raise AssertionError("unreachable")


async def check_new(db: Database, new: NewCustomer) -> None:
    """Refuse a new customer's fields as `create_customer` would, writing nothing (the New client
    form checks before it looks for duplicates)."""
    await _checked_new(db, new)


async def _checked_new(
    db: Database, new: NewCustomer
) -> tuple[dict[str, str], dict[str, customer_contacts.Value], dict[str, customer_contacts.Value] | None]:
    """The new customer's cleaned fields (its source checked), primary contact and billing address,
    or Invalid naming what is wrong."""
    fields = customers.clean({"name": new.name, "company": new.company, "source": new.source}, LIMITS)
    if not fields["name"]:
        raise Invalid("A customer needs a name.")
    if new.kind not in customers.KINDS:
        raise Invalid(f"Kind must be one of: {', '.join(customers.KINDS)}.")
    fields["source"] = await _check_source(db, fields["source"])
    contact = customer_contacts.check({"name": fields["name"], **(new.contact or {})})
    if new.address_required:
        _check_required_address(new.billing_address or {})
    address = customer_addresses.check({**new.billing_address, "kind": "billing"}) if new.billing_address else None
    if address and address["occupier_contact_id"] is not None:
        # A customer being created has no contact yet to name (it was a foreign-key failure, a 500).
        raise Invalid("A new customer's billing address has no occupier yet; set it once the contact exists.")
    return fields, contact, address


_ZIP = re.compile(r"^\d{5}(-\d{4})?$")


def _check_required_address(address: dict[str, object]) -> None:
    """Seed 004: "Ensure Address Line 1 and Postcode are completed accurately, as they are required
    for the scheduling engines to function properly." Both fields named when both are missing."""
    missing = {}
    if not str(address.get("line1") or "").strip():
        missing["line1"] = "Address line 1 is required (street and number)."
    if not _ZIP.match(str(address.get("zip") or "").strip()):
        missing["zip"] = "A 5-digit ZIP code is required."
    if missing:
        raise Invalid(missing)


def _new_customer_rows(
    now: datetime,
    user: User,
    office: Office,
    customer_id: int,
    kind: str,
    fields: dict[str, str],
    contact: dict[str, customer_contacts.Value],
    address: dict[str, customer_contacts.Value] | None,
) -> list[Statement]:
    """The customer row, its primary contact (and billing address) followed by the customer, its
    first timeline entry and the audit row, in that order."""
    display = customers.display_id_for(customer_id)
    return [
        customers.insert(
            now,
            customer_id,
            office.id,
            {"name": fields["name"], "kind": kind, "company": fields["company"], "source": fields["source"]},
        ),
        customer_contacts.insert(now, customer_id, contact, primary=True),
        customers.follow_primary(now, customer_id),
        *(
            [
                customer_addresses.insert(now, customer_id, address),
                customers.follow_billing_address(now, customer_id),
            ]
            if address
            else []
        ),
        customers.timeline(now, user.actor, customer_id, office.id, "sys", f"Customer created by {user.name}"),
        records.audit(
            now,
            user.actor,
            "customer.created",
            f"{display}: created",
            office_id=office.id,
            meta={"customer": display},
        ),
    ]


# --- editing -------------------------------------------------------------------------------------


async def edit_customer(
    db: Database, now: datetime, user: User, customer: Row, changes: dict[str, object], *, version: int | None = None
) -> list[str]:
    """Header fields: name, kind, company, source ("how did you hear"), rating (0–5), status.
    Returns the names of the fields that changed."""
    _writable(customer)
    customers.check_version(customer, version)
    unknown = set(changes) - {"name", "kind", "company", "source", "rating", "status"}
    if unknown:
        raise Invalid(f"{', '.join(sorted(unknown))} cannot be edited here.")
    text = customers.clean({k: v for k, v in changes.items() if k in LIMITS}, LIMITS)
    new: dict[str, object] = dict(text)
    if "name" in new and not new["name"]:
        raise Invalid("A customer needs a name.")
    if "source" in new:
        await _check_source(db, str(new["source"]))
    if "kind" in changes:
        if changes["kind"] not in customers.KINDS:
            raise Invalid(f"Kind must be one of: {', '.join(customers.KINDS)}.")
        new["kind"] = changes["kind"]
    if "status" in changes:
        if changes["status"] not in customers.STATUSES:
            raise Invalid("Status must be active or dormant.")
        new["status"] = changes["status"]
    if "rating" in changes:
        rating = changes["rating"]
        if not isinstance(rating, int) or isinstance(rating, bool) or not 0 <= rating <= 5:
            raise Invalid("Rating is a whole number of stars from 0 to 5.")
        new["rating"] = rating
    changed = {k: [customer[k], v] for k, v in new.items() if customer[k] != v}
    if not changed:
        return []
    sets = ", ".join(f"{k} = ?" for k in changed)
    statements = [
        _update(now, customer, sets, *(v[1] for v in changed.values())),
        *_describe(now, user, customer, changed),
    ]
    await _apply(db, customer, statements)
    return list(changed)


def _describe(now: datetime, user: User, customer: Row, changed: dict[str, list[object]]) -> list[Statement]:
    """One timeline entry per kind of change: status gets its own (dormant stops automations)."""
    out: list[Statement] = []
    if "status" in changed:
        old, new = changed["status"]
        why = " — no automated messages while dormant" if new == "dormant" else " — automated messages resume"
        out += [
            _entry(now, user, customer, "status", f"Status: {str(old).title()} → {str(new).title()}{why}"),
            _audit(now, user, customer, "customer.status_changed", f"{old} → {new}", previous=old, status=new),
        ]
    rest = {k: v for k, v in changed.items() if k != "status"}
    if rest:
        names = ", ".join(rest)
        if set(rest) == {"rating"}:
            body = f"Rated {rest['rating'][1]} of 5 by {user.name}"
        else:
            body = f"Edited by {user.name}: {names}"
        out += [
            _entry(now, user, customer, "sys", body),
            _audit(now, user, customer, "customer.edited", f"edited {names}", changes=rest),
        ]
    return out


async def set_status(db: Database, now: datetime, user: User, customer: Row, status: str) -> bool:
    """Active or dormant (seed 004: dormant = no automated communications). False when unchanged."""
    return bool(await edit_customer(db, now, user, customer, {"status": status}))


# --- billing profile -----------------------------------------------------------------------------

_EXP = re.compile(r"^(\d{4})-(\d{2})$")
_BILLING_NAMES = {
    "credit_limit_cents": "credit limit",
    "tax_id": "exemption certificate",
    **{k: "payment profile" for k in ("payment_token", "payment_brand", "payment_last4", "payment_exp")},
}


def check_billing(values: dict[str, object]) -> dict[str, Param]:
    """Terms, tax exemption, credit limit and the payment profile. The profile is all or nothing:
    token, brand, last 4 and expiry together, or none of them (to remove it)."""
    text = customers.clean({k: v for k, v in values.items() if k in BILLING_LIMITS}, BILLING_LIMITS)
    out: dict[str, Param] = dict(text)
    if "tax_exempt" in values:
        out["tax_exempt"] = 1 if values["tax_exempt"] else 0
    if "credit_limit_cents" in values:
        limit = values["credit_limit_cents"]
        if limit is not None and (
            not isinstance(limit, int) or isinstance(limit, bool) or not 0 <= limit <= MAX_CREDIT_CENTS
        ):
            raise Invalid("The credit limit is a whole number of cents, zero or more.")
        out["credit_limit_cents"] = limit
    profile = ("payment_token", "payment_brand", "payment_last4", "payment_exp")
    if any(k in values for k in profile):
        last4 = str(values.get("payment_last4") or "").strip()
        exp = str(values.get("payment_exp") or "").strip()
        brand = str(out.get("payment_brand") or "").lower()
        token = str(out.get("payment_token") or "")
        if token or brand or last4 or exp:
            if not token:
                raise Invalid("A payment profile needs the processor's token (e.g. pm_… or tok_…).")
            if brand not in CARD_BRANDS:
                raise Invalid(f"Card brand must be one of: {', '.join(CARD_BRANDS)}.")
            if not re.fullmatch(r"\d{4}", last4):
                raise Invalid("Last 4 is exactly four digits.")
            match = _EXP.match(exp)
            if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
                raise Invalid("Expiry is year and month, like 2028-04.")
        out.update(payment_token=token, payment_brand=brand, payment_last4=last4, payment_exp=exp)
    return out


async def edit_billing(
    db: Database, now: datetime, user: User, customer: Row, values: dict[str, object], *, version: int | None = None
) -> list[str]:
    """Change the billing profile. The QuickBooks customer link is not editable here (the QuickBooks
    link fills it). Audit rows name the fields that changed, never the token."""
    _writable(customer)
    customers.check_version(customer, version)
    new = check_billing(values)
    changed = [k for k, v in new.items() if customer[k] != v]
    if not changed:
        return []
    names = ", ".join(dict.fromkeys(_BILLING_NAMES.get(k, k.replace("_", " ")) for k in changed))
    await _apply(
        db,
        customer,
        [
            _update(now, customer, ", ".join(f"{k} = ?" for k in changed), *(new[k] for k in changed)),
            _entry(now, user, customer, "billing", f"Billing profile edited by {user.name}: {names}"),
            _audit(now, user, customer, "customer.billing_changed", f"billing profile: {names}", fields=changed),
        ],
    )
    return changed


# --- archive, restore, delete --------------------------------------------------------------------


async def archive_customer(db: Database, now: datetime, user: User, customer: Row) -> bool:
    """Hide the customer from the working list; nothing is removed. False when already archived."""
    if customer["archived_at"]:
        return False
    await _apply(
        db,
        customer,
        [
            _update(now, customer, "archived_at = ?", iso(now)),
            _entry(now, user, customer, "status", f"Archived by {user.name}"),
            _audit(now, user, customer, "customer.archived", "archived"),
        ],
    )
    return True


async def restore_customer(db: Database, now: datetime, user: User, customer: Row) -> bool:
    if not customer["archived_at"]:
        return False
    _writable(customer)
    await _apply(
        db,
        customer,
        [
            _update(now, customer, "archived_at = NULL"),
            _entry(now, user, customer, "status", f"Restored by {user.name}"),
            _audit(now, user, customer, "customer.restored", "restored"),
        ],
    )
    return True


async def delete_customer(
    db: Database, now: datetime, user: User, customer: Row, confirm: str, *, files: FileStore | None
) -> None:
    """Owner only, for good, after typing the display id (seed 003: it cannot be restored). Contacts,
    addresses, notes, tags, files and its timeline go with it; the audit row keeps what was removed. A
    customer that leads converted into is refused: those lifecycle rows would point at nothing, so
    return them to leads first (or archive the customer instead). The files' bytes are removed from
    `files` (the file store) once the rows are gone."""
    if confirm.strip().upper() != customer["display_id"]:
        raise Invalid(f"Type {customer['display_id']} to confirm deleting this customer for good.")
    linked = await db.all("SELECT display_id FROM leads WHERE customer_id = ? ORDER BY id LIMIT 5", customer["id"])
    if linked:
        shown = ", ".join(r["display_id"] for r in linked)
        raise Invalid(
            f"Leads converted into this customer ({shown}) would lose it. Return them to leads first, or archive "
            "the customer instead."
        )
    merged = await db.first("SELECT COUNT(*) AS n FROM customers WHERE merged_into_id = ?", customer["id"])
    keys = await _delete(db, now, user, customer, merged["n"] if merged else 0)
    await _remove_bytes(files, customer, keys)


async def _delete(db: Database, now: datetime, user: User, customer: Row, merged_from: int) -> list[str]:
    """The batch; returns the storage keys of the files whose rows it removed (read inside the batch,
    so a file uploaded a moment before is among them)."""
    files = await db.first("SELECT COUNT(*) AS n FROM customer_files WHERE customer_id = ?", customer["id"])
    results = await customers.run(
        db,
        [
            customers.still_at("customers", customer),
            # Converting a lead into this customer meanwhile bumps its version, so the leading guard
            # already stops that race; this stops a lead linked by any other path.
            records.guard("NOT EXISTS (SELECT 1 FROM leads WHERE customer_id = ?)", customer["id"]),
            q("SELECT storage_key FROM customer_files WHERE customer_id = ?", customer["id"]),
            customers.delete_at_version(customer),
            records.delete_timeline("customer", customer["id"]),
            records.audit(
                now,
                user.actor,
                "customer.deleted",
                f"{customer['display_id']} deleted for good",
                office_id=customer["office_id"],
                meta={
                    "customer": customer["display_id"],
                    "name": customer["name"],
                    "merged_from": merged_from,
                    "files": files["n"] if files else 0,
                },
            ),
        ],
        conflict="Someone changed this customer, or linked a lead to it, a moment ago. Reload it and try again.",
    )
    return [r["storage_key"] for r in results[2].rows]


async def _remove_bytes(files: FileStore | None, customer: Row, keys: list[str]) -> None:
    """The deleted files' bytes. The customer is already gone, so a store that fails (or is not
    configured) leaves orphan objects under `customers/<id>/`, which nothing lists or serves: logged
    for the operator, never raised. The log names the customer and counts, not keys or the store's
    error text (which could echo them or the store's credentials)."""
    failed, kinds = 0, set[str]()
    for key in keys:
        if files is None:
            failed, kinds = len(keys), {"no file store configured"}
            break
        try:
            await files.delete(key)
        except Exception as exc:  # the delete stands; the operator cleans up from the log
            failed += 1
            kinds.add(type(exc).__name__)
    if failed:
        log.warning(
            "customer %s (id %s) deleted; %d of %d stored files could not be removed from the file store (%s):"
            " orphan objects remain under customers/%s/",
            customer["display_id"],
            customer["id"],
            failed,
            len(keys),
            ", ".join(sorted(kinds)),
            customer["id"],
        )

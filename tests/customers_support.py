"""Customers for the clients-list and tray tests, written straight into the real database (the verbs
that create customers need a lead to convert; these tests are about reading the book)."""

from __future__ import annotations

from core.clock import iso
from core.storage import Statement
from customers import record as customers


async def make_customer(
    bindings,
    office,
    name: str,
    *,
    phone: str | None = None,
    email: str = "",
    company: str = "",
    kind: str = "private",
    status: str = "active",
    source: str = "",
    address: str = "",
    zip: str = "",
    quickbooks_id: str | None = None,
    archived: bool = False,
    contacts: tuple[tuple[str, str, str | None], ...] = (),  # (name, email, phone last 10) besides the primary
) -> dict:
    db = bindings.db
    now = iso(bindings.clock.now())
    cid = await customers.next_id(db)
    last10 = phone[-10:] if phone else None
    statements = [
        Statement(
            "INSERT INTO customers (id, display_id, office_id, name, kind, company, status, source, phone,"
            " phone_last10, email, address, zip, quickbooks_customer_id, archived_at, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                cid,
                customers.display_id_for(cid),
                office.id,
                name,
                kind,
                company,
                status,
                source,
                f"+1{last10}" if last10 else None,
                last10,
                email,
                address,
                zip,
                quickbooks_id,
                now if archived else None,
                now,
                now,
            ),
        ),
        Statement(
            "INSERT INTO customer_contacts (customer_id, name, phone, phone_last10, email, is_primary, created_at,"
            " updated_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
            (cid, name, f"+1{last10}" if last10 else None, last10, email, now, now),
        ),
    ]
    for contact_name, contact_email, contact_phone in contacts:
        statements.append(
            Statement(
                "INSERT INTO customer_contacts (customer_id, name, phone_last10, email, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (cid, contact_name, contact_phone, contact_email, now, now),
            )
        )
    await db.batch(statements)
    row = await db.first("SELECT * FROM customers WHERE id = ?", cid)
    assert row is not None
    return row

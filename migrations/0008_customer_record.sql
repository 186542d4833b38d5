-- Migration number: 0008 	 2026-11-22T21:00:00.000Z
-- The customer record (seed 000 "Clients", seed 003 "Client Profile", seed 004 "Customer record"):
-- rating, tags, the billing profile, merges, contacts' second phone and email, addresses (billing
-- and work sites) and notes. Every table that belongs to a customer carries `customer_id`, so a
-- merge moves rows with one UPDATE per table and a hard delete cascades.

-- Rating 0 means "not rated". `merged_into_id` marks a customer folded into another by a merge;
-- such a row stays (archived) so its display id keeps resolving to "Merged into C-…".
-- Billing: QuickBooks owns accounting truth; `quickbooks_customer_id` is filled by the QuickBooks
-- link and only shown here; the clients list filters "not matched" on it being NULL. The payment profile is a processor token with brand, last 4 and expiry:
-- never a card number or CVV.
ALTER TABLE customers ADD COLUMN rating INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5);
ALTER TABLE customers ADD COLUMN merged_into_id INTEGER REFERENCES customers (id) ON DELETE SET NULL;
ALTER TABLE customers ADD COLUMN terms TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN tax_exempt INTEGER NOT NULL DEFAULT 0 CHECK (tax_exempt IN (0, 1));
ALTER TABLE customers ADD COLUMN tax_id TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN credit_limit_cents INTEGER CHECK (credit_limit_cents >= 0);
ALTER TABLE customers ADD COLUMN quickbooks_customer_id TEXT;
ALTER TABLE customers ADD COLUMN payment_token TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN payment_brand TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN payment_last4 TEXT NOT NULL DEFAULT '' CHECK (payment_last4 = '' OR length(payment_last4) = 4);
ALTER TABLE customers ADD COLUMN payment_exp TEXT NOT NULL DEFAULT '';  -- 'YYYY-MM'
CREATE INDEX customers_merged_into ON customers (merged_into_id) WHERE merged_into_id IS NOT NULL;
CREATE INDEX customers_quickbooks ON customers (quickbooks_customer_id) WHERE quickbooks_customer_id IS NOT NULL;

-- A contact may have a second number and address (seed 004: several phones per contact); edits
-- are guarded by the row's version.
ALTER TABLE customer_contacts ADD COLUMN alt_phone TEXT;
ALTER TABLE customer_contacts ADD COLUMN alt_phone_raw TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_contacts ADD COLUMN alt_phone_last10 TEXT;
ALTER TABLE customer_contacts ADD COLUMN alt_email TEXT NOT NULL DEFAULT '';
ALTER TABLE customer_contacts ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
CREATE INDEX customer_contacts_alt_phone_last10 ON customer_contacts (alt_phone_last10) WHERE alt_phone_last10 IS NOT NULL;

-- Tags (seed 003: type and Enter to add, x to remove): case-insensitively unique per customer;
-- (tag, customer_id) serves the list's tag filter.
CREATE TABLE customer_tags (
    customer_id INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    tag         TEXT NOT NULL COLLATE NOCASE,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (customer_id, tag)
);
CREATE INDEX customer_tags_tag ON customer_tags (tag, customer_id);

-- The billing address (at most one per customer) and work addresses / sites, each with an optional
-- occupier (one of the customer's contacts) and notes. customers.address / zip mirror the billing
-- address for lists and search.
CREATE TABLE customer_addresses (
    id                  INTEGER PRIMARY KEY,
    customer_id         INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN ('billing', 'work')),
    label               TEXT NOT NULL DEFAULT '',
    line1               TEXT NOT NULL DEFAULT '',
    line2               TEXT NOT NULL DEFAULT '',
    city                TEXT NOT NULL DEFAULT '',
    state               TEXT NOT NULL DEFAULT '',
    zip                 TEXT NOT NULL DEFAULT '',
    occupier_contact_id INTEGER REFERENCES customer_contacts (id) ON DELETE SET NULL,
    notes               TEXT NOT NULL DEFAULT '',
    version             INTEGER NOT NULL DEFAULT 1,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX customer_addresses_customer ON customer_addresses (customer_id, kind);
CREATE UNIQUE INDEX customer_addresses_one_billing ON customer_addresses (customer_id) WHERE kind = 'billing';
CREATE INDEX customer_addresses_occupier ON customer_addresses (occupier_contact_id) WHERE occupier_contact_id IS NOT NULL;

-- Customers converted before this migration kept their lead's address on the row: it becomes their
-- billing address, so the record shows one place for it.
INSERT INTO customer_addresses (customer_id, kind, line1, zip, created_at, updated_at)
    SELECT id, 'billing', address, zip, created_at, updated_at FROM customers WHERE address != '' OR zip != '';

-- Notes on the record (seed 003 notepad; seed 004 pinned "Important" notes).
CREATE TABLE customer_notes (
    id             INTEGER PRIMARY KEY,
    customer_id    INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    body           TEXT NOT NULL,
    pinned         INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    author_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    author_label   TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE INDEX customer_notes_customer ON customer_notes (customer_id, pinned, id);

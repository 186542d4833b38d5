-- Migration number: 0005 	 2026-11-22T20:00:00.000Z
-- Customers and their contacts: what a lead becomes when it converts (seed 000 "Leads vs Clients",
-- seed 002 "Converting"). The Clients capability grows these tables; the columns it will filter
-- and search on are here from the start.

CREATE TABLE customers (
    id                   INTEGER PRIMARY KEY,
    display_id           TEXT NOT NULL UNIQUE,
    office_id            INTEGER NOT NULL REFERENCES offices (id),
    name                 TEXT NOT NULL,
    kind                 TEXT NOT NULL DEFAULT 'private' CHECK (kind IN ('private', 'company')),
    company              TEXT NOT NULL DEFAULT '',
    status               TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'dormant')),
    source               TEXT NOT NULL DEFAULT '',  -- "how did you hear": a lead source key, or '' when unknown
    phone                TEXT,                      -- the primary contact's, E.164, kept here for lists and search
    phone_last10         TEXT,
    email                TEXT NOT NULL DEFAULT '',
    address              TEXT NOT NULL DEFAULT '',
    zip                  TEXT NOT NULL DEFAULT '',
    created_from_lead_id INTEGER REFERENCES leads (id) ON DELETE SET NULL,
    archived_at          TEXT,
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE INDEX customers_office_created ON customers (office_id, created_at);
CREATE INDEX customers_phone_last10 ON customers (phone_last10) WHERE phone_last10 IS NOT NULL;
CREATE INDEX customers_email ON customers (email);
CREATE INDEX customers_from_lead ON customers (created_from_lead_id) WHERE created_from_lead_id IS NOT NULL;

-- People at a customer. Exactly one primary per customer: the partial unique index refuses a second,
-- and the verbs that create a customer create its primary contact in the same batch.
CREATE TABLE customer_contacts (
    id               INTEGER PRIMARY KEY,
    customer_id      INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    name             TEXT NOT NULL DEFAULT '',
    position         TEXT NOT NULL DEFAULT '',
    phone            TEXT,
    phone_raw        TEXT NOT NULL DEFAULT '',
    phone_last10     TEXT,
    email            TEXT NOT NULL DEFAULT '',
    is_primary       INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    sms_opt_in       INTEGER NOT NULL DEFAULT 1 CHECK (sms_opt_in IN (0, 1)),
    email_opt_in     INTEGER NOT NULL DEFAULT 1 CHECK (email_opt_in IN (0, 1)),
    marketing_opt_in INTEGER NOT NULL DEFAULT 0 CHECK (marketing_opt_in IN (0, 1)),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE INDEX customer_contacts_customer ON customer_contacts (customer_id);
CREATE UNIQUE INDEX customer_contacts_one_primary ON customer_contacts (customer_id) WHERE is_primary = 1;
CREATE INDEX customer_contacts_phone_last10 ON customer_contacts (phone_last10) WHERE phone_last10 IS NOT NULL;
CREATE INDEX customer_contacts_email ON customer_contacts (email);

-- A customer's lifecycle leads (leads.customer_id, set by converting).
CREATE INDEX leads_customer ON leads (customer_id) WHERE customer_id IS NOT NULL;

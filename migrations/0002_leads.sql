-- Migration number: 0002 	 2026-11-22T18:30:00.000Z
-- Leads and their intake: sources, tracking-source routing, idempotency keys, raw payloads, quarantine.

CREATE TABLE lead_sources (
    id                INTEGER PRIMARY KEY,
    key               TEXT NOT NULL UNIQUE,
    label             TEXT NOT NULL,
    default_office_id INTEGER REFERENCES offices (id) ON DELETE SET NULL,
    color             TEXT NOT NULL DEFAULT '#64748b',
    active            INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    position          INTEGER NOT NULL DEFAULT 0,
    snooze_sequence   TEXT NOT NULL DEFAULT 'standard',
    webhook_token     TEXT NOT NULL UNIQUE,
    created_at        TEXT NOT NULL
);

-- The built-in sources of seed 002, each with its own random webhook token.
INSERT INTO lead_sources (key, label, color, position, snooze_sequence, webhook_token, created_at) VALUES
    ('facebook', 'Facebook Ads', '#1877f2', 1, 'standard', lower(hex(randomblob(24))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('google', 'Google Ads', '#34a853', 2, 'standard', lower(hex(randomblob(24))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('lsa', 'Local Services Ads', '#fbbc04', 3, 'standard', lower(hex(randomblob(24))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('yelp', 'Yelp', '#d32323', 4, 'aggressive', lower(hex(randomblob(24))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('angi', 'Angi', '#ff6153', 5, 'aggressive', lower(hex(randomblob(24))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('thumbtack', 'Thumbtack', '#009fd9', 6, 'aggressive', lower(hex(randomblob(24))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('website', 'Website', '#0f766e', 7, 'standard', lower(hex(randomblob(24))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('manual', 'Manual', '#64748b', 8, 'standard', lower(hex(randomblob(24))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('nextdoor', 'Nextdoor', '#8ed500', 9, 'standard', lower(hex(randomblob(24))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('bookback', 'BookBack AI', '#06b6d4', 10, 'bookback', lower(hex(randomblob(24))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('online_booking', 'Online Booking', '#7c3aed', 11, 'standard', lower(hex(randomblob(24))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- Tracking-source labels (BookBack's bb_source, CTM's tracking source) routed to an office.
CREATE TABLE tracking_sources (
    label     TEXT PRIMARY KEY COLLATE NOCASE,
    office_id INTEGER NOT NULL REFERENCES offices (id) ON DELETE CASCADE
) WITHOUT ROWID;

CREATE TABLE leads (
    id                INTEGER PRIMARY KEY,
    display_id        TEXT NOT NULL UNIQUE,
    intake_ref        TEXT UNIQUE,  -- a per-delivery handle so later statements in the same batch can find the row
    office_id         INTEGER NOT NULL REFERENCES offices (id),
    source_key        TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'fresh' CHECK (status IN
                        ('fresh', 'not_yet_scheduled', 'needs_follow_up', 'consultation_call', 'converted', 'irrelevant')),
    name              TEXT NOT NULL DEFAULT '',
    phone             TEXT,
    phone_raw         TEXT NOT NULL DEFAULT '',
    phone_last10      TEXT,
    phone_flagged     INTEGER NOT NULL DEFAULT 0 CHECK (phone_flagged IN (0, 1)),
    email             TEXT NOT NULL DEFAULT '',
    zip               TEXT NOT NULL DEFAULT '',
    address           TEXT NOT NULL DEFAULT '',
    service           TEXT NOT NULL DEFAULT '',
    how_soon          TEXT NOT NULL DEFAULT '',
    notes             TEXT NOT NULL DEFAULT '',
    campaign          TEXT NOT NULL DEFAULT '',
    ad_name           TEXT NOT NULL DEFAULT '',
    partner_name      TEXT,
    tracking_source   TEXT NOT NULL DEFAULT '',
    external_id       TEXT,
    fee_cents         INTEGER,
    received_at       TEXT NOT NULL,
    next_contact_at   TEXT,
    claimed_by        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    claimed_at        TEXT,
    call_count        INTEGER NOT NULL DEFAULT 0,
    first_response_at TEXT,
    next_action       TEXT CHECK (next_action IN ('reply', 'follow_up', 'review_request')),
    assigned_user_id  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    irrelevant_reason TEXT,
    reactivated       INTEGER NOT NULL DEFAULT 0 CHECK (reactivated IN (0, 1)),
    transferred       INTEGER NOT NULL DEFAULT 0 CHECK (transferred IN (0, 1)),
    archived_at       TEXT,
    customer_id       INTEGER,
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX leads_created ON leads (created_at);
CREATE INDEX leads_office_created ON leads (office_id, created_at);
CREATE INDEX leads_source_created ON leads (source_key, created_at);
CREATE INDEX leads_phone_last10 ON leads (phone_last10);

-- Every key an intake may repeat: (source, external lead id) and (source, Idempotency-Key). A repeat
-- finds its row here and answers with the original lead, whatever order or concurrency it arrives in.
CREATE TABLE intake_keys (
    source_key TEXT NOT NULL,
    key        TEXT NOT NULL,
    lead_id    INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (source_key, key)
) WITHOUT ROWID;

-- What the sender actually sent, kept beside the lead it became.
CREATE TABLE lead_payloads (
    id           INTEGER PRIMARY KEY,
    lead_id      INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    received_at  TEXT NOT NULL,
    source_key   TEXT NOT NULL,
    channel      TEXT NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL
);
CREATE INDEX lead_payloads_lead ON lead_payloads (lead_id);

-- Authenticated deliveries we could not turn into a lead: kept, shown to the owner, never lost.
CREATE TABLE intake_quarantine (
    id           INTEGER PRIMARY KEY,
    received_at  TEXT NOT NULL,
    source_key   TEXT NOT NULL,
    channel      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL,
    resolved_at  TEXT
);

-- Migration number: 0012 	 2026-11-23T12:00:00.000Z
-- QuickBooks Online: the connection (tokens sealed with vault.py), OAuth states, import runs and
-- their per-entity cursors, the imported objects themselves, and ids that webhooks reported.
-- docs/quickbooks.md explains how import and sync use these tables.

-- The one QuickBooks company Porchlight talks to (id is always 1). Tokens are AES-256-GCM sealed
-- (vault.py) with the associated data "quickbooks:{realm_id}:access|refresh", so a ciphertext moved to
-- another realm refuses to open. `token_version` rises with every token write: a refresh is a
-- compare-and-set on it, and the refresh lease makes one caller refresh while the others wait.
CREATE TABLE quickbooks_connection (
    id                  INTEGER PRIMARY KEY CHECK (id = 1),
    realm_id            TEXT NOT NULL,
    environment         TEXT NOT NULL CHECK (environment IN ('sandbox', 'production')),
    company_name        TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL CHECK (status IN ('connected', 'broken', 'disconnected')),
    access_sealed       TEXT,
    refresh_sealed      TEXT,
    key_id              TEXT,
    access_expires_at   TEXT,
    refresh_expires_at  TEXT,
    token_version       INTEGER NOT NULL DEFAULT 0,
    refresh_holder      TEXT,
    refresh_lease_until TEXT,
    last_refresh_at     TEXT,
    connected_at        TEXT NOT NULL,
    connected_by        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- Sync: the change-data-capture watermark (UTC), set when an import completes; NULL = no sync yet.
    sync_watermark      TEXT,
    last_sync_at        TEXT,
    -- A LastUpdatedTime re-query in progress (watermark too old for CDC, or CDC hit its 1000 cap):
    -- the time it reads from, the entity and position it has reached, and the watermark it will set.
    resync_since        TEXT,
    resync_entity       TEXT,
    resync_position     INTEGER,
    resync_until        TEXT,
    -- After a 429, nothing calls QuickBooks before this time.
    backoff_until       TEXT,
    last_error          TEXT,
    last_error_at       TEXT,
    updated_at          TEXT NOT NULL
);

-- OAuth `state` values: only their SHA-256, bound to the session that asked, used once, short-lived.
CREATE TABLE quickbooks_oauth_states (
    state_hash  TEXT PRIMARY KEY,
    session_id  INTEGER NOT NULL,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

-- One-time import runs. The latest one is what the maintenance page shows.
CREATE TABLE quickbooks_import_runs (
    id            INTEGER PRIMARY KEY,
    realm_id      TEXT NOT NULL,
    environment   TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('running', 'failed', 'completed', 'cancelled')),
    started_at    TEXT NOT NULL,
    started_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    finished_at   TEXT,
    -- Consecutive failed pages; at the limit the run is marked failed (starting it again resumes).
    attempts      INTEGER NOT NULL DEFAULT 0,
    error_count   INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    last_error_at TEXT,
    updated_at    TEXT NOT NULL
);
CREATE INDEX quickbooks_import_runs_status ON quickbooks_import_runs (status, id);
-- At most one run imports at a time: two owners pressing Start at once get one run.
CREATE UNIQUE INDEX quickbooks_import_runs_one_running ON quickbooks_import_runs (status) WHERE status = 'running';

-- Per-entity cursor of a run: the next STARTPOSITION, rows imported so far, the COUNT(*) QuickBooks
-- reported (for the progress bar), and when the entity finished. The cursor moves in the same batch
-- as the page's upserts, guarded by its old value, so a page is counted exactly once.
CREATE TABLE quickbooks_import_steps (
    run_id        INTEGER NOT NULL REFERENCES quickbooks_import_runs (id) ON DELETE CASCADE,
    entity        TEXT NOT NULL,
    ord           INTEGER NOT NULL,
    next_position INTEGER NOT NULL DEFAULT 1,
    imported      INTEGER NOT NULL DEFAULT 0,
    total         INTEGER,
    done_at       TEXT,
    PRIMARY KEY (run_id, entity)
);

-- Every imported QuickBooks object, one row per (realm, entity, QuickBooks id): the raw JSON as
-- QuickBooks sent it, plus the columns billing, metrics and customer matching read, so nobody has to
-- parse `raw` again. Money is integer cents. Dates are QuickBooks' own `YYYY-MM-DD`; times are UTC.
--   entity: Customer, Account, Estimate, Invoice, Payment, SalesReceipt, CreditMemo, RefundReceipt
--   name: Customer DisplayName, Account Name, or the CustomerRef name on a transaction
--   status: Estimate TxnStatus (Pending/Accepted/Rejected/Closed/…); NULL elsewhere
--   active: Customer/Account Active (1/0); NULL for transactions
--   total_cents: TotalAmt (Account: CurrentBalance); balance_cents: Balance (open A/R, Invoice and
--     Customer); tax_cents: TxnTaxDetail.TotalTax; unapplied_cents: Payment UnappliedAmt
--   linked_txns: header-level LinkedTxn as JSON [{"TxnId","TxnType"}]
--   deleted_at: set when QuickBooks reports the object deleted (CDC stub or webhook); the row stays
--     as a tombstone so a late, older update cannot bring it back. Readers filter deleted_at IS NULL.
CREATE TABLE quickbooks_objects (
    id                INTEGER PRIMARY KEY,
    realm_id          TEXT NOT NULL,
    entity            TEXT NOT NULL,
    qbo_id            TEXT NOT NULL,
    sync_token        TEXT NOT NULL DEFAULT '0',
    doc_number        TEXT,
    txn_date          TEXT,
    due_date          TEXT,
    expiration_date   TEXT,
    status            TEXT,
    active            INTEGER,
    customer_qbo_id   TEXT,
    name              TEXT,
    company           TEXT,
    email             TEXT,
    phone_last10      TEXT,
    total_cents       INTEGER,
    balance_cents     INTEGER,
    tax_cents         INTEGER,
    unapplied_cents   INTEGER,
    account_type      TEXT,
    account_subtype   TEXT,
    linked_txns       TEXT NOT NULL DEFAULT '[]',
    qbo_updated_at    TEXT,
    deleted_at        TEXT,
    raw               TEXT NOT NULL,
    first_seen_at     TEXT NOT NULL,
    synced_at         TEXT NOT NULL,
    UNIQUE (realm_id, entity, qbo_id)
);
CREATE INDEX quickbooks_objects_txn_date ON quickbooks_objects (realm_id, entity, txn_date)
    WHERE deleted_at IS NULL;
CREATE INDEX quickbooks_objects_customer ON quickbooks_objects (realm_id, customer_qbo_id, entity)
    WHERE deleted_at IS NULL AND customer_qbo_id IS NOT NULL;
CREATE INDEX quickbooks_objects_email ON quickbooks_objects (realm_id, email)
    WHERE entity = 'Customer' AND email IS NOT NULL;
CREATE INDEX quickbooks_objects_phone ON quickbooks_objects (realm_id, phone_last10)
    WHERE entity = 'Customer' AND phone_last10 IS NOT NULL;

-- Ids a webhook said changed, waiting for the next sync tick to fetch them. One row per object: a
-- second event for the same id only moves `received_at` and `event_time` (QuickBooks' lastUpdated).
CREATE TABLE quickbooks_changes (
    realm_id     TEXT NOT NULL,
    entity       TEXT NOT NULL,
    qbo_id       TEXT NOT NULL,
    operation    TEXT NOT NULL,
    event_time   TEXT,
    received_at  TEXT NOT NULL,
    PRIMARY KEY (realm_id, entity, qbo_id)
);

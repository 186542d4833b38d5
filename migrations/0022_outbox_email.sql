-- Migration number: 0022 	 2026-12-06T10:00:00.000Z
-- The outbox (issue 21, X-11): one table and one delivery loop for everything that leaves —
-- email, SMS, outbound webhooks, QuickBooks write-backs. src/core/outbox.py owns it.
--   id:      our message id, also the idempotency key sent to the provider
--   status:  pending → sending (claimed, leased) → delivered | pending (retry) | failed | dead
--   next_attempt_at: when it is due; while sending, when the lease runs out (so one index finds both)
--   payload: the kind's JSON (never a secret: credentials are read at delivery)
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    office_id       INTEGER REFERENCES offices (id) ON DELETE SET NULL,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'delivered', 'failed', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_until     TEXT,
    lease_owner     TEXT,
    last_error      TEXT,
    provider_ref    TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    finished_at     TEXT
);
-- The drain's claim: due rows, oldest due first (delivered/failed/dead rows are not in it).
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status IN ('pending', 'sending');
-- Maintenance → Outbox: by status and kind, newest first.
CREATE INDEX outbox_listing ON outbox (status, kind, created_at);
CREATE INDEX outbox_created ON outbox (created_at);

-- Every delivery attempt: when, what came of it, the provider's error, how long it took.
CREATE TABLE outbox_attempts (
    id           INTEGER PRIMARY KEY,
    outbox_id    TEXT NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
    attempt      INTEGER NOT NULL,
    at           TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('delivered', 'retry', 'failed', 'dead')),
    error        TEXT,
    latency_ms   INTEGER NOT NULL DEFAULT 0,
    provider_ref TEXT
);
CREATE INDEX outbox_attempts_message ON outbox_attempts (outbox_id, id);

-- QuickBooks write-backs move into the outbox (kind 'quickbooks'); the row's request id stays its
-- id, so a send repeated after the move is still replayed by QuickBooks, never applied twice.
INSERT INTO outbox (id, kind, office_id, payload, status, attempts, next_attempt_at, last_error, created_at,
                    updated_at, finished_at)
SELECT request_id, 'quickbooks', NULL,
       json_object('realm_id', realm_id, 'entity', entity, 'qbo_id', qbo_id, 'change', json(change),
                   'created_by', created_by),
       CASE status WHEN 'pending' THEN 'pending' ELSE 'failed' END,
       CASE status WHEN 'pending' THEN 0 ELSE attempts END,
       updated_at, last_error, created_at, updated_at, finished_at
FROM quickbooks_outbox WHERE status IN ('pending', 'failed');
DROP TABLE quickbooks_outbox;

-- Email sender identities (EML-1…EML-9, FIN-10): one per office, and one for Finance (the weekly
-- summaries' sender). The app password is sealed with the vault (core/vault.py), bound to the row's
-- kind and office; it is never sent back to a browser. src/messaging/identities.py owns it.
CREATE TABLE email_identities (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('office', 'finance')),
    office_id       INTEGER REFERENCES offices (id) ON DELETE CASCADE,
    from_email      TEXT NOT NULL DEFAULT '',
    from_name       TEXT NOT NULL DEFAULT '',
    smtp_host       TEXT NOT NULL DEFAULT '',
    smtp_port       INTEGER NOT NULL DEFAULT 587 CHECK (smtp_port IN (587, 465)),
    password_sealed TEXT,
    password_key_id TEXT,
    version         INTEGER NOT NULL DEFAULT 1,
    last_test_at    TEXT,
    last_test_ok    INTEGER,
    last_test_said  TEXT,
    updated_at      TEXT NOT NULL,
    updated_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    CHECK ((kind = 'office') = (office_id IS NOT NULL))
);
CREATE UNIQUE INDEX email_identities_office ON email_identities (office_id) WHERE kind = 'office';
CREATE UNIQUE INDEX email_identities_finance ON email_identities (kind) WHERE kind = 'finance';

-- The development providers' capture (Maintenance → Development mailbox, never in production): what
-- would have been sent, keyed by the outbox id so a redelivery is captured once. core/devmail.py.
CREATE TABLE dev_mailbox (
    id          INTEGER PRIMARY KEY,
    message_id  TEXT NOT NULL UNIQUE,
    channel     TEXT NOT NULL DEFAULT 'email',
    office_id   INTEGER,
    sender      TEXT NOT NULL DEFAULT '',
    recipient   TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '',
    headers     TEXT NOT NULL DEFAULT '{}',
    created_at  TEXT NOT NULL
);
CREATE INDEX dev_mailbox_newest ON dev_mailbox (created_at);

-- Migration number: 0023 	 2026-12-06T09:50:00.000Z
-- Two-way SMS (issue 21; BEHAVIOUR.md §B: NUM-, SMS-, STOP-, LRS-).
--
-- sms_lines: our numbers, synced from the provider and upserted by number (NUM-1). A line belongs to
--   an office (or none: owner only, SMS-11); `no_reply` lines never send (NUM-4); toll-free lines are
--   known by their area code at send time (NUM-3), not stored.
-- sms_office_senders: the one line each office sends from (NUM-2).
-- sms_threads: one per (our line, their number's last 10 digits) (SMS-1). `unread` is the count of
--   unresolved inbound messages (SMS-2, SMS-6), kept in the same batch as every message change;
--   `office_id` mirrors the line's office so the list reads one index.
-- sms_messages: both directions. `provider_ref` is the provider's message id: unique, so a replayed
--   inbound delivery or status callback finds its row and adds nothing (SMS-12). `uid` is our id,
--   carried in the outbox row.
-- sms_change_stamps: one counter per office (0 = lines without an office), bumped by every batch
--   that changes a thread, and the office's count of unresolved inbound messages beside it:
--   `/api/last-change` sums the caller's offices' rows in one read of a table this small (SMS-8, SMS-9).
-- sms_consent_ledger: append-only opt-out / opt-in / help rows, kept at least four years (STOP-8).
-- sms_suppressions: the current state derived from the ledger, keyed by E.164 across the workspace.
-- sms_templates: quick replies (NUM-5).

CREATE TABLE sms_lines (
    id           INTEGER PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,
    label        TEXT NOT NULL DEFAULT '',
    provider     TEXT NOT NULL,
    provider_ref TEXT NOT NULL DEFAULT '',
    office_id    INTEGER REFERENCES offices (id),
    no_reply     INTEGER NOT NULL DEFAULT 0 CHECK (no_reply IN (0, 1)),
    version      INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE sms_office_senders (
    office_id  INTEGER PRIMARY KEY REFERENCES offices (id),
    line_id    INTEGER NOT NULL REFERENCES sms_lines (id),
    updated_at TEXT NOT NULL
);

CREATE TABLE sms_threads (
    id             INTEGER PRIMARY KEY,
    line_id        INTEGER NOT NULL REFERENCES sms_lines (id),
    their_number   TEXT NOT NULL,
    their_last10   TEXT NOT NULL,
    office_id      INTEGER,
    unread         INTEGER NOT NULL DEFAULT 0,
    last_at        TEXT NOT NULL,
    last_body      TEXT NOT NULL DEFAULT '',
    last_direction TEXT NOT NULL DEFAULT 'in' CHECK (last_direction IN ('in', 'out')),
    created_at     TEXT NOT NULL,
    UNIQUE (line_id, their_last10)
);
CREATE INDEX sms_threads_recent ON sms_threads (last_at DESC, id DESC);
CREATE INDEX sms_threads_office ON sms_threads (office_id, last_at DESC, id DESC);
CREATE INDEX sms_threads_last10 ON sms_threads (their_last10);

CREATE TABLE sms_messages (
    id           INTEGER PRIMARY KEY,
    uid          TEXT NOT NULL UNIQUE,
    thread_id    INTEGER NOT NULL REFERENCES sms_threads (id),
    direction    TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    body         TEXT NOT NULL,
    media        TEXT NOT NULL DEFAULT '[]',
    status       TEXT NOT NULL CHECK (status IN ('received', 'queued', 'sent', 'delivered', 'failed')),
    error        TEXT NOT NULL DEFAULT '',
    origin       TEXT NOT NULL DEFAULT 'manual'
                 CHECK (origin IN ('inbound', 'manual', 'automation', 'confirmation', 'help')),
    provider_ref TEXT UNIQUE,
    resolved     INTEGER NOT NULL DEFAULT 0 CHECK (resolved IN (0, 1)),
    sent_by      INTEGER REFERENCES users (id),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX sms_messages_thread ON sms_messages (thread_id, id);
CREATE INDEX sms_messages_unresolved ON sms_messages (thread_id) WHERE direction = 'in' AND resolved = 0;

CREATE TABLE sms_change_stamps (
    office_id INTEGER PRIMARY KEY,
    stamp     INTEGER NOT NULL DEFAULT 0,
    unread    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sms_consent_ledger (
    id         INTEGER PRIMARY KEY,
    phone      TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('opt_out', 'opt_in', 'help')),
    keyword    TEXT NOT NULL,
    message_id INTEGER REFERENCES sms_messages (id),
    line_id    INTEGER REFERENCES sms_lines (id),
    office_id  INTEGER,
    created_at TEXT NOT NULL
);
CREATE INDEX sms_consent_ledger_phone ON sms_consent_ledger (phone, id);
-- Append-only: the ledger is evidence (STOP-8).
CREATE TRIGGER sms_consent_ledger_no_update BEFORE UPDATE ON sms_consent_ledger BEGIN
    SELECT RAISE(ABORT, 'sms_consent_ledger is append-only');
END;
CREATE TRIGGER sms_consent_ledger_no_delete BEFORE DELETE ON sms_consent_ledger BEGIN
    SELECT RAISE(ABORT, 'sms_consent_ledger is append-only');
END;

CREATE TABLE sms_suppressions (
    phone     TEXT PRIMARY KEY,
    keyword   TEXT NOT NULL,
    ledger_id INTEGER NOT NULL REFERENCES sms_consent_ledger (id),
    since     TEXT NOT NULL
);

CREATE TABLE sms_templates (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Replies from a lead (LRS-1…LRS-4): the emails a person sent from a lead's or customer's record,
-- beside their outbox row (whose status is the delivery state), so the record's history shows both
-- channels. SMS history is read from sms_messages by the number.
CREATE TABLE lead_emails (
    id          INTEGER PRIMARY KEY,
    outbox_id   TEXT NOT NULL UNIQUE,
    lead_id     INTEGER REFERENCES leads (id),
    customer_id INTEGER REFERENCES customers (id),
    office_id   INTEGER,
    to_address  TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    sent_by     INTEGER REFERENCES users (id),
    created_at  TEXT NOT NULL
);
CREATE INDEX lead_emails_lead ON lead_emails (lead_id, id);
CREATE INDEX lead_emails_address ON lead_emails (to_address COLLATE NOCASE, id);

-- Migration number: 0028 	 2026-12-06T10:30:00.000Z
-- Jobs and dispatch (issue 20; BEHAVIOUR.md A.1–A.13, A.18). Written only by src/jobs/ (the record
-- and its verbs). Money is integer cents (*_cents), percentages basis points (*_bp, 30 % = 3000).
--
-- Times (X-15): a job keeps the seed's local wall-clock fields (date_start, time_start, date_end,
-- time_end as 'YYYY-MM-DD' / 'HH:MM') in its own `time_zone` (its ZIP's zone, else its office's),
-- plus UTC instants derived from them in the same write, so sorting, attention and the cron compare
-- plain ISO strings:
--   start_at / end_at          the window's start and end
--   advance_at                 (date_start − 1 day) at 19:00 local: Auto Status Change's threshold (ASC-3)
--   completion_due_at          the midnight that ends the Deposit expected-completion date (ATT-2)
--   follow_up_at               Pending's follow-up date + time (ATT-3)
-- Attention flags are never stored (ATT-1): they are read from these instants.

-- Job numbers are never reused (JOB-1), even after a hard delete: a one-row counter issues them.
CREATE TABLE job_counter (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    last INTEGER NOT NULL
);
INSERT INTO job_counter (id, last) VALUES (1, 3541);

CREATE TABLE jobs (
    id                        INTEGER PRIMARY KEY,          -- the serial number: JOB-3542 has id 3542 (JOB-4)
    display_id                TEXT NOT NULL UNIQUE,
    uuid                      TEXT NOT NULL UNIQUE,
    office_id                 INTEGER NOT NULL REFERENCES offices (id),   -- frozen at creation (JOB-2)
    lead_id                   INTEGER REFERENCES leads (id) ON DELETE SET NULL,
    customer_id               INTEGER REFERENCES customers (id) ON DELETE SET NULL,
    company                   TEXT NOT NULL DEFAULT '',
    -- the client (JOB-3, JOB-8)
    first_name                TEXT NOT NULL,
    last_name                 TEXT NOT NULL DEFAULT '',
    phone                     TEXT NOT NULL,                 -- E.164
    phone_last10              TEXT NOT NULL,
    email                     TEXT NOT NULL DEFAULT '',
    -- the address (JOB-10); address_key is the normalized one the duplicate check compares (JOB-18)
    address                   TEXT NOT NULL DEFAULT '',
    unit                      TEXT NOT NULL DEFAULT '',
    city                      TEXT NOT NULL DEFAULT '',
    state                     TEXT NOT NULL DEFAULT '',
    postal_code               TEXT NOT NULL DEFAULT '',
    country                   TEXT NOT NULL DEFAULT 'US',
    lat                       REAL CHECK (lat BETWEEN -90 AND 90),
    lng                       REAL CHECK (lng BETWEEN -180 AND 180),
    address_key               TEXT NOT NULL DEFAULT '',
    -- service area, type, partner: the id plus the label as it was (JOB-11, JS-6)
    area_id                   INTEGER REFERENCES service_areas (id) ON DELETE SET NULL,
    area_label                TEXT NOT NULL DEFAULT '',
    area_code                 TEXT NOT NULL DEFAULT '',
    area_office_address       TEXT NOT NULL DEFAULT '',
    job_type_id               INTEGER REFERENCES job_types (id),
    job_type_label            TEXT NOT NULL,
    partner_id                INTEGER REFERENCES job_partners (id),
    partner_label             TEXT NOT NULL,
    -- the contractor and its profit-share snapshot (FC-4, FC-5)
    contractor_id             INTEGER REFERENCES contractors (id) ON DELETE SET NULL,
    contractor_name           TEXT NOT NULL DEFAULT '',
    profit_share_bp           INTEGER CHECK (profit_share_bp BETWEEN 0 AND 10000),
    -- the schedule (X-15, JOB-14)
    time_zone                 TEXT NOT NULL,
    date_start                TEXT NOT NULL,
    time_start                TEXT NOT NULL,
    date_end                  TEXT NOT NULL,
    time_end                  TEXT NOT NULL,
    start_at                  TEXT NOT NULL,
    end_at                    TEXT NOT NULL,
    advance_at                TEXT NOT NULL,
    -- status and what each status requires (JOB-19…JOB-27)
    status                    TEXT NOT NULL DEFAULT 'submitted'
                              CHECK (status IN ('submitted', 'in_progress', 'deposit', 'pending', 'done', 'cancelled')),
    status_changed_at         TEXT NOT NULL,
    notes                     TEXT NOT NULL DEFAULT '',
    deposit_cents             INTEGER CHECK (deposit_cents >= 0),
    expected_completion_date  TEXT,
    completion_due_at         TEXT,
    follow_up_date            TEXT,
    follow_up_time            TEXT,
    follow_up_at              TEXT,
    cancel_reason             TEXT NOT NULL DEFAULT '',
    -- K-confirmation (KC-) and rebooking (RB-)
    k_confirmed               INTEGER NOT NULL DEFAULT 0 CHECK (k_confirmed IN (0, 1)),
    k_confirmed_at            TEXT,
    k_confirmed_by            INTEGER REFERENCES users (id) ON DELETE SET NULL,
    rebooked_at               TEXT,
    rebooked_by               INTEGER REFERENCES users (id) ON DELETE SET NULL,
    rebook_count              INTEGER NOT NULL DEFAULT 0,
    -- Finance (FIN-1…FIN-11): written by the finance verbs. profit_bp is Finance's Profit %, which
    -- starts as the profit-share snapshot and may be edited there; payout is derived, never stored.
    closing_cents             INTEGER CHECK (closing_cents >= 0),
    parts_cents               INTEGER CHECK (parts_cents >= 0),
    profit_bp                 INTEGER CHECK (profit_bp BETWEEN 0 AND 10000),
    contractor_paid_at        TEXT,
    contractor_paid_by        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    contractor_paid_by_label  TEXT,
    partner_paid_at           TEXT,
    partner_paid_by           INTEGER REFERENCES users (id) ON DELETE SET NULL,
    partner_paid_by_label     TEXT,
    partner_paid_auto         INTEGER NOT NULL DEFAULT 0 CHECK (partner_paid_auto IN (0, 1)),
    finance_cancelled_at      TEXT,
    finance_cancelled_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    finance_cancelled_by_label TEXT,
    finance_cancel_reason     TEXT NOT NULL DEFAULT '',
    finance_cancel_note       TEXT NOT NULL DEFAULT '',
    -- Workiz import (IMP-): the Workiz job number a row came from, for idempotent re-imports
    workiz_number             TEXT,
    -- archive (ARC-); a hard delete removes the row (its events stay, by display id)
    archived_at               TEXT,
    archived_by               INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_by                INTEGER REFERENCES users (id) ON DELETE SET NULL,
    version                   INTEGER NOT NULL DEFAULT 1,
    created_at                TEXT NOT NULL,
    updated_at                TEXT NOT NULL
);

-- The board (BRD-4/5): a window of local dates per office in board order (date, then time), archived
-- rows skipped by a seek; the page's ids come from the index alone.
CREATE INDEX jobs_board ON jobs (office_id, archived_at, date_start, time_start);
-- Attention (ATT-2…ATT-5) and Auto Status Change (ASC-3): a status, then its instant.
CREATE INDEX jobs_due_completion ON jobs (status, archived_at, completion_due_at, office_id) WHERE status = 'deposit';
CREATE INDEX jobs_due_follow_up ON jobs (status, archived_at, follow_up_at, office_id) WHERE status = 'pending';
CREATE INDEX jobs_due_end ON jobs (status, archived_at, end_at, office_id) WHERE status = 'in_progress';
CREATE INDEX jobs_advance ON jobs (status, archived_at, advance_at, office_id) WHERE status = 'submitted';
CREATE INDEX jobs_unassigned ON jobs (archived_at, office_id, status) WHERE contractor_id IS NULL;
CREATE INDEX jobs_rebooked ON jobs (office_id, archived_at, rebooked_at) WHERE rebooked_at IS NOT NULL;
-- The links: a lead's jobs (JT-3), a customer's jobs, a contractor's jobs, the duplicate-address check.
CREATE INDEX jobs_lead ON jobs (lead_id) WHERE lead_id IS NOT NULL;
CREATE INDEX jobs_customer ON jobs (customer_id, start_at) WHERE customer_id IS NOT NULL;
CREATE INDEX jobs_contractor ON jobs (contractor_id, start_at) WHERE contractor_id IS NOT NULL;
CREATE INDEX jobs_address ON jobs (office_id, address_key) WHERE address_key <> '';
-- The board's live refresh: the newest change per office, one index probe each.
CREATE INDEX jobs_office_updated ON jobs (office_id, updated_at);
CREATE UNIQUE INDEX jobs_workiz ON jobs (office_id, workiz_number) WHERE workiz_number IS NOT NULL;

-- Tags (JS-4) on a job.
CREATE TABLE job_tag_links (
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    tag_id INTEGER NOT NULL REFERENCES job_tags (id) ON DELETE CASCADE,
    PRIMARY KEY (job_id, tag_id)
) WITHOUT ROWID;

-- Events: every create / status change / assignment / rebook / finance-cancel writes one here in the
-- same batch as the change (type, job, payload). Webhooks and automations deliver them later and mark
-- `delivered_at`; until then they are only stored. No foreign key: an event outlives a hard delete.
CREATE TABLE job_events (
    id           INTEGER PRIMARY KEY,
    type         TEXT NOT NULL,
    job_id       INTEGER NOT NULL,
    display_id   TEXT NOT NULL,
    office_id    INTEGER,
    payload      TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX job_events_job ON job_events (job_id, id);
CREATE INDEX job_events_pending ON job_events (id) WHERE delivered_at IS NULL;

-- Search (BRD-2): substring match on client name, phone digits, address, job number and contractor
-- through FTS5's trigram tokenizer, contentless like lead_terms (0007); triggers keep it in step.
CREATE VIRTUAL TABLE job_terms USING fts5(terms, content = '', tokenize = 'trigram');

CREATE TRIGGER jobs_terms_insert AFTER INSERT ON jobs BEGIN
    INSERT INTO job_terms (rowid, terms) VALUES (new.id,
        new.display_id || char(10) || new.first_name || ' ' || new.last_name || char(10) || new.phone_last10
        || char(10) || new.address || ' ' || new.city || ' ' || new.postal_code || char(10) || new.contractor_name);
END;

CREATE TRIGGER jobs_terms_update
AFTER UPDATE OF first_name, last_name, phone_last10, address, city, postal_code, contractor_name ON jobs BEGIN
    INSERT INTO job_terms (job_terms, rowid, terms) VALUES ('delete', old.id,
        old.display_id || char(10) || old.first_name || ' ' || old.last_name || char(10) || old.phone_last10
        || char(10) || old.address || ' ' || old.city || ' ' || old.postal_code || char(10) || old.contractor_name);
    INSERT INTO job_terms (rowid, terms) VALUES (new.id,
        new.display_id || char(10) || new.first_name || ' ' || new.last_name || char(10) || new.phone_last10
        || char(10) || new.address || ' ' || new.city || ' ' || new.postal_code || char(10) || new.contractor_name);
END;

CREATE TRIGGER jobs_terms_delete AFTER DELETE ON jobs BEGIN
    INSERT INTO job_terms (job_terms, rowid, terms) VALUES ('delete', old.id,
        old.display_id || char(10) || old.first_name || ' ' || old.last_name || char(10) || old.phone_last10
        || char(10) || old.address || ' ' || old.city || ' ' || old.postal_code || char(10) || old.contractor_name);
END;

-- A lead converted in a jobs-disabled office records the Workiz job it was opened as (JT-5).
ALTER TABLE leads ADD COLUMN workiz_job_number TEXT;
ALTER TABLE leads ADD COLUMN workiz_opened_at TEXT;

-- The open-records tray takes jobs too: `open_records.kind` gains 'job' (a CHECK changes only by
-- rebuilding the table; its index and the unpin triggers come back with it). The triggers go first:
-- renaming a table checks every trigger that names one.
DROP TRIGGER leads_unpin_deleted;
DROP TRIGGER customers_unpin_deleted;
CREATE TABLE open_records_new (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('lead', 'customer', 'job')),
    record_id INTEGER NOT NULL,
    position  INTEGER NOT NULL,
    pinned_at TEXT NOT NULL,
    PRIMARY KEY (user_id, kind, record_id)
) WITHOUT ROWID;
INSERT INTO open_records_new (user_id, kind, record_id, position, pinned_at)
SELECT user_id, kind, record_id, position, pinned_at FROM open_records;
DROP TABLE open_records;
ALTER TABLE open_records_new RENAME TO open_records;
CREATE INDEX open_records_record ON open_records (kind, record_id);

CREATE TRIGGER leads_unpin_deleted AFTER DELETE ON leads BEGIN
    DELETE FROM open_records WHERE kind = 'lead' AND record_id = old.id;
END;

CREATE TRIGGER customers_unpin_deleted AFTER DELETE ON customers BEGIN
    DELETE FROM open_records WHERE kind = 'customer' AND record_id = old.id;
END;

CREATE TRIGGER jobs_unpin_deleted AFTER DELETE ON jobs BEGIN
    DELETE FROM open_records WHERE kind = 'job' AND record_id = old.id;
END;

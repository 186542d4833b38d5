-- Migration number: 0031 	 2026-12-06T10:50:00.000Z
-- Automations (issue 22; BEHAVIOUR.md §C: AUT-1…AUT-35).
--
-- lead_events: one row per lead change an automation (or a webhook) may react to, written in the
--   same batch as the change (AUT-11): a rolled-back change leaves none, a retried write adds one row
--   per committed change. Types: lead_created, lead_status_changed (payload {"status", "previous"}).
--   Job events live in the jobs package's job_events (issue 20) with the same shape.
-- automation_rules: AUT-1. `conditions` is JSON {dimension: [values]} (AUT-12); `offset_minutes`
--   only for time triggers (AUT-6); `enabled_at` is when it was created or last enabled (AUT-7).
-- automation_log: every fire, skip and failure (AUT-31…AUT-35). UNIQUE (rule_id, event_key): one row
--   per (rule, event) and per (rule, record) for time triggers — the idempotency stamp (AUT-6/11).
--   `message_id` links an outbox message so a later provider refusal turns "sent" into "failed".
-- automation_state: key/value: `paused` (AUT-30) and each event source's cursor.

CREATE TABLE lead_events (
    id         INTEGER PRIMARY KEY,
    type       TEXT NOT NULL,
    lead_id    INTEGER NOT NULL,
    office_id  INTEGER,
    payload    TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
);
CREATE INDEX lead_events_lead ON lead_events (lead_id, id);

CREATE TABLE automation_rules (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,
    trigger        TEXT NOT NULL,
    trigger_status TEXT,
    offset_minutes INTEGER,
    conditions     TEXT NOT NULL DEFAULT '{}',
    recipient      TEXT NOT NULL CHECK (recipient IN ('contractor', 'client', 'static')),
    static_to      TEXT NOT NULL DEFAULT '',
    channel        TEXT NOT NULL CHECK (channel IN ('sms', 'email')),
    subject        TEXT NOT NULL DEFAULT '',
    body           TEXT NOT NULL,
    quiet_hours    INTEGER NOT NULL DEFAULT 1 CHECK (quiet_hours IN (0, 1)),
    enabled        INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    enabled_at     TEXT,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE automation_log (
    id           INTEGER PRIMARY KEY,
    rule_id      INTEGER NOT NULL,
    rule_name    TEXT NOT NULL,
    trigger      TEXT NOT NULL,
    channel      TEXT NOT NULL,
    event_key    TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('sent', 'failed', 'skipped')),
    recipient    TEXT NOT NULL DEFAULT '',
    subject_type TEXT NOT NULL,
    subject_id   INTEGER NOT NULL,
    subject_label TEXT NOT NULL DEFAULT '',
    office_id    INTEGER,
    preview      TEXT NOT NULL DEFAULT '',
    error        TEXT NOT NULL DEFAULT '',
    message_id   TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (rule_id, event_key)
);
CREATE INDEX automation_log_recent ON automation_log (id);
CREATE INDEX automation_log_message ON automation_log (message_id) WHERE message_id IS NOT NULL;

CREATE TABLE automation_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Time triggers over jobs (AUT-6): the 5-minute tick reads a range of appointment starts / ends.
CREATE INDEX jobs_start_at ON jobs (start_at);
CREATE INDEX jobs_end_at ON jobs (end_at);
-- "X after Lead created" reads a range of received times (AUT-6's `tr`).
CREATE INDEX leads_received ON leads (received_at);
-- The event cursors start at the newest event, so nothing from before automations existed is replayed.
INSERT INTO automation_state (key, value) VALUES ('cursor:lead_events', '0');
INSERT INTO automation_state (key, value) SELECT 'cursor:job_events', CAST(coalesce(max(id), 0) AS TEXT) FROM job_events;

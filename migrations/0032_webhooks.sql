-- Migration number: 0032 	 2026-12-06T10:45:00.000Z
-- Outbound webhooks (issue 22; BEHAVIOUR.md §D: WHO-1…WHO-27, WHI-4, WHI-6).
--
-- Lead events are automations' `lead_events` (migration 0031, written in the lead verbs' batches);
--   the webhook fan-out reads them past its own cursor in webhook_cursors (below).
-- webhook_endpoints: a slot's main URL (`kind` main) or one of its filtered fan-outs (`kind`
--   fanout). `event` is the slot (WHO-2). Secrets are sealed with the vault (`*_sealed`, `*_key`):
--   the signing secret (whsec_…, shown once) and the fan-out's Basic Auth. `filters` is JSON
--   {"offices": [ids], "partners": [names], "job_types": [ids], "sources": [keys]} (WHO-6, WHO-7).
-- webhook_deliveries: the readable log of each (event, destination) outbox row: `id` is the outbox
--   message id = the `webhook-id` header. Kept 30 days (WHO-23).
-- webhook_daily: counters per day, event and destination (0 = the event firing itself), kept for
--   ever, so "All Time" on the dashboard outlives the 30-day log.
-- partner_lead_urls: each Job Partner's inbound lead URL token, stored hashed (WHI-4).

CREATE TABLE webhook_endpoints (
    id             INTEGER PRIMARY KEY,
    event          TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('main', 'fanout')),
    label          TEXT NOT NULL DEFAULT '',
    url            TEXT NOT NULL,
    enabled        INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    disabled_reason TEXT,
    filters        TEXT NOT NULL DEFAULT '{}',
    payload_type   TEXT NOT NULL DEFAULT 'json' CHECK (payload_type IN ('json', 'form', 'xml', 'raw')),
    data           TEXT NOT NULL DEFAULT '[]',
    raw_body       TEXT NOT NULL DEFAULT '',
    headers        TEXT NOT NULL DEFAULT '[]',
    auth_sealed    TEXT,
    auth_key       TEXT,
    secret_sealed  TEXT NOT NULL,
    secret_key     TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX webhook_endpoints_main ON webhook_endpoints (event) WHERE kind = 'main';

CREATE TABLE webhook_deliveries (
    id           TEXT PRIMARY KEY,
    event_id     TEXT NOT NULL,
    event        TEXT NOT NULL,
    endpoint_id  INTEGER NOT NULL,
    url          TEXT NOT NULL,
    content_type TEXT NOT NULL,
    body         TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending',
    http_status  INTEGER,
    error        TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX webhook_deliveries_recent ON webhook_deliveries (created_at);

CREATE TABLE webhook_daily (
    day         TEXT NOT NULL,
    event       TEXT NOT NULL,
    endpoint_id INTEGER NOT NULL DEFAULT 0,
    fired       INTEGER NOT NULL DEFAULT 0,
    delivered   INTEGER NOT NULL DEFAULT 0,
    failed      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, event, endpoint_id)
);

CREATE TABLE partner_lead_urls (
    partner_id INTEGER PRIMARY KEY REFERENCES job_partners (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- webhook_cursors: how far the webhook fan-out has read each event table (`lead_events` from
-- issue 22's automations, jobs' `job_events` from issue 20), both written in their changes' batches.
CREATE TABLE webhook_cursors (
    source  TEXT PRIMARY KEY,
    last_id INTEGER NOT NULL DEFAULT 0
);
-- The lead cursor starts at the newest event: nothing from before webhooks existed is counted again.
INSERT INTO webhook_cursors (source, last_id) SELECT 'lead_events', coalesce(max(id), 0) FROM lead_events;

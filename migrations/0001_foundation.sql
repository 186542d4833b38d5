-- Migration number: 0001 	 2026-11-22T18:00:00.000Z
-- People and scope, sessions, API tokens, rate counters, audit log, timeline, cron leases.
-- Times are UTC ISO-8601 text with milliseconds and Z. Booleans are 0/1 integers.

CREATE TABLE offices (
    id           INTEGER PRIMARY KEY,
    slug         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    time_zone    TEXT NOT NULL,
    jobs_enabled INTEGER NOT NULL DEFAULT 0 CHECK (jobs_enabled IN (0, 1)),
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'finance_admin', 'agent', 'viewer', 'partner')),
    all_offices   INTEGER NOT NULL DEFAULT 0 CHECK (all_offices IN (0, 1)),
    partner_name  TEXT,
    password_hash TEXT,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    last_login_at TEXT
);

CREATE TABLE user_offices (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    office_id INTEGER NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, office_id)
) WITHOUT ROWID;
CREATE INDEX user_offices_office ON user_offices (office_id);

-- Server-side sessions: only a SHA-256 of the cookie token is stored.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    ip           TEXT,
    user_agent   TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Personal API tokens (Authorization: Bearer …); only a SHA-256 of the token is stored.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    prefix       TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- Fixed-window counters for throttles and rate limits. In the database, not in memory: Worker
-- isolates share nothing.
CREATE TABLE rate_counters (
    bucket       TEXT NOT NULL,
    window_start TEXT NOT NULL,
    count        INTEGER NOT NULL,
    expires_at   TEXT NOT NULL,
    PRIMARY KEY (bucket, window_start)
) WITHOUT ROWID;
CREATE INDEX rate_counters_expires ON rate_counters (expires_at);

-- Owner-only, append-only record of system events (seed 002 "Audit log").
CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY,
    created_at    TEXT NOT NULL,
    actor_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor_label   TEXT NOT NULL,
    office_id     INTEGER REFERENCES offices (id) ON DELETE SET NULL,
    action        TEXT NOT NULL,
    summary       TEXT NOT NULL,
    meta          TEXT NOT NULL DEFAULT '{}',
    ip            TEXT
);
CREATE INDEX audit_log_created ON audit_log (created_at);
CREATE INDEX audit_log_action ON audit_log (action, created_at);

-- Per-record history (leads, customers, users, …), newest first on the record's page.
CREATE TABLE timeline_entries (
    id            INTEGER PRIMARY KEY,
    subject_type  TEXT NOT NULL,
    subject_id    INTEGER NOT NULL,
    office_id     INTEGER REFERENCES offices (id) ON DELETE SET NULL,
    kind          TEXT NOT NULL,
    body          TEXT NOT NULL,
    actor_user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    actor_label   TEXT NOT NULL,
    meta          TEXT NOT NULL DEFAULT '{}',
    created_at    TEXT NOT NULL
);
CREATE INDEX timeline_subject ON timeline_entries (subject_type, subject_id, id);

-- One row per cron job: a lease so overlapping runs (local scheduler + CLI, retried Worker
-- invocations) never do the same tick twice at once.
CREATE TABLE cron_leases (
    job           TEXT PRIMARY KEY,
    holder        TEXT,
    leased_until  TEXT,
    last_started  TEXT,
    last_finished TEXT,
    last_result   TEXT
);

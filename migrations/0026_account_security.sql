-- Account security (issue 17, OWASP ASVS 5 L2): forced password change, TOTP second factor,
-- recovery codes, per-role enforcement, and the pending second sign-in step.

-- Set by an owner/admin password reset; cleared when the user picks their own password.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1));

-- What a session must do before it reaches any page: NULL (nothing), 'password' (choose a new one)
-- or 'two_factor' (enrol, because the user's role requires it).
ALTER TABLE sessions ADD COLUMN pending TEXT CHECK (pending IN ('password', 'two_factor'));

-- One TOTP secret per user, sealed with core/vault (AES-256-GCM, bound to the user id). A row with
-- confirmed_at NULL is an enrolment in progress. last_step is the last accepted 30-second step:
-- a code is accepted only for a later step, so a code cannot be replayed within its window.
CREATE TABLE user_totp (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    confirmed_at TEXT,
    last_step    INTEGER,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- Single-use recovery codes: 120 random bits each, stored as SHA-256 (ASVS 5 6.5.2).
CREATE TABLE user_recovery_codes (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX user_recovery_codes_user ON user_recovery_codes (user_id);

-- Roles whose users must use a second factor (set by the owner).
CREATE TABLE two_factor_roles (
    role       TEXT PRIMARY KEY CHECK (role IN ('owner', 'admin', 'finance_admin', 'agent', 'viewer', 'partner')),
    set_at     TEXT NOT NULL,
    set_by     INTEGER REFERENCES users (id) ON DELETE SET NULL
);

-- A password accepted, the code not yet: the browser holds a random token, this its SHA-256.
CREATE TABLE login_challenges (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    next_url   TEXT NOT NULL DEFAULT '/',
    attempts   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX login_challenges_expires ON login_challenges (expires_at);

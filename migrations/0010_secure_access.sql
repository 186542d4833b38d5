-- Migration number: 0010 	 2026-11-23T12:00:00.000Z
-- A customer's secure-access items (saved WiFi, device and account passwords for troubleshooting,
-- seed 000) and its files.

-- The secret is sealed by src/vault.py: AES-256-GCM, base64 of nonce ‖ ciphertext ‖ tag, with the
-- associated data "secure_access:{id}:{customer_id}" so a value copied to another row fails to open.
-- key_id names the key that sealed it, so keys can rotate. Nothing here ever holds a plaintext.
CREATE TABLE customer_secure_access (
    id            INTEGER PRIMARY KEY,
    customer_id   INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    label         TEXT NOT NULL,
    kind          TEXT NOT NULL DEFAULT 'wifi' CHECK (kind IN ('wifi', 'device', 'account', 'other')),
    username      TEXT NOT NULL DEFAULT '',
    secret_sealed TEXT NOT NULL,
    key_id        TEXT NOT NULL,
    notes         TEXT NOT NULL DEFAULT '',
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX customer_secure_access_customer ON customer_secure_access (customer_id, id);

-- Uploaded files: the bytes live in the file store (a folder locally, R2 on the Worker) under
-- storage_key, which is random and never derived from the uploaded name.
CREATE TABLE customer_files (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    storage_key  TEXT NOT NULL UNIQUE,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    uploaded_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX customer_files_customer ON customer_files (customer_id, id);

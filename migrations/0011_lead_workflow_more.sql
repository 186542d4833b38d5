-- Migration number: 0011 	 2026-11-23T16:00:00.000Z
-- More of seed 001's response workflow: the review-request progression on a lead, and photos.

-- requested → received | declined; each step stamped with who and when. NULL: never requested.
ALTER TABLE leads ADD COLUMN review_status TEXT CHECK (review_status IN ('requested', 'received', 'declined'));
ALTER TABLE leads ADD COLUMN review_requested_at TEXT;
ALTER TABLE leads ADD COLUMN review_requested_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE leads ADD COLUMN review_resolved_at TEXT;
ALTER TABLE leads ADD COLUMN review_resolved_by INTEGER REFERENCES users (id) ON DELETE SET NULL;

-- Photos on a lead: the bytes live in the file store under `storage_key` (random), this row is the
-- metadata. Only images whose type was sniffed from the bytes are accepted.
CREATE TABLE lead_photos (
    id           INTEGER PRIMARY KEY,
    lead_id      INTEGER NOT NULL REFERENCES leads (id) ON DELETE CASCADE,
    storage_key  TEXT NOT NULL UNIQUE,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   INTEGER NOT NULL,
    sha256       TEXT NOT NULL,
    uploaded_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX lead_photos_lead ON lead_photos (lead_id, id);

-- Migration number: 0029 	 2026-12-06T11:00:00.000Z
-- Issue 20, second half: Auto Status Change's settings (ASC-1, ASC-6) and the Workiz import's
-- batches (IMP-1…IMP-10). Written only by src/jobs/auto_status.py and src/jobs/workiz.py.

-- One row per rule; today the one rule Submitted → In Progress (ASC-2). Off until the owner turns it
-- on; office_ids is the JSON list of ticked offices (ASC-6: disabled, it stops everywhere).
CREATE TABLE job_auto_rules (
    rule        TEXT PRIMARY KEY CHECK (rule IN ('submitted_to_in_progress')),
    enabled     INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    office_ids  TEXT NOT NULL DEFAULT '[]',
    version     INTEGER NOT NULL DEFAULT 1,
    updated_at  TEXT,
    updated_by  INTEGER REFERENCES users (id) ON DELETE SET NULL
) WITHOUT ROWID;
INSERT INTO job_auto_rules (rule) VALUES ('submitted_to_in_progress');

-- A Workiz file read into a batch (the preview), then committed in chunks (IMP-3, IMP-9). The rows
-- are kept as parsed, so a commit that stops half way is re-run to the same result.
CREATE TABLE job_imports (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    office_id     INTEGER NOT NULL REFERENCES offices (id),
    company       TEXT NOT NULL DEFAULT '',
    file_name     TEXT NOT NULL DEFAULT '',
    total_rows    INTEGER NOT NULL,
    mapping       TEXT NOT NULL DEFAULT '{}',      -- {"tech": {value: id|null}, "source": …, "type": …}
    state         TEXT NOT NULL DEFAULT 'preview' CHECK (state IN ('preview', 'running', 'done')),
    created       INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    next_row      INTEGER NOT NULL DEFAULT 0,      -- the commit's cursor: rows below it are settled
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL,
    finished_at   TEXT
);

CREATE TABLE job_import_rows (
    import_id  INTEGER NOT NULL REFERENCES job_imports (id) ON DELETE CASCADE,
    row_no     INTEGER NOT NULL,                   -- the sheet's row number (header = 1)
    data       TEXT NOT NULL,                      -- the row by Workiz column, as read
    outcome    TEXT NOT NULL DEFAULT '',           -- '', 'created JOB-…', or 'skipped: why'
    PRIMARY KEY (import_id, row_no)
) WITHOUT ROWID;

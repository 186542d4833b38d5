-- Issue 24: email attachments (a ticket summary's PDF). The outbox payload names the file-store key;
-- the development provider records what it would have attached, shown with a download link on
-- Maintenance → Development mailbox. JSON list of {filename, content_type, key, size}. core/devmail.py.
ALTER TABLE dev_mailbox ADD COLUMN attachments TEXT NOT NULL DEFAULT '[]';

-- Issue 24: linked jobs on a ticket (the design of migration 0027's comment). Only jobs of the
-- ticket's customer (src/tickets/job_links.py checks it). Owned by tickets.job_links.
CREATE TABLE ticket_jobs (
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    job_id     INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    linked_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    linked_at  TEXT NOT NULL,
    PRIMARY KEY (ticket_id, job_id)
);
CREATE INDEX ticket_jobs_by_job ON ticket_jobs (job_id);

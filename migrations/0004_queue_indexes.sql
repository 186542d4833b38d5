-- Migration number: 0004 	 2026-11-22T19:20:00.000Z
-- Indexes for the leads queue at a million rows (docs/performance.md, "Leads queue"). The partial
-- ones cover only leads in the queue (not archived), which is what every queue page reads.

CREATE INDEX leads_open_created ON leads (created_at, id) WHERE archived_at IS NULL;
CREATE INDEX leads_open_office_created ON leads (office_id, created_at, id) WHERE archived_at IS NULL;
CREATE INDEX leads_open_status_created ON leads (status, created_at, id) WHERE archived_at IS NULL;
CREATE INDEX leads_open_status_next ON leads (status, next_contact_at) WHERE archived_at IS NULL;
CREATE INDEX leads_updated ON leads (updated_at);
CREATE INDEX leads_office_updated ON leads (office_id, updated_at);

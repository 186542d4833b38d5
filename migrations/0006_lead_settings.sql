-- Migration number: 0006 	 2026-11-22T20:30:00.000Z
-- Lead settings (seed 002 "App Settings": the escalation timer) and the index the duplicates tool
-- probes for a partner's lead id (seed 002 "Duplicate cleanup").

-- One row: settings that apply to every office's leads.
CREATE TABLE lead_settings (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    escalation_minutes INTEGER NOT NULL CHECK (escalation_minutes BETWEEN 1 AND 1440),
    updated_at         TEXT NOT NULL
);
INSERT INTO lead_settings (id, escalation_minutes, updated_at)
    VALUES (1, 15, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- Only open leads that carry an external id: most intake inserts never touch it.
CREATE INDEX leads_open_external ON leads (source_key, external_id) WHERE archived_at IS NULL AND external_id IS NOT NULL;

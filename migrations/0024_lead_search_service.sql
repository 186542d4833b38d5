-- Migration number: 0024 	 2026-12-06T10:00:00.000Z
-- Lead search also matches what the lead needs (`service`): "opener" finds "Opener beeping" (issue 17).
--
-- The index text gains `service` after the phone digits. A contentless FTS5 'delete' must repeat the
-- exact text a row was indexed with, so the old entries cannot be edited one by one: the index is
-- emptied ('delete-all') and every lead is noted in `lead_terms_pending`, which the `lead-indexes`
-- tick and the first search drain in chunks (`lead_search.index_pending`, migration 0017), with the
-- new text. Until a lead is drained its triggers only forget or keep the note, as for a new lead.

DROP TRIGGER leads_terms_update;
DROP TRIGGER leads_terms_delete;

INSERT INTO lead_terms (lead_terms) VALUES ('delete-all');
INSERT OR IGNORE INTO lead_terms_pending (lead_id) SELECT id FROM leads;

CREATE TRIGGER leads_terms_update AFTER UPDATE OF name, email, campaign, zip, phone_last10, service ON leads
WHEN NOT EXISTS (SELECT 1 FROM lead_terms_pending WHERE lead_id = old.id) BEGIN
    INSERT INTO lead_terms (lead_terms, rowid, terms) VALUES ('delete', old.id,
        old.name || char(10) || old.email || char(10) || old.campaign || char(10) || old.zip || char(10)
        || coalesce(old.phone_last10, '') || char(10) || old.service);
    INSERT INTO lead_terms (rowid, terms) VALUES (new.id,
        new.name || char(10) || new.email || char(10) || new.campaign || char(10) || new.zip || char(10)
        || coalesce(new.phone_last10, '') || char(10) || new.service);
END;

CREATE TRIGGER leads_terms_delete AFTER DELETE ON leads BEGIN
    INSERT INTO lead_terms (lead_terms, rowid, terms)
    SELECT 'delete', old.id,
        old.name || char(10) || old.email || char(10) || old.campaign || char(10) || old.zip || char(10)
        || coalesce(old.phone_last10, '') || char(10) || old.service
    WHERE NOT EXISTS (SELECT 1 FROM lead_terms_pending WHERE lead_id = old.id);
    DELETE FROM lead_terms_pending WHERE lead_id = old.id;
END;

-- Migration number: 0017 	 2026-11-22T23:00:00.000Z
-- Lead search is indexed just behind intake, in bulk (docs/performance.md, "Webhook intake").
--
-- Adding a lead to the FTS5 trigram index (0007) cost about as much as the rest of its row: each
-- insert tokenizes the text and, in a small transaction, writes and merges index segments. A new lead
-- now only notes its id in `lead_terms_pending`; `lead_search.index_pending` adds every noted lead to
-- `lead_terms` in one statement (several thousand per segment instead of a few), from the
-- `lead-indexes` cron tick each minute and before any search, so a search never misses a lead.
--
-- While a lead is pending it is not in the index: an edit needs nothing (the drain reads the row as
-- it is then), and a delete only forgets the note. A contentless FTS5 'delete' must name a row that
-- was indexed with exactly that text, so the update and delete triggers act only on indexed leads.

CREATE TABLE lead_terms_pending (lead_id INTEGER PRIMARY KEY);

DROP TRIGGER leads_terms_insert;
DROP TRIGGER leads_terms_update;
DROP TRIGGER leads_terms_delete;

CREATE TRIGGER leads_terms_insert AFTER INSERT ON leads BEGIN
    INSERT INTO lead_terms_pending (lead_id) VALUES (new.id);
END;

CREATE TRIGGER leads_terms_update AFTER UPDATE OF name, email, campaign, zip, phone_last10 ON leads
WHEN NOT EXISTS (SELECT 1 FROM lead_terms_pending WHERE lead_id = old.id) BEGIN
    INSERT INTO lead_terms (lead_terms, rowid, terms) VALUES ('delete', old.id,
        old.name || char(10) || old.email || char(10) || old.campaign || char(10) || old.zip || char(10)
        || coalesce(old.phone_last10, ''));
    INSERT INTO lead_terms (rowid, terms) VALUES (new.id,
        new.name || char(10) || new.email || char(10) || new.campaign || char(10) || new.zip || char(10)
        || coalesce(new.phone_last10, ''));
END;

CREATE TRIGGER leads_terms_delete AFTER DELETE ON leads BEGIN
    INSERT INTO lead_terms (lead_terms, rowid, terms)
    SELECT 'delete', old.id,
        old.name || char(10) || old.email || char(10) || old.campaign || char(10) || old.zip || char(10)
        || coalesce(old.phone_last10, '')
    WHERE NOT EXISTS (SELECT 1 FROM lead_terms_pending WHERE lead_id = old.id);
    DELETE FROM lead_terms_pending WHERE lead_id = old.id;
END;

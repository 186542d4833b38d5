-- Migration number: 0007 	 2026-11-22T20:30:00.000Z
-- The leads queue and its search at a million leads (docs/performance.md, "The leads queue").
--
-- Every queue read walks one of these indexes and decides on each entry without visiting the table:
-- each holds every column the queue filters on (status, next contact, office, source, archived) and
-- `leads.queue` names the one to use (INDEXED BY), so the plan does not depend on the planner's guess.
-- `archived_at` sits right after the equality columns so "not archived" is a seek, not a skip, and
-- the rows come out in created order. They replace the narrower indexes of 0002 and 0004.

DROP INDEX leads_created;
DROP INDEX leads_office_created;
DROP INDEX leads_source_created;
DROP INDEX leads_open_created;
DROP INDEX leads_open_office_created;
DROP INDEX leads_open_status_created;
DROP INDEX leads_open_status_next;
DROP INDEX leads_updated;

CREATE INDEX leads_q_created ON leads (archived_at, created_at, status, next_contact_at, office_id, source_key);
CREATE INDEX leads_q_office ON leads
    (office_id, archived_at, created_at, status, next_contact_at, source_key, partner_name);
CREATE INDEX leads_q_status ON leads (status, archived_at, created_at, next_contact_at, office_id, source_key);
CREATE INDEX leads_q_next ON leads (status, archived_at, next_contact_at, created_at, office_id, source_key);
-- Source first and created second: it also serves intake's per-source rate limit (source, created_at).
CREATE INDEX leads_q_source ON leads (source_key, created_at, archived_at, status, next_contact_at, office_id);
-- The two rare flags get small partial indexes of their own.
CREATE INDEX leads_q_transferred ON leads (archived_at, created_at, status, next_contact_at, office_id, source_key)
    WHERE transferred = 1;
CREATE INDEX leads_q_reactivated ON leads (archived_at, created_at, status, next_contact_at, office_id, source_key)
    WHERE reactivated = 1;

-- Search: substring match on name, email, campaign, ZIP and phone digits through FTS5's trigram
-- tokenizer. Contentless (the text lives in `leads`), so it only stores the index; triggers keep it in
-- step, and a contentless delete needs the exact old text, which the triggers rebuild from `old`.
-- Note: `wrangler d1 export` refuses databases with virtual tables (docs/architecture.md, "Search").
CREATE VIRTUAL TABLE lead_terms USING fts5(terms, content = '', tokenize = 'trigram');

INSERT INTO lead_terms (rowid, terms)
SELECT id, name || char(10) || email || char(10) || campaign || char(10) || zip || char(10) || coalesce(phone_last10, '')
FROM leads;

CREATE TRIGGER leads_terms_insert AFTER INSERT ON leads BEGIN
    INSERT INTO lead_terms (rowid, terms) VALUES (new.id,
        new.name || char(10) || new.email || char(10) || new.campaign || char(10) || new.zip || char(10)
        || coalesce(new.phone_last10, ''));
END;

CREATE TRIGGER leads_terms_update AFTER UPDATE OF name, email, campaign, zip, phone_last10 ON leads BEGIN
    INSERT INTO lead_terms (lead_terms, rowid, terms) VALUES ('delete', old.id,
        old.name || char(10) || old.email || char(10) || old.campaign || char(10) || old.zip || char(10)
        || coalesce(old.phone_last10, ''));
    INSERT INTO lead_terms (rowid, terms) VALUES (new.id,
        new.name || char(10) || new.email || char(10) || new.campaign || char(10) || new.zip || char(10)
        || coalesce(new.phone_last10, ''));
END;

CREATE TRIGGER leads_terms_delete AFTER DELETE ON leads BEGIN
    INSERT INTO lead_terms (lead_terms, rowid, terms) VALUES ('delete', old.id,
        old.name || char(10) || old.email || char(10) || old.campaign || char(10) || old.zip || char(10)
        || coalesce(old.phone_last10, ''));
END;

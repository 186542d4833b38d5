-- Migration number: 0018 	 2026-11-22T23:10:00.000Z
-- A new lead's report rollups are counted just behind intake, in bulk, as its search terms are (0017).
--
-- Four upserts per lead (0014: leads by day and status, by day and source, by day and attempts, and
-- the pipeline) cost intake about a sixth of its time. A new lead now only notes its id in
-- `report_leads_pending`; `report_rollups.prepare` (before every report) and the `lead-indexes`
-- cron tick count the noted leads into the rollups with one grouped upsert per table and forget
-- them, in the same batch. A lead still pending is not in the rollups yet, so its edits and its
-- deletion must not adjust them: the update and delete triggers below act only on counted leads
-- (the count reads the row as it is then). The note of a lead deleted while pending stays until the
-- next count, which finds no row and forgets it; a later lead that reuses the id is noted once
-- (INSERT OR IGNORE) and counted once. Rebuilding an office (prepare, 0014) counts its leads from
-- `leads`, so it forgets their notes in the same batch.

CREATE TABLE report_leads_pending (lead_id INTEGER PRIMARY KEY);

-- Leads already in the database are counted (the rollups were built or will be by `prepare`).

CREATE TRIGGER report_leads_insert AFTER INSERT ON leads BEGIN
    INSERT OR IGNORE INTO report_leads_pending (lead_id) VALUES (new.id);
END;

DROP TRIGGER report_lead_days_insert;
DROP TRIGGER report_lead_days_update;
DROP TRIGGER report_lead_days_delete;

CREATE TRIGGER report_lead_days_update AFTER UPDATE OF office_id, created_at, status, first_response_at ON leads
WHEN (old.office_id IS NOT new.office_id OR old.created_at IS NOT new.created_at OR old.status IS NOT new.status OR old.first_response_at IS NOT new.first_response_at)
    AND NOT EXISTS (SELECT 1 FROM report_leads_pending WHERE lead_id = old.id) BEGIN
    INSERT INTO report_lead_days (office_id, day, status, leads, responded, response_seconds)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), old.status, -1,
        -(old.first_response_at IS NOT NULL), -(CASE WHEN old.first_response_at IS NULL THEN 0
            ELSE max(0, CAST(round((julianday(old.first_response_at) - julianday(old.created_at)) * 86400) AS INTEGER)) END) WHERE true
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads, responded = responded + excluded.responded,
        response_seconds = response_seconds + excluded.response_seconds;
    INSERT INTO report_lead_days (office_id, day, status, leads, responded, response_seconds)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), new.status, 1,
        (new.first_response_at IS NOT NULL), (CASE WHEN new.first_response_at IS NULL THEN 0
            ELSE max(0, CAST(round((julianday(new.first_response_at) - julianday(new.created_at)) * 86400) AS INTEGER)) END) WHERE true
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads, responded = responded + excluded.responded,
        response_seconds = response_seconds + excluded.response_seconds;
END;

CREATE TRIGGER report_lead_days_delete AFTER DELETE ON leads
WHEN NOT EXISTS (SELECT 1 FROM report_leads_pending WHERE lead_id = old.id) BEGIN
    INSERT INTO report_lead_days (office_id, day, status, leads, responded, response_seconds)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), old.status, -1,
        -(old.first_response_at IS NOT NULL), -(CASE WHEN old.first_response_at IS NULL THEN 0
            ELSE max(0, CAST(round((julianday(old.first_response_at) - julianday(old.created_at)) * 86400) AS INTEGER)) END) WHERE true
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads, responded = responded + excluded.responded,
        response_seconds = response_seconds + excluded.response_seconds;
END;

DROP TRIGGER report_source_days_insert;
DROP TRIGGER report_source_days_update;
DROP TRIGGER report_source_days_delete;

CREATE TRIGGER report_source_days_update AFTER UPDATE OF office_id, created_at, source_key ON leads
WHEN (old.office_id IS NOT new.office_id OR old.created_at IS NOT new.created_at OR old.source_key IS NOT new.source_key)
    AND NOT EXISTS (SELECT 1 FROM report_leads_pending WHERE lead_id = old.id) BEGIN
    INSERT INTO report_source_days (office_id, day, source_key, leads)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), old.source_key, -1 WHERE true
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
    INSERT INTO report_source_days (office_id, day, source_key, leads)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), new.source_key, 1 WHERE true
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
END;

CREATE TRIGGER report_source_days_delete AFTER DELETE ON leads
WHEN NOT EXISTS (SELECT 1 FROM report_leads_pending WHERE lead_id = old.id) BEGIN
    INSERT INTO report_source_days (office_id, day, source_key, leads)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), old.source_key, -1 WHERE true
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
END;

DROP TRIGGER report_attempt_days_insert;
DROP TRIGGER report_attempt_days_update;
DROP TRIGGER report_attempt_days_delete;

CREATE TRIGGER report_attempt_days_update AFTER UPDATE OF office_id, created_at, call_count, status ON leads
WHEN (old.office_id IS NOT new.office_id OR old.created_at IS NOT new.created_at OR old.call_count IS NOT new.call_count OR old.status IS NOT new.status)
    AND NOT EXISTS (SELECT 1 FROM report_leads_pending WHERE lead_id = old.id) BEGIN
    INSERT INTO report_attempt_days (office_id, day, attempts, leads, converted)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), min(old.call_count, 10), -1,
        -(old.status = 'converted') WHERE true
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads, converted = converted + excluded.converted;
    INSERT INTO report_attempt_days (office_id, day, attempts, leads, converted)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), min(new.call_count, 10), 1,
        (new.status = 'converted') WHERE true
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads, converted = converted + excluded.converted;
END;

CREATE TRIGGER report_attempt_days_delete AFTER DELETE ON leads
WHEN NOT EXISTS (SELECT 1 FROM report_leads_pending WHERE lead_id = old.id) BEGIN
    INSERT INTO report_attempt_days (office_id, day, attempts, leads, converted)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), min(old.call_count, 10), -1,
        -(old.status = 'converted') WHERE true
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads, converted = converted + excluded.converted;
END;

DROP TRIGGER report_pipeline_insert;
DROP TRIGGER report_pipeline_update;
DROP TRIGGER report_pipeline_delete;

CREATE TRIGGER report_pipeline_update AFTER UPDATE OF office_id, status, archived_at ON leads
WHEN (old.office_id IS NOT new.office_id OR old.status IS NOT new.status OR old.archived_at IS NOT new.archived_at)
    AND NOT EXISTS (SELECT 1 FROM report_leads_pending WHERE lead_id = old.id) BEGIN
    INSERT INTO report_pipeline (office_id, status, leads)
    SELECT old.office_id, old.status, -1 WHERE old.archived_at IS NULL
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
    INSERT INTO report_pipeline (office_id, status, leads)
    SELECT new.office_id, new.status, 1 WHERE new.archived_at IS NULL
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
END;

CREATE TRIGGER report_pipeline_delete AFTER DELETE ON leads
WHEN NOT EXISTS (SELECT 1 FROM report_leads_pending WHERE lead_id = old.id) BEGIN
    INSERT INTO report_pipeline (office_id, status, leads)
    SELECT old.office_id, old.status, -1 WHERE old.archived_at IS NULL
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
END;

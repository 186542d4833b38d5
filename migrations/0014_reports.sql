-- Migration number: 0014 	 2026-11-24T18:00:00.000Z
-- Reporting (docs/reports.md): daily rollups that `/reports` and `GET /api/reports/summary` sum
-- instead of reading a million leads. Each rollup row is a count for one office and one *local* day
-- (the office's own calendar date), kept in step by the triggers below in the same transaction as
-- the write that changes it, so every verb, import and future path is counted without knowing about
-- reports. Triggers subtract the old row's contribution and add the new one's.
--
-- The local day of an instant comes from `report_zone_shifts`: for each office, the UTC instants at
-- which its offset from UTC changes (DST), written by src/report_rollups.py from the IANA zone. A
-- trigger reads the latest shift at or before the instant; with none (a new office, before the
-- report first runs) it falls back to the UTC date, and `report_rollups.prepare` rebuilds that
-- office's rows from the base tables the next time a report is read. `report_zones` records which
-- zone each office's rows were built for, so a time-zone change also triggers a rebuild. This
-- migration builds nothing: the first report rebuilds every office.

CREATE TABLE report_zone_shifts (
    office_id INTEGER NOT NULL,
    starts_at TEXT NOT NULL,     -- UTC ISO-8601; '' = since always
    minutes   INTEGER NOT NULL,  -- local time = UTC + minutes
    PRIMARY KEY (office_id, starts_at)
) WITHOUT ROWID;

CREATE TABLE report_zones (
    office_id INTEGER PRIMARY KEY,
    time_zone TEXT NOT NULL,
    built_at  TEXT NOT NULL
);

-- Leads by the local day they were created and their current status (the period's cohort), with
-- how many have had a first response and the sum of those response times in seconds.
CREATE TABLE report_lead_days (
    office_id        INTEGER NOT NULL,
    day              TEXT NOT NULL,
    status           TEXT NOT NULL,
    leads            INTEGER NOT NULL,
    responded        INTEGER NOT NULL,
    response_seconds INTEGER NOT NULL,
    PRIMARY KEY (office_id, day, status)
) WITHOUT ROWID;

-- Leads by creation day and source key (the source mix).
CREATE TABLE report_source_days (
    office_id  INTEGER NOT NULL,
    day        TEXT NOT NULL,
    source_key TEXT NOT NULL,
    leads      INTEGER NOT NULL,
    PRIMARY KEY (office_id, day, source_key)
) WITHOUT ROWID;

-- Leads by creation day and call attempts so far (10 = ten or more), and how many are converted.
CREATE TABLE report_attempt_days (
    office_id INTEGER NOT NULL,
    day       TEXT NOT NULL,
    attempts  INTEGER NOT NULL,
    leads     INTEGER NOT NULL,
    converted INTEGER NOT NULL,
    PRIMARY KEY (office_id, day, attempts)
) WITHOUT ROWID;

-- Leads in the queue right now (not archived) by status, whenever they were created.
CREATE TABLE report_pipeline (
    office_id INTEGER NOT NULL,
    status    TEXT NOT NULL,
    leads     INTEGER NOT NULL,
    PRIMARY KEY (office_id, status)
) WITHOUT ROWID;

-- What people did, by the local day it happened, read from the audit rows the lead verbs write:
--   call, claim, convert, reactivate (BookBack, user 0 = the system), respond (the action that set a
--   lead's first response; `seconds` sums the response times), convert_earlier (a conversion of a
--   lead created on an earlier local day), convert_bookback (of a BookBack or reactivated lead).
CREATE TABLE report_activity_days (
    office_id INTEGER NOT NULL,
    day       TEXT NOT NULL,
    kind      TEXT NOT NULL,
    user_id   INTEGER NOT NULL,
    events    INTEGER NOT NULL,
    seconds   INTEGER NOT NULL,
    PRIMARY KEY (office_id, day, kind, user_id)
) WITHOUT ROWID;

-- Customers not archived, by the local day they were created and their source ('' = missing).
CREATE TABLE report_customer_days (
    office_id INTEGER NOT NULL,
    day       TEXT NOT NULL,
    source    TEXT NOT NULL,
    customers INTEGER NOT NULL,
    PRIMARY KEY (office_id, day, source)
) WITHOUT ROWID;

-- Leads: one trigger per rollup and event. An update trigger fires only when a column its rollup
-- depends on really changed, so a call attempt touches the attempt rollup and nothing else.
CREATE TRIGGER report_lead_days_insert AFTER INSERT ON leads BEGIN
    INSERT INTO report_lead_days (office_id, day, status, leads, responded, response_seconds)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), new.status, 1,
        (new.first_response_at IS NOT NULL), (CASE WHEN new.first_response_at IS NULL THEN 0
            ELSE max(0, CAST(round((julianday(new.first_response_at) - julianday(new.created_at)) * 86400) AS INTEGER)) END) WHERE true
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads, responded = responded + excluded.responded,
        response_seconds = response_seconds + excluded.response_seconds;
END;

CREATE TRIGGER report_lead_days_update AFTER UPDATE OF office_id, created_at, status, first_response_at ON leads
WHEN old.office_id IS NOT new.office_id OR old.created_at IS NOT new.created_at OR old.status IS NOT new.status OR old.first_response_at IS NOT new.first_response_at BEGIN
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

CREATE TRIGGER report_lead_days_delete AFTER DELETE ON leads BEGIN
    INSERT INTO report_lead_days (office_id, day, status, leads, responded, response_seconds)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), old.status, -1,
        -(old.first_response_at IS NOT NULL), -(CASE WHEN old.first_response_at IS NULL THEN 0
            ELSE max(0, CAST(round((julianday(old.first_response_at) - julianday(old.created_at)) * 86400) AS INTEGER)) END) WHERE true
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads, responded = responded + excluded.responded,
        response_seconds = response_seconds + excluded.response_seconds;
END;

CREATE TRIGGER report_source_days_insert AFTER INSERT ON leads BEGIN
    INSERT INTO report_source_days (office_id, day, source_key, leads)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), new.source_key, 1 WHERE true
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
END;

CREATE TRIGGER report_source_days_update AFTER UPDATE OF office_id, created_at, source_key ON leads
WHEN old.office_id IS NOT new.office_id OR old.created_at IS NOT new.created_at OR old.source_key IS NOT new.source_key BEGIN
    INSERT INTO report_source_days (office_id, day, source_key, leads)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), old.source_key, -1 WHERE true
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
    INSERT INTO report_source_days (office_id, day, source_key, leads)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), new.source_key, 1 WHERE true
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
END;

CREATE TRIGGER report_source_days_delete AFTER DELETE ON leads BEGIN
    INSERT INTO report_source_days (office_id, day, source_key, leads)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), old.source_key, -1 WHERE true
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
END;

CREATE TRIGGER report_attempt_days_insert AFTER INSERT ON leads BEGIN
    INSERT INTO report_attempt_days (office_id, day, attempts, leads, converted)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), min(new.call_count, 10), 1,
        (new.status = 'converted') WHERE true
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads, converted = converted + excluded.converted;
END;

CREATE TRIGGER report_attempt_days_update AFTER UPDATE OF office_id, created_at, call_count, status ON leads
WHEN old.office_id IS NOT new.office_id OR old.created_at IS NOT new.created_at OR old.call_count IS NOT new.call_count OR old.status IS NOT new.status BEGIN
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

CREATE TRIGGER report_attempt_days_delete AFTER DELETE ON leads BEGIN
    INSERT INTO report_attempt_days (office_id, day, attempts, leads, converted)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), min(old.call_count, 10), -1,
        -(old.status = 'converted') WHERE true
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads, converted = converted + excluded.converted;
END;

CREATE TRIGGER report_pipeline_insert AFTER INSERT ON leads BEGIN
    INSERT INTO report_pipeline (office_id, status, leads)
    SELECT new.office_id, new.status, 1 WHERE new.archived_at IS NULL
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
END;

CREATE TRIGGER report_pipeline_update AFTER UPDATE OF office_id, status, archived_at ON leads
WHEN old.office_id IS NOT new.office_id OR old.status IS NOT new.status OR old.archived_at IS NOT new.archived_at BEGIN
    INSERT INTO report_pipeline (office_id, status, leads)
    SELECT old.office_id, old.status, -1 WHERE old.archived_at IS NULL
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
    INSERT INTO report_pipeline (office_id, status, leads)
    SELECT new.office_id, new.status, 1 WHERE new.archived_at IS NULL
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
END;

CREATE TRIGGER report_pipeline_delete AFTER DELETE ON leads BEGIN
    INSERT INTO report_pipeline (office_id, status, leads)
    SELECT old.office_id, old.status, -1 WHERE old.archived_at IS NULL
    ON CONFLICT DO UPDATE SET leads = leads + excluded.leads;
END;

-- Customers.
CREATE TRIGGER report_customer_days_insert AFTER INSERT ON customers BEGIN
    INSERT INTO report_customer_days (office_id, day, source, customers)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), new.source, 1 WHERE new.archived_at IS NULL
    ON CONFLICT DO UPDATE SET customers = customers + excluded.customers;
END;

CREATE TRIGGER report_customer_days_update AFTER UPDATE OF office_id, created_at, source, archived_at ON customers
WHEN old.office_id IS NOT new.office_id OR old.created_at IS NOT new.created_at OR old.source IS NOT new.source OR old.archived_at IS NOT new.archived_at BEGIN
    INSERT INTO report_customer_days (office_id, day, source, customers)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), old.source, -1 WHERE old.archived_at IS NULL
    ON CONFLICT DO UPDATE SET customers = customers + excluded.customers;
    INSERT INTO report_customer_days (office_id, day, source, customers)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), new.source, 1 WHERE new.archived_at IS NULL
    ON CONFLICT DO UPDATE SET customers = customers + excluded.customers;
END;

CREATE TRIGGER report_customer_days_delete AFTER DELETE ON customers BEGIN
    INSERT INTO report_customer_days (office_id, day, source, customers)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), old.source, -1 WHERE old.archived_at IS NULL
    ON CONFLICT DO UPDATE SET customers = customers + excluded.customers;
END;

-- Activity, from the audit rows the lead verbs write in their own batch.
CREATE TRIGGER report_activity AFTER INSERT ON audit_log
WHEN new.office_id IS NOT NULL AND new.action IN
    ('lead.call_attempt', 'lead.claimed', 'lead.converted', 'lead.reactivated', 'lead.status_changed') BEGIN
    -- The event itself: a call attempt, a claim, a conversion or a BookBack reactivation.
    INSERT INTO report_activity_days (office_id, day, kind, user_id, events, seconds)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'),
        CASE new.action WHEN 'lead.call_attempt' THEN 'call' WHEN 'lead.claimed' THEN 'claim'
            WHEN 'lead.converted' THEN 'convert' ELSE 'reactivate' END,
        coalesce(new.actor_user_id, 0), 1, 0
    WHERE new.action != 'lead.status_changed'
    ON CONFLICT DO UPDATE SET events = events + 1;
    -- The lead's first response, when this action is what set it (same instant as the audit row).
    INSERT INTO report_activity_days (office_id, day, kind, user_id, events, seconds)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), 'respond', coalesce(new.actor_user_id, 0), 1, CASE WHEN l.first_response_at IS NULL THEN 0
            ELSE max(0, CAST(round((julianday(l.first_response_at) - julianday(l.created_at)) * 86400) AS INTEGER)) END
    FROM leads l
    WHERE new.action != 'lead.reactivated' AND l.display_id = json_extract(new.meta, '$.lead')
        AND l.first_response_at = new.created_at
    ON CONFLICT DO UPDATE SET events = events + 1, seconds = seconds + excluded.seconds;
    -- A conversion of a lead created on an earlier local day (follow-up work), and of a BookBack lead.
    INSERT INTO report_activity_days (office_id, day, kind, user_id, events, seconds)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'), k.kind, coalesce(new.actor_user_id, 0), 1, 0
    FROM leads l JOIN (SELECT 'convert_earlier' AS kind UNION ALL SELECT 'convert_bookback') k
    WHERE new.action = 'lead.converted' AND l.display_id = json_extract(new.meta, '$.lead')
        AND CASE k.kind WHEN 'convert_earlier' THEN date(l.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = l.office_id AND z.starts_at <= l.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes') < date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes')
            ELSE l.reactivated = 1 OR l.source_key = 'bookback' END
    ON CONFLICT DO UPDATE SET events = events + 1;
END;

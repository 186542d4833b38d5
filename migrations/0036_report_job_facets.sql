-- Migration number: 0036 	 2026-12-06T13:20:00.000Z
-- The rest of the reports' Jobs tab (002 › Reports › Jobs tab; issue 20): the Deposits and Parts
-- Cost tiles, the by type / by source bars and the top-contractors table.
--
-- report_job_days (0034) gains three sums per (office, day, status): `deposits` (jobs with a
-- deposit amount above zero), `deposit_cents` (their deposit amounts) and `parts_cents` (parts
-- costs). Its triggers are re-created with them; the rows are recomputed below.
--
-- report_job_facets: per (office, local creation day, facet, key) the jobs, how many are Done and
-- Cancelled now, and the closing amounts of the Done ones. Three facets per job:
--   'type'        key = the job type's label as the job carries it (job_type_label, JS-6)
--   'source'      key = the job source, i.e. the partner label (partner_label)
--   'contractor'  key = the contractor's id as text, '' when none is assigned
-- Archived jobs are not counted, like report_job_days; the same triggers keep both in step, in the
-- statement that changes the job, and `report_rollups.prepare` rebuilds both.

ALTER TABLE report_job_days ADD COLUMN deposits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_job_days ADD COLUMN deposit_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE report_job_days ADD COLUMN parts_cents INTEGER NOT NULL DEFAULT 0;

CREATE TABLE report_job_facets (
    office_id      INTEGER NOT NULL,
    day            TEXT NOT NULL,
    facet          TEXT NOT NULL CHECK (facet IN ('type', 'source', 'contractor')),
    key            TEXT NOT NULL,
    jobs           INTEGER NOT NULL DEFAULT 0,
    done           INTEGER NOT NULL DEFAULT 0,
    cancelled      INTEGER NOT NULL DEFAULT 0,
    revenue_cents  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (office_id, day, facet, key)
) WITHOUT ROWID;

DROP TRIGGER report_job_days_insert;
DROP TRIGGER report_job_days_update;
DROP TRIGGER report_job_days_delete;

CREATE TRIGGER report_job_days_insert AFTER INSERT ON jobs WHEN new.archived_at IS NULL BEGIN
    INSERT INTO report_job_days (office_id, day, status, jobs, k_accepted, rebooked, revenue_cents, deposits, deposit_cents, parts_cents)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'),
        new.status, 1, new.k_confirmed, (new.rebooked_at IS NOT NULL), coalesce(new.closing_cents, 0),
        (coalesce(new.deposit_cents, 0) > 0), coalesce(new.deposit_cents, 0), coalesce(new.parts_cents, 0) WHERE true
    ON CONFLICT DO UPDATE SET jobs = jobs + excluded.jobs, k_accepted = k_accepted + excluded.k_accepted,
        rebooked = rebooked + excluded.rebooked, revenue_cents = revenue_cents + excluded.revenue_cents,
        deposits = deposits + excluded.deposits, deposit_cents = deposit_cents + excluded.deposit_cents,
        parts_cents = parts_cents + excluded.parts_cents;
    INSERT INTO report_job_facets (office_id, day, facet, key, jobs, done, cancelled, revenue_cents)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'),
        f.facet, f.key, 1, (new.status = 'done'), (new.status = 'cancelled'),
        CASE WHEN new.status = 'done' THEN coalesce(new.closing_cents, 0) ELSE 0 END
    FROM (SELECT 'type' AS facet, new.job_type_label AS key UNION ALL SELECT 'source', new.partner_label
        UNION ALL SELECT 'contractor', coalesce(CAST(new.contractor_id AS TEXT), '')) f WHERE true
    ON CONFLICT DO UPDATE SET jobs = jobs + excluded.jobs, done = done + excluded.done,
        cancelled = cancelled + excluded.cancelled, revenue_cents = revenue_cents + excluded.revenue_cents;
END;

CREATE TRIGGER report_job_days_update AFTER UPDATE OF office_id, created_at, status, k_confirmed, rebooked_at, closing_cents,
    archived_at, deposit_cents, parts_cents, job_type_label, partner_label, contractor_id ON jobs
WHEN old.office_id IS NOT new.office_id OR old.created_at IS NOT new.created_at OR old.status IS NOT new.status
    OR old.k_confirmed IS NOT new.k_confirmed OR (old.rebooked_at IS NULL) IS NOT (new.rebooked_at IS NULL)
    OR old.closing_cents IS NOT new.closing_cents OR (old.archived_at IS NULL) IS NOT (new.archived_at IS NULL)
    OR old.deposit_cents IS NOT new.deposit_cents OR old.parts_cents IS NOT new.parts_cents
    OR old.job_type_label IS NOT new.job_type_label OR old.partner_label IS NOT new.partner_label
    OR old.contractor_id IS NOT new.contractor_id BEGIN
    INSERT INTO report_job_days (office_id, day, status, jobs, k_accepted, rebooked, revenue_cents, deposits, deposit_cents, parts_cents)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'),
        old.status, -1, -old.k_confirmed, -(old.rebooked_at IS NOT NULL), -coalesce(old.closing_cents, 0),
        -(coalesce(old.deposit_cents, 0) > 0), -coalesce(old.deposit_cents, 0), -coalesce(old.parts_cents, 0)
    WHERE old.archived_at IS NULL
    ON CONFLICT DO UPDATE SET jobs = jobs + excluded.jobs, k_accepted = k_accepted + excluded.k_accepted,
        rebooked = rebooked + excluded.rebooked, revenue_cents = revenue_cents + excluded.revenue_cents,
        deposits = deposits + excluded.deposits, deposit_cents = deposit_cents + excluded.deposit_cents,
        parts_cents = parts_cents + excluded.parts_cents;
    INSERT INTO report_job_days (office_id, day, status, jobs, k_accepted, rebooked, revenue_cents, deposits, deposit_cents, parts_cents)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'),
        new.status, 1, new.k_confirmed, (new.rebooked_at IS NOT NULL), coalesce(new.closing_cents, 0),
        (coalesce(new.deposit_cents, 0) > 0), coalesce(new.deposit_cents, 0), coalesce(new.parts_cents, 0)
    WHERE new.archived_at IS NULL
    ON CONFLICT DO UPDATE SET jobs = jobs + excluded.jobs, k_accepted = k_accepted + excluded.k_accepted,
        rebooked = rebooked + excluded.rebooked, revenue_cents = revenue_cents + excluded.revenue_cents,
        deposits = deposits + excluded.deposits, deposit_cents = deposit_cents + excluded.deposit_cents,
        parts_cents = parts_cents + excluded.parts_cents;
    INSERT INTO report_job_facets (office_id, day, facet, key, jobs, done, cancelled, revenue_cents)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'),
        f.facet, f.key, -1, -(old.status = 'done'), -(old.status = 'cancelled'),
        CASE WHEN old.status = 'done' THEN -coalesce(old.closing_cents, 0) ELSE 0 END
    FROM (SELECT 'type' AS facet, old.job_type_label AS key UNION ALL SELECT 'source', old.partner_label
        UNION ALL SELECT 'contractor', coalesce(CAST(old.contractor_id AS TEXT), '')) f WHERE old.archived_at IS NULL
    ON CONFLICT DO UPDATE SET jobs = jobs + excluded.jobs, done = done + excluded.done,
        cancelled = cancelled + excluded.cancelled, revenue_cents = revenue_cents + excluded.revenue_cents;
    INSERT INTO report_job_facets (office_id, day, facet, key, jobs, done, cancelled, revenue_cents)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'),
        f.facet, f.key, 1, (new.status = 'done'), (new.status = 'cancelled'),
        CASE WHEN new.status = 'done' THEN coalesce(new.closing_cents, 0) ELSE 0 END
    FROM (SELECT 'type' AS facet, new.job_type_label AS key UNION ALL SELECT 'source', new.partner_label
        UNION ALL SELECT 'contractor', coalesce(CAST(new.contractor_id AS TEXT), '')) f WHERE new.archived_at IS NULL
    ON CONFLICT DO UPDATE SET jobs = jobs + excluded.jobs, done = done + excluded.done,
        cancelled = cancelled + excluded.cancelled, revenue_cents = revenue_cents + excluded.revenue_cents;
END;

CREATE TRIGGER report_job_days_delete AFTER DELETE ON jobs WHEN old.archived_at IS NULL BEGIN
    INSERT INTO report_job_days (office_id, day, status, jobs, k_accepted, rebooked, revenue_cents, deposits, deposit_cents, parts_cents)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'),
        old.status, -1, -old.k_confirmed, -(old.rebooked_at IS NOT NULL), -coalesce(old.closing_cents, 0),
        -(coalesce(old.deposit_cents, 0) > 0), -coalesce(old.deposit_cents, 0), -coalesce(old.parts_cents, 0) WHERE true
    ON CONFLICT DO UPDATE SET jobs = jobs + excluded.jobs, k_accepted = k_accepted + excluded.k_accepted,
        rebooked = rebooked + excluded.rebooked, revenue_cents = revenue_cents + excluded.revenue_cents,
        deposits = deposits + excluded.deposits, deposit_cents = deposit_cents + excluded.deposit_cents,
        parts_cents = parts_cents + excluded.parts_cents;
    INSERT INTO report_job_facets (office_id, day, facet, key, jobs, done, cancelled, revenue_cents)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'),
        f.facet, f.key, -1, -(old.status = 'done'), -(old.status = 'cancelled'),
        CASE WHEN old.status = 'done' THEN -coalesce(old.closing_cents, 0) ELSE 0 END
    FROM (SELECT 'type' AS facet, old.job_type_label AS key UNION ALL SELECT 'source', old.partner_label
        UNION ALL SELECT 'contractor', coalesce(CAST(old.contractor_id AS TEXT), '')) f WHERE true
    ON CONFLICT DO UPDATE SET jobs = jobs + excluded.jobs, done = done + excluded.done,
        cancelled = cancelled + excluded.cancelled, revenue_cents = revenue_cents + excluded.revenue_cents;
END;

-- Jobs already in the database, on the calendars the rollups were built with (an office not built
-- yet is built, jobs included, by the next `prepare`).
DELETE FROM report_job_days;
INSERT INTO report_job_days (office_id, day, status, jobs, k_accepted, rebooked, revenue_cents, deposits, deposit_cents, parts_cents)
SELECT j.office_id, date(j.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
        WHERE z.office_id = j.office_id AND z.starts_at <= j.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes') AS day,
    j.status, COUNT(*), SUM(j.k_confirmed), COUNT(j.rebooked_at), SUM(coalesce(j.closing_cents, 0)),
    SUM(coalesce(j.deposit_cents, 0) > 0), SUM(coalesce(j.deposit_cents, 0)), SUM(coalesce(j.parts_cents, 0))
FROM jobs j WHERE j.archived_at IS NULL GROUP BY j.office_id, day, j.status;

INSERT INTO report_job_facets (office_id, day, facet, key, jobs, done, cancelled, revenue_cents)
SELECT j.office_id, date(j.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
        WHERE z.office_id = j.office_id AND z.starts_at <= j.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes') AS day,
    f.facet, CASE f.facet WHEN 'type' THEN j.job_type_label WHEN 'source' THEN j.partner_label
        ELSE coalesce(CAST(j.contractor_id AS TEXT), '') END AS facet_key,
    COUNT(*), SUM(j.status = 'done'), SUM(j.status = 'cancelled'),
    SUM(CASE WHEN j.status = 'done' THEN coalesce(j.closing_cents, 0) ELSE 0 END)
FROM jobs j CROSS JOIN (SELECT 'type' AS facet UNION ALL SELECT 'source' UNION ALL SELECT 'contractor') f
WHERE j.archived_at IS NULL GROUP BY j.office_id, day, f.facet, facet_key;

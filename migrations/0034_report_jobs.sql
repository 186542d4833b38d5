-- Migration number: 0034 	 2026-12-06T11:20:00.000Z
-- The reports' Jobs tab (002 › Reports › Jobs tab): jobs by office, local day of creation and
-- status, kept in step by triggers as the lead rollups of 0014 are, and rebuilt with them by
-- `report_rollups.prepare` (an office never built, or built for another zone).
--
-- Per (office, day, status): the jobs, how many are K-accepted (k_confirmed), how many were rebooked
-- at least once (rebooked_at set), and the sum of their closing amounts (closing_cents; the Jobs
-- tab's Revenue reads the 'done' rows). Archived jobs are not counted (they leave the board); a
-- hard delete or an archive subtracts the row, an unarchive adds it back. The day is the job's
-- created_at on its office's calendar (the zone shifts of 0014).

CREATE TABLE report_job_days (
    office_id      INTEGER NOT NULL,
    day            TEXT NOT NULL,
    status         TEXT NOT NULL,
    jobs           INTEGER NOT NULL DEFAULT 0,
    k_accepted     INTEGER NOT NULL DEFAULT 0,
    rebooked       INTEGER NOT NULL DEFAULT 0,
    revenue_cents  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (office_id, day, status)
) WITHOUT ROWID;

CREATE TRIGGER report_job_days_insert AFTER INSERT ON jobs WHEN new.archived_at IS NULL BEGIN
    INSERT INTO report_job_days (office_id, day, status, jobs, k_accepted, rebooked, revenue_cents)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'),
        new.status, 1, new.k_confirmed, (new.rebooked_at IS NOT NULL), coalesce(new.closing_cents, 0) WHERE true
    ON CONFLICT DO UPDATE SET jobs = jobs + excluded.jobs, k_accepted = k_accepted + excluded.k_accepted,
        rebooked = rebooked + excluded.rebooked, revenue_cents = revenue_cents + excluded.revenue_cents;
END;

CREATE TRIGGER report_job_days_update AFTER UPDATE OF office_id, created_at, status, k_confirmed, rebooked_at, closing_cents, archived_at ON jobs
WHEN old.office_id IS NOT new.office_id OR old.created_at IS NOT new.created_at OR old.status IS NOT new.status
    OR old.k_confirmed IS NOT new.k_confirmed OR (old.rebooked_at IS NULL) IS NOT (new.rebooked_at IS NULL)
    OR old.closing_cents IS NOT new.closing_cents OR (old.archived_at IS NULL) IS NOT (new.archived_at IS NULL) BEGIN
    INSERT INTO report_job_days (office_id, day, status, jobs, k_accepted, rebooked, revenue_cents)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'),
        old.status, -1, -old.k_confirmed, -(old.rebooked_at IS NOT NULL), -coalesce(old.closing_cents, 0)
    WHERE old.archived_at IS NULL
    ON CONFLICT DO UPDATE SET jobs = jobs + excluded.jobs, k_accepted = k_accepted + excluded.k_accepted,
        rebooked = rebooked + excluded.rebooked, revenue_cents = revenue_cents + excluded.revenue_cents;
    INSERT INTO report_job_days (office_id, day, status, jobs, k_accepted, rebooked, revenue_cents)
    SELECT new.office_id, date(new.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = new.office_id AND z.starts_at <= new.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'),
        new.status, 1, new.k_confirmed, (new.rebooked_at IS NOT NULL), coalesce(new.closing_cents, 0)
    WHERE new.archived_at IS NULL
    ON CONFLICT DO UPDATE SET jobs = jobs + excluded.jobs, k_accepted = k_accepted + excluded.k_accepted,
        rebooked = rebooked + excluded.rebooked, revenue_cents = revenue_cents + excluded.revenue_cents;
END;

CREATE TRIGGER report_job_days_delete AFTER DELETE ON jobs WHEN old.archived_at IS NULL BEGIN
    INSERT INTO report_job_days (office_id, day, status, jobs, k_accepted, rebooked, revenue_cents)
    SELECT old.office_id, date(old.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
            WHERE z.office_id = old.office_id AND z.starts_at <= old.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes'),
        old.status, -1, -old.k_confirmed, -(old.rebooked_at IS NOT NULL), -coalesce(old.closing_cents, 0) WHERE true
    ON CONFLICT DO UPDATE SET jobs = jobs + excluded.jobs, k_accepted = k_accepted + excluded.k_accepted,
        rebooked = rebooked + excluded.rebooked, revenue_cents = revenue_cents + excluded.revenue_cents;
END;

-- Jobs already in the database, on the calendars the lead rollups were built with (an office not
-- built yet is built, jobs included, by the next `prepare`).
INSERT INTO report_job_days (office_id, day, status, jobs, k_accepted, rebooked, revenue_cents)
SELECT j.office_id, date(j.created_at, coalesce((SELECT z.minutes FROM report_zone_shifts z
        WHERE z.office_id = j.office_id AND z.starts_at <= j.created_at ORDER BY z.starts_at DESC LIMIT 1), 0) || ' minutes') AS day,
    j.status, COUNT(*), SUM(j.k_confirmed), COUNT(j.rebooked_at), SUM(coalesce(j.closing_cents, 0))
FROM jobs j WHERE j.archived_at IS NULL GROUP BY j.office_id, day, j.status;

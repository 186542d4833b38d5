-- Migration number: 0035 	 2026-12-06T13:10:00.000Z
-- Finance settings and the weekly payment summaries (issue 20: FIN-8, FIN-10; seed 002 › Reports).
--
-- finance_settings: the one row of CP → Finance settings (owner): the Finance outbound SMS line (one
-- of the synced sms_lines; toll-free and no-reply lines are refused by the verb, NUM-3/NUM-4) and
-- whether the weekly per-contractor / per-partner payment summaries send. The Finance email sender is
-- the `finance` row of email_identities (0022), not repeated here.
--
-- finance_summary_sends: one row per (week, recipient), written in the same batch as the outbox email
-- (behind the write guard), so overlapping or late ticks send each recipient's week once. A recipient
-- without a report address gets a row too (outcome 'skipped' with the reason), so it is recorded once.
--
-- job_partners.report_email: where a job partner's weekly summary goes ('' = none, skipped).

CREATE TABLE finance_settings (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    sms_line_id     INTEGER REFERENCES sms_lines (id) ON DELETE SET NULL,
    weekly_enabled  INTEGER NOT NULL DEFAULT 0 CHECK (weekly_enabled IN (0, 1)),
    version         INTEGER NOT NULL DEFAULT 1,
    updated_at      TEXT NOT NULL
);
INSERT INTO finance_settings (id, updated_at) VALUES (1, '2026-12-06T13:10:00Z');

CREATE TABLE finance_summary_sends (
    week_key        TEXT NOT NULL,
    recipient_kind  TEXT NOT NULL CHECK (recipient_kind IN ('contractor', 'job_partner')),
    recipient_id    INTEGER NOT NULL,
    recipient_name  TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    outcome         TEXT NOT NULL CHECK (outcome IN ('sent', 'skipped')),
    reason          TEXT NOT NULL DEFAULT '',
    jobs            INTEGER NOT NULL DEFAULT 0,
    reimbursements  INTEGER NOT NULL DEFAULT 0,
    sent_at         TEXT NOT NULL,
    PRIMARY KEY (week_key, recipient_kind, recipient_id)
) WITHOUT ROWID;
CREATE INDEX finance_summary_sends_recent ON finance_summary_sends (sent_at);

ALTER TABLE job_partners ADD COLUMN report_email TEXT NOT NULL DEFAULT '';

-- The weekly sweep reads a week of Deposit/Done jobs by their date and the jobs finance-cancelled in it.
CREATE INDEX jobs_finance_week ON jobs (date_start) WHERE status IN ('deposit', 'done') AND archived_at IS NULL;
CREATE INDEX jobs_finance_cancelled ON jobs (finance_cancelled_at) WHERE finance_cancelled_at IS NOT NULL;

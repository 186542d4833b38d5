-- Migration number: 0030 	 2026-12-06T10:40:00.000Z
-- Tasks, recurring tasks, the global timeline's index and emailed reports (issue 23; BEHAVIOUR.md §E).
--
-- tasks: assigned to one user OR one office (TSK-1); linked to at most one record as (link_kind,
--   link_id) — lead, customer, job or ticket (TSK-5). `office_id` is the office the task is scoped by
--   (the assignee office, else the linked record's, else none: owner / all-office users only). Done is
--   a conditional write `WHERE done_at IS NULL` (TSK-7). The two partial indexes serve My Tasks, My
--   Office and the 📋 badge (open tasks by assignee, by due time): one indexed read each side.
-- Cascade (TSK-8): a hard delete of a lead or customer takes its tasks (triggers below; archiving
--   deletes nothing), and of a job (0028's table). Tickets get theirs with their own table.
-- task_templates: recurring tasks (RTK-1, RTK-2); cadence daily / weekly (weekday 1=Mon…7=Sun) /
--   monthly (month_day 1–31, clamped to the month's last day, RTK-7); time of day "HH:MM" on a
--   15-minute step in America/New_York.
-- task_occurrences: the idempotency stamp (template_id, occurrence_key) inserted in the same batch as
--   the task it makes (RTK-3, RTK-9); deleting a template keeps its tasks (RTK-4).
-- timeline_feed: the global timeline (newest first by (created_at, id)) over lead and job entries.
-- report_email_settings / report_email_sends: who gets the emailed reports and which periods; one
--   row per (period, window) sent, inserted with the outbox rows so each window goes once.

CREATE TABLE tasks (
    id                 INTEGER PRIMARY KEY,
    title              TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    due_at             TEXT,
    assignee_user_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    assignee_office_id INTEGER REFERENCES offices (id) ON DELETE SET NULL,
    office_id          INTEGER REFERENCES offices (id) ON DELETE SET NULL,
    link_kind          TEXT CHECK (link_kind IS NULL OR link_kind IN ('lead', 'customer', 'job', 'ticket')),
    link_id            INTEGER,
    created_by         INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_by_label   TEXT NOT NULL DEFAULT '',
    template_id        INTEGER,
    occurrence_key     TEXT,
    done_at            TEXT,
    done_by            INTEGER REFERENCES users (id) ON DELETE SET NULL,
    done_by_label      TEXT NOT NULL DEFAULT '',
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    CHECK ((link_kind IS NULL) = (link_id IS NULL))
);
CREATE INDEX tasks_user_open ON tasks (assignee_user_id, due_at) WHERE done_at IS NULL;
CREATE INDEX tasks_office_open ON tasks (assignee_office_id, due_at) WHERE done_at IS NULL;
CREATE INDEX tasks_user_all ON tasks (assignee_user_id, id);
CREATE INDEX tasks_office_all ON tasks (assignee_office_id, id);
CREATE INDEX tasks_scope ON tasks (office_id, id);
CREATE INDEX tasks_link ON tasks (link_kind, link_id);

CREATE TRIGGER tasks_lead_deleted AFTER DELETE ON leads BEGIN
    DELETE FROM tasks WHERE link_kind = 'lead' AND link_id = OLD.id;
END;
CREATE TRIGGER tasks_customer_deleted AFTER DELETE ON customers BEGIN
    DELETE FROM tasks WHERE link_kind = 'customer' AND link_id = OLD.id;
END;

CREATE TRIGGER tasks_job_deleted AFTER DELETE ON jobs BEGIN
    DELETE FROM tasks WHERE link_kind = 'job' AND link_id = OLD.id;
END;
-- The emailed report's Jobs section counts a window's jobs by office and creation day.
CREATE INDEX jobs_office_created ON jobs (office_id, created_at);

CREATE TABLE task_templates (
    id                 INTEGER PRIMARY KEY,
    title              TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    cadence            TEXT NOT NULL CHECK (cadence IN ('daily', 'weekly', 'monthly')),
    weekday            INTEGER CHECK (weekday IS NULL OR weekday BETWEEN 1 AND 7),
    month_day          INTEGER CHECK (month_day IS NULL OR month_day BETWEEN 1 AND 31),
    time_of_day        TEXT NOT NULL,
    assignee_user_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    assignee_office_id INTEGER REFERENCES offices (id) ON DELETE SET NULL,
    active             INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);

CREATE TABLE task_occurrences (
    template_id    INTEGER NOT NULL REFERENCES task_templates (id) ON DELETE CASCADE,
    occurrence_key TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (template_id, occurrence_key)
);

CREATE INDEX timeline_feed ON timeline_entries (created_at, id) WHERE subject_type IN ('lead', 'job');
CREATE INDEX timeline_feed_actor ON timeline_entries (actor_user_id, created_at, id)
    WHERE subject_type IN ('lead', 'job');

CREATE TABLE report_email_settings (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    recipients TEXT NOT NULL DEFAULT '[]',
    daily      INTEGER NOT NULL DEFAULT 0 CHECK (daily IN (0, 1)),
    weekly     INTEGER NOT NULL DEFAULT 0 CHECK (weekly IN (0, 1)),
    monthly    INTEGER NOT NULL DEFAULT 0 CHECK (monthly IN (0, 1)),
    updated_at TEXT NOT NULL
);

CREATE TABLE report_email_sends (
    period     TEXT NOT NULL CHECK (period IN ('daily', 'weekly', 'monthly')),
    window_key TEXT NOT NULL,
    sent_at    TEXT NOT NULL,
    recipients INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (period, window_key)
);

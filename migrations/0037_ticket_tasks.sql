-- Migration number: 0037 	 2026-12-06T13:20:00.000Z
-- Tasks linked to a ticket (issue 23, TSK-5: a task links to at most one lead, job, customer or
-- ticket). 0030's `tasks.link_kind` check already admits 'ticket', so no column changes; what was
-- missing is the cascade of TSK-8: a ticket's hard delete (its own, or its customer's, which
-- cascades to the ticket) takes the ticket's tasks. Closing a ticket or archiving its customer
-- deletes nothing, so the tasks stay.

CREATE TRIGGER tasks_ticket_deleted AFTER DELETE ON tickets BEGIN
    DELETE FROM tasks WHERE link_kind = 'ticket' AND link_id = OLD.id;
END;

-- Only who sees a ticket sees its tasks, the 📋 badge included (`authz.task_ticket_scope`), so the
-- badge's two counts read each open task's link. The two partial indexes now carry every column the
-- counts name — done_at too (always NULL in them: SQLite 3.40 does not count a partial index's own
-- WHERE as covered) — so the badge reads index entries alone, no table row per counted task (0030's
-- read one). The leading columns are 0030's: My Tasks and My Office search them as before.
DROP INDEX tasks_user_open;
DROP INDEX tasks_office_open;
CREATE INDEX tasks_user_open ON tasks (assignee_user_id, due_at, done_at, link_kind, link_id) WHERE done_at IS NULL;
CREATE INDEX tasks_office_open ON tasks (assignee_office_id, due_at, done_at, link_kind, link_id)
    WHERE done_at IS NULL;

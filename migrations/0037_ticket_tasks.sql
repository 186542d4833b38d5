-- Migration number: 0037 	 2026-12-06T13:20:00.000Z
-- Tasks linked to a ticket (issue 23, TSK-5: a task links to at most one lead, job, customer or
-- ticket). 0030's `tasks.link_kind` check already admits 'ticket', so no column changes; what was
-- missing is the cascade of TSK-8: a ticket's hard delete (its own, or its customer's, which
-- cascades to the ticket) takes the ticket's tasks. Closing a ticket or archiving its customer
-- deletes nothing, so the tasks stay.

CREATE TRIGGER tasks_ticket_deleted AFTER DELETE ON tickets BEGIN
    DELETE FROM tasks WHERE link_kind = 'ticket' AND link_id = OLD.id;
END;

"""Tasks (issue 23, BEHAVIOUR.md §E): to-dos assigned to a user or an office and linked to at most one
record, recurring templates that make them on a cron tick, the global timeline's read, and the
reports that email themselves. Sits above customers and messaging (it links leads and customers and
sends through the outbox)."""

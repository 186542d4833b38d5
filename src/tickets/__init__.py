"""Tickets (seed 000, issue 24): a customer's support tickets — number, title, status, the notes,
pasted transcripts and saved troubleshooting chats they hold, and the AI summary's PDF and email
draft. Sits above customers (a ticket belongs to one customer and is scoped through it) and below
the assistant, ops, cron and routes. `record` owns `tickets`, `entries` owns `ticket_entries`,
`summaries` owns `ticket_summaries`; `pdf` writes the summary PDF (pure Python, runs in the Worker).
Linked jobs arrive with issue 20 as a `ticket_jobs` table written by a module here."""

"""Messaging (issue 21): what the business sends and receives — email sender identities and the email
outbox handler (this package), SMS lines, threads, opt-outs and replies from a lead. Sits above
customers (lead and customer replies live here) and below ops, cron and routes. Delivery itself is
the outbox in core (core/outbox.py); providers are in core (core/email.py)."""

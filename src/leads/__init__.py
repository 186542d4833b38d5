"""Leads: intake, the queue, search, what staff do to a lead, sources, snooze sequences, calling
hours, photos, duplicates and conversion into a customer."""

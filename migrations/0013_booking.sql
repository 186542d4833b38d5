-- Migration number: 0013 	 2026-11-24T12:00:00.000Z
-- Online booking embeds (seed 002 "Online Booking"): a public widget a business puts on its own
-- website. Each embed belongs to one office; bookings become leads through src/intake.py with source
-- `online_booking`, so nothing about a booking is stored here.

-- services and callouts are small JSON lists (at most three each, checked by src/booking.py):
--   services: [{"name", "price", "image_key", "image_type"}], callouts: [{"icon", "title", "body"}].
-- Images live in the file store under random keys (logo_key, image_key), not in the row.
-- allowed_domains is a JSON list of host names; empty means any site may frame the widget.
CREATE TABLE booking_embeds (
    id                INTEGER PRIMARY KEY,
    slug              TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name              TEXT NOT NULL,
    office_id         INTEGER NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    open_hour         INTEGER NOT NULL CHECK (open_hour BETWEEN 0 AND 22),
    close_hour        INTEGER NOT NULL CHECK (close_hour BETWEEN 2 AND 24),
    page_title        TEXT NOT NULL DEFAULT '',
    company_name      TEXT NOT NULL DEFAULT '',
    brand_color       TEXT NOT NULL DEFAULT '#2456c9',
    logo_key          TEXT,
    logo_type         TEXT,
    services          TEXT NOT NULL DEFAULT '[]',
    callouts          TEXT NOT NULL DEFAULT '[]',
    confirm_mode      TEXT NOT NULL DEFAULT 'message' CHECK (confirm_mode IN ('message', 'redirect')),
    thank_you_message TEXT NOT NULL DEFAULT '',
    redirect_url      TEXT NOT NULL DEFAULT '',
    allowed_domains   TEXT NOT NULL DEFAULT '[]',
    live              INTEGER NOT NULL DEFAULT 1 CHECK (live IN (0, 1)),
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CHECK (close_hour - open_hour >= 2)
);
CREATE INDEX booking_embeds_office ON booking_embeds (office_id);

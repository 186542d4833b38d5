-- Migration number: 0021 	 2026-12-06T10:30:00.000Z
-- Technicians (issue 19; BEHAVIOUR.md A.19, TECH-1…TECH-6): the office address (the last travel origin,
-- TECH-3), each technician's calendar feed token, and the appointments a technician's day is made of.

-- TECH-3 [A]: offices get an address, geocoded when saved (lat/lng NULL until it is).
ALTER TABLE offices ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE offices ADD COLUMN address_lat REAL CHECK (address_lat BETWEEN -90 AND 90);
ALTER TABLE offices ADD COLUMN address_lng REAL CHECK (address_lng BETWEEN -180 AND 180);

-- TECH-2: one secret feed URL per technician. Only the token's SHA-256 is kept (like sessions and API
-- tokens); rotating replaces it, revoking deletes the row. Written by network/calendar.py.
CREATE TABLE technician_calendar_tokens (
    contractor_id INTEGER PRIMARY KEY REFERENCES contractors (id) ON DELETE CASCADE,
    token_hash    TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL,
    last_used_at  TEXT
);

-- PLACEHOLDER owned by the Jobs issue (20): the appointments a technician's feed and day plan read,
-- until jobs exist. network/appointments.py is the one reader (and the only writer: tests and the demo
-- put fixture rows here); the Jobs issue replaces that module's reads with jobs and drops this table.
-- Times: UTC instants (X-16) plus the local date and zone they were booked in (X-15).
CREATE TABLE technician_appointments (
    id            INTEGER PRIMARY KEY,
    contractor_id INTEGER NOT NULL REFERENCES contractors (id) ON DELETE CASCADE,
    office_id     INTEGER REFERENCES offices (id),
    title         TEXT NOT NULL,
    address       TEXT NOT NULL DEFAULT '',
    lat           REAL CHECK (lat BETWEEN -90 AND 90),
    lng           REAL CHECK (lng BETWEEN -180 AND 180),
    local_date    TEXT NOT NULL,
    time_zone     TEXT NOT NULL,
    starts_at     TEXT NOT NULL,
    ends_at       TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'done', 'cancelled')),
    archived_at   TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK (ends_at >= starts_at)
);
CREATE INDEX technician_appointments_day ON technician_appointments (contractor_id, local_date, starts_at);
CREATE INDEX technician_appointments_time ON technician_appointments (contractor_id, starts_at);

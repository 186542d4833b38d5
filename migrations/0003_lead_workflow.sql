-- Migration number: 0003 	 2026-11-22T18:40:00.000Z
-- Snooze sequences (seed 002 "Snooze sequences") and per-state calling hours.

-- steps: JSON array of minutes; call attempt n schedules the next try steps[n-1] minutes later.
CREATE TABLE snooze_sequences (
    key        TEXT PRIMARY KEY,
    label      TEXT NOT NULL,
    steps      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

INSERT INTO snooze_sequences (key, label, steps, updated_at) VALUES
    -- 22 attempts over ~17 days: days 1–2 and 3–4 get 4 calls in the first 12 h and 2 in the next 12 h,
    -- then one call a day at varying clock hours for 7 days, then 3 calls 48 h apart.
    ('standard', 'Standard',
     '[180,180,180,360,360,1620,180,180,180,360,360,1620,1500,1380,1560,1320,1500,1380,2880,2880,2880,2880]',
     strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('aggressive', 'Aggressive', '[5,10,20,30,60,120,180,720,1440,1440,1440,2880,2880,28800]',
     strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    ('bookback', 'BookBack AI', '[15,15,15,15,15,15,15,480,480,480,480,480,480,480]',
     strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

CREATE TABLE calling_hours (
    state        TEXT PRIMARY KEY,
    start_hour   INTEGER NOT NULL CHECK (start_hour BETWEEN 0 AND 23),
    end_hour     INTEGER NOT NULL CHECK (end_hour BETWEEN 1 AND 24),
    sunday_start INTEGER CHECK (sunday_start BETWEEN 0 AND 23),
    sunday_end   INTEGER CHECK (sunday_end BETWEEN 1 AND 24),
    updated_at   TEXT NOT NULL
) WITHOUT ROWID;

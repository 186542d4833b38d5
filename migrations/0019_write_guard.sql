-- Migration number: 0019 	 2026-12-06T07:15:00.000Z
-- The one write guard (records.guard): a version-guarded change that lost its race stops its whole
-- batch here. A guard statement inserts a row only when its condition fails, and that row breaks the
-- CHECK named `lost_race`, so the statement raises, and the batch (one transaction in both SQLite
-- and D1) rolls back with nothing of it written. The error names the constraint, which is how the
-- storage layer tells a lost race (storage.LostRace) from any other failure. Nothing is ever stored
-- in this table.

CREATE TABLE write_guard (ok INTEGER NOT NULL CONSTRAINT lost_race CHECK (ok = 1));

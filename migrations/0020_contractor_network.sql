-- Migration number: 0020 	 2026-12-06T10:00:00.000Z
-- The contractor network (issue 19; BEHAVIOUR.md A.14–A.17, A.19): job settings, service areas,
-- contractors with their job types, areas and secondary-share terms, and priority zones. Written by
-- src/network/ (one module per table group). Percentages are basis points (X-17: 12.5 % = 1250).
-- Labels and names are unique without regard to case (COLLATE NOCASE on the unique column).

-- Job settings (JS-1…JS-6). A value some record uses is deactivated, never deleted (JS-6).
CREATE TABLE job_types (
    id         INTEGER PRIMARY KEY,
    label      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    position   INTEGER NOT NULL DEFAULT 0,
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE job_partners (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL UNIQUE COLLATE NOCASE,
    keep_rate_bp   INTEGER NOT NULL DEFAULT 0 CHECK (keep_rate_bp BETWEEN 0 AND 10000),
    position       INTEGER NOT NULL DEFAULT 0,
    active         INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE cancel_reasons (
    id         INTEGER PRIMARY KEY,
    label      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    position   INTEGER NOT NULL DEFAULT 0,
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE job_tags (
    id         INTEGER PRIMARY KEY,
    label      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    color      TEXT NOT NULL DEFAULT '#64748b',
    position   INTEGER NOT NULL DEFAULT 0,
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    version    INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One row: the ASK FOR UPDATE attention threshold in hours (JS-5, ATT-10).
CREATE TABLE job_settings (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    ask_for_update_hours INTEGER NOT NULL DEFAULT 24 CHECK (ask_for_update_hours BETWEEN 1 AND 720),
    version              INTEGER NOT NULL DEFAULT 1,
    updated_at           TEXT NOT NULL
);
INSERT INTO job_settings (id, ask_for_update_hours, version, updated_at) VALUES (1, 24, 1, '2026-12-06T00:00:00.000Z');

-- Service areas (SA-1…SA-7): 50-mile pins geocoded from their main ZIP.
CREATE TABLE service_areas (
    id             INTEGER PRIMARY KEY,
    label          TEXT NOT NULL UNIQUE COLLATE NOCASE,
    zip            TEXT NOT NULL CHECK (length(zip) = 5),
    city           TEXT NOT NULL,
    state          TEXT NOT NULL,
    lat            REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng            REAL NOT NULL CHECK (lng BETWEEN -180 AND 180),
    time_zone      TEXT,
    area_code      TEXT NOT NULL DEFAULT '',
    office_address TEXT NOT NULL DEFAULT '',
    version        INTEGER NOT NULL DEFAULT 1,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);
-- Nearest-N and covers-a-ZIP read a latitude band, then a longitude range, from the index alone.
CREATE INDEX service_areas_position ON service_areas (lat, lng, id);
CREATE INDEX service_areas_zip ON service_areas (zip);

-- Contractors (CTR-1…CTR-12): outside companies and in-house technicians (kind).
CREATE TABLE contractors (
    id                 INTEGER PRIMARY KEY,
    kind               TEXT NOT NULL DEFAULT 'company' CHECK (kind IN ('company', 'technician')),
    name               TEXT NOT NULL UNIQUE COLLATE NOCASE,
    email              TEXT NOT NULL DEFAULT '',
    contact_name       TEXT NOT NULL DEFAULT '',
    phone              TEXT NOT NULL DEFAULT '',
    contact2_name      TEXT NOT NULL DEFAULT '',
    phone2             TEXT NOT NULL DEFAULT '',
    notes              TEXT NOT NULL DEFAULT '',
    profit_share_bp    INTEGER CHECK (profit_share_bp BETWEEN 0 AND 10000),
    secondary_share_bp INTEGER CHECK (secondary_share_bp BETWEEN 0 AND 10000),
    active             INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    -- Technicians (TECH-1, TECH-3): home base, the first travel origin after a prior appointment.
    home_address       TEXT NOT NULL DEFAULT '',
    home_zip           TEXT,
    home_city          TEXT,
    home_state         TEXT,
    home_lat           REAL CHECK (home_lat BETWEEN -90 AND 90),
    home_lng           REAL CHECK (home_lng BETWEEN -180 AND 180),
    calendar_url       TEXT NOT NULL DEFAULT '',
    version            INTEGER NOT NULL DEFAULT 1,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);
CREATE INDEX contractors_active ON contractors (active, kind, name);

CREATE TABLE contractor_job_types (
    contractor_id INTEGER NOT NULL REFERENCES contractors (id) ON DELETE CASCADE,
    job_type_id   INTEGER NOT NULL REFERENCES job_types (id),
    PRIMARY KEY (contractor_id, job_type_id)
) WITHOUT ROWID;
CREATE INDEX contractor_job_types_by_type ON contractor_job_types (job_type_id, contractor_id);

CREATE TABLE contractor_areas (
    contractor_id INTEGER NOT NULL REFERENCES contractors (id) ON DELETE CASCADE,
    area_id       INTEGER NOT NULL REFERENCES service_areas (id) ON DELETE CASCADE,
    PRIMARY KEY (contractor_id, area_id)
) WITHOUT ROWID;
CREATE INDEX contractor_areas_by_area ON contractor_areas (area_id, contractor_id);

-- Secondary % terms (CTR-1, FC-5): the ZIPs and the job partners (by name, as uploaded) it applies to.
CREATE TABLE contractor_secondary_zips (
    contractor_id INTEGER NOT NULL REFERENCES contractors (id) ON DELETE CASCADE,
    zip           TEXT NOT NULL CHECK (length(zip) = 5),
    PRIMARY KEY (contractor_id, zip)
) WITHOUT ROWID;

CREATE TABLE contractor_secondary_partners (
    contractor_id INTEGER NOT NULL REFERENCES contractors (id) ON DELETE CASCADE,
    partner_name  TEXT NOT NULL COLLATE NOCASE,
    PRIMARY KEY (contractor_id, partner_name)
) WITHOUT ROWID;

-- Priority zones (PZ-1…PZ-4): a GeoJSON ring ([lng, lat] pairs, closed) of one job type, its bounding
-- box for the cheap first test, and an ordered list of contractors.
CREATE TABLE priority_zones (
    id          INTEGER PRIMARY KEY,
    label       TEXT NOT NULL,
    job_type_id INTEGER NOT NULL REFERENCES job_types (id),
    ring        TEXT NOT NULL,
    min_lat     REAL NOT NULL,
    max_lat     REAL NOT NULL,
    min_lng     REAL NOT NULL,
    max_lng     REAL NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX priority_zones_type ON priority_zones (job_type_id, min_lat, max_lat);

CREATE TABLE priority_zone_contractors (
    zone_id       INTEGER NOT NULL REFERENCES priority_zones (id) ON DELETE CASCADE,
    contractor_id INTEGER NOT NULL REFERENCES contractors (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    PRIMARY KEY (zone_id, contractor_id)
) WITHOUT ROWID;
CREATE INDEX priority_zone_contractors_by_contractor ON priority_zone_contractors (contractor_id);

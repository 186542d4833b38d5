-- Migration number: 0027 	 2026-12-06T10:05:00.000Z
-- Tickets (seed 000) and the CRM assistant (BEHAVIOUR §F.1, issue 24).
--
-- A ticket belongs to one customer. `office_id` records the customer's office when it was opened (for
-- reports); scope always reads the customer row, never this copy. `number` is the T-number people type.
-- Linked jobs arrive with issue 20 as `ticket_jobs (ticket_id, job_id, PRIMARY KEY (ticket_id, job_id))`
-- beside these tables; nothing here needs to change for it.

CREATE TABLE tickets (
    id           INTEGER PRIMARY KEY,
    number       TEXT NOT NULL UNIQUE,               -- T-1001
    customer_id  INTEGER NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    office_id    INTEGER REFERENCES offices (id),
    title        TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'waiting', 'closed')),
    created_by   INTEGER REFERENCES users (id),
    created_at   TEXT NOT NULL,
    closed_by    INTEGER REFERENCES users (id),
    closed_at    TEXT,
    updated_at   TEXT NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1,
    create_key   TEXT                                -- the form's one-time key: a double click opens one
);
CREATE UNIQUE INDEX tickets_create_key ON tickets (customer_id, create_key) WHERE create_key IS NOT NULL;
CREATE INDEX tickets_customer ON tickets (customer_id, status, id);
CREATE INDEX tickets_open ON tickets (status, customer_id) WHERE status != 'closed';

-- The clients list's "Has open tickets" and open-ticket counts (0009 left the view empty).
DROP VIEW customer_open_tickets;
CREATE VIEW customer_open_tickets (customer_id) AS
    SELECT DISTINCT customer_id FROM tickets WHERE status != 'closed';

-- What a ticket holds: notes, pasted transcripts and saved chats (a chat is an assistant
-- conversation; saving the same chat twice — a double click — hits the unique index, one save).
CREATE TABLE ticket_entries (
    id               INTEGER PRIMARY KEY,
    ticket_id        INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('note', 'transcript', 'chat')),
    body             TEXT NOT NULL DEFAULT '',
    conversation_id  INTEGER,
    author_user_id   INTEGER REFERENCES users (id),
    author_label     TEXT NOT NULL DEFAULT '',
    created_at       TEXT NOT NULL,
    save_key         TEXT                            -- the form's one-time key: a double click saves once
);
CREATE UNIQUE INDEX ticket_entries_save_key ON ticket_entries (ticket_id, save_key) WHERE save_key IS NOT NULL;
CREATE INDEX ticket_entries_ticket ON ticket_entries (ticket_id, id);
CREATE UNIQUE INDEX ticket_entries_one_chat ON ticket_entries (ticket_id, conversation_id)
    WHERE conversation_id IS NOT NULL;

-- The AI summary of a ticket: its draft, the PDF in the file store, and the email draft to the
-- customer's primary contact, queued in the outbox only when someone clicks Send.
CREATE TABLE ticket_summaries (
    id                INTEGER PRIMARY KEY,
    ticket_id         INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    recommendations   INTEGER NOT NULL CHECK (recommendations IN (0, 1)),
    summary           TEXT NOT NULL DEFAULT '',
    advice            TEXT NOT NULL DEFAULT '',
    pdf_key           TEXT,
    pdf_filename      TEXT,
    pdf_size          INTEGER,
    pdf_sha256        TEXT,
    email_to          TEXT NOT NULL DEFAULT '',
    email_subject     TEXT NOT NULL DEFAULT '',
    email_text        TEXT NOT NULL DEFAULT '',
    email_message_id  TEXT,
    sent_by           INTEGER REFERENCES users (id),
    sent_at           TEXT,
    created_by        INTEGER REFERENCES users (id),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX ticket_summaries_ticket ON ticket_summaries (ticket_id, id);

-- The assistant: owner settings (model, prices per million tokens, each role's daily cap).
CREATE TABLE assistant_settings (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    model              TEXT NOT NULL,
    input_usd_per_mtok REAL NOT NULL CHECK (input_usd_per_mtok >= 0),
    output_usd_per_mtok REAL NOT NULL CHECK (output_usd_per_mtok >= 0),
    role_caps          TEXT NOT NULL DEFAULT '{}',   -- {"agent": 2.0, ...} dollars a day
    updated_at         TEXT NOT NULL
);

CREATE TABLE assistant_conversations (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    title       TEXT NOT NULL DEFAULT '',
    customer_id INTEGER REFERENCES customers (id) ON DELETE SET NULL,  -- a ticket chat's customer
    ticket_id   INTEGER REFERENCES tickets (id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX assistant_conversations_user ON assistant_conversations (user_id, id);

-- Every turn: the question, the answer, model, tokens, cost (micro-dollars) and its New York day,
-- so a user's spend today is one indexed SUM.
CREATE TABLE assistant_turns (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES assistant_conversations (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id),
    question        TEXT NOT NULL,
    answer          TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    error           TEXT NOT NULL DEFAULT '',
    model           TEXT NOT NULL,
    input_tokens    INTEGER NOT NULL DEFAULT 0,
    output_tokens   INTEGER NOT NULL DEFAULT 0,
    cost_micros     INTEGER NOT NULL DEFAULT 0,
    spend_day       TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    finished_at     TEXT
);
CREATE INDEX assistant_turns_conversation ON assistant_turns (conversation_id, id);
CREATE INDEX assistant_turns_spend ON assistant_turns (user_id, spend_day, cost_micros);

CREATE TABLE assistant_tool_calls (
    id          INTEGER PRIMARY KEY,
    turn_id     INTEGER NOT NULL REFERENCES assistant_turns (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    name        TEXT NOT NULL,
    input_json  TEXT NOT NULL,
    output_json TEXT NOT NULL,
    UNIQUE (turn_id, seq)
);

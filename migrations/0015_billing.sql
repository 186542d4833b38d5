-- Migration number: 0015 	 2026-11-24T20:00:00.000Z
-- Billing on top of the imported QuickBooks objects (docs/quickbooks.md, "Billing" and "Customer
-- identity"): people's decisions in the "QuickBooks matches" review queue, and the outbox of writes
-- to QuickBooks (estimate status) that a request or the sync tick sends.

-- A person's decision about an imported QuickBooks customer that is *not* a link: "ignored" (not a
-- Porchlight customer: a vendor-like account, a duplicate) or "unlinked" (a link was undone). Either
-- stops the auto-linker from linking it again; linking it by hand or creating a customer from it
-- deletes the row. The link itself is `customers.quickbooks_customer_id` (migration 0008), the one
-- place every reader looks (the link verbs refuse a QuickBooks id another customer already holds;
-- not a unique index, because a merge briefly has the id on both rows inside its batch).
CREATE TABLE quickbooks_match_decisions (
    realm_id    TEXT NOT NULL,
    qbo_id      TEXT NOT NULL,
    decision    TEXT NOT NULL CHECK (decision IN ('ignored', 'unlinked')),
    decided_at  TEXT NOT NULL,
    decided_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    PRIMARY KEY (realm_id, qbo_id)
) WITHOUT ROWID;

-- Pending writes to QuickBooks. A row is claimed with a conditional UPDATE (`claimed_until`), sent
-- as a sparse update with the current SyncToken and a `request_id` fixed when the row was made (so a
-- send repeated after a lost answer is replayed by QuickBooks, never applied twice), and finished in
-- the same batch that stores the object QuickBooks sent back.
--   status: pending → done | failed (a permanent refusal, or MAX_ATTEMPTS transient failures)
--   change: the fields to set, as JSON, e.g. {"TxnStatus": "Accepted"}
CREATE TABLE quickbooks_outbox (
    id            INTEGER PRIMARY KEY,
    realm_id      TEXT NOT NULL,
    entity        TEXT NOT NULL,
    qbo_id        TEXT NOT NULL,
    change        TEXT NOT NULL,
    request_id    TEXT NOT NULL UNIQUE,
    status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    claimed_until TEXT,
    last_error    TEXT,
    created_at    TEXT NOT NULL,
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    finished_at   TEXT,
    updated_at    TEXT NOT NULL
);
CREATE INDEX quickbooks_outbox_pending ON quickbooks_outbox (status, id) WHERE status = 'pending';
CREATE INDEX quickbooks_outbox_object ON quickbooks_outbox (realm_id, entity, qbo_id, id);

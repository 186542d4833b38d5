-- Migration number: 0009 	 2026-11-22T21:00:00.000Z
-- The clients list at 200,000 customers (docs/performance.md, "The clients list"), customer tags,
-- and the open-records tray.

-- Builds on 0008 (the customer record): `customer_tags`, `customer_addresses` and
-- `customers.quickbooks_customer_id` ("not matched to QuickBooks" = NULL) come from there.

-- List indexes. Each holds every column the list filters on, so a read decides on each entry without
-- visiting the table, and `customer_list` names the one to use (INDEXED BY). `name COLLATE NOCASE, id`
-- is the list's order: every index that has it right after its equality columns hands out a page
-- already sorted.
CREATE INDEX customers_l_name ON customers
    (archived_at, name COLLATE NOCASE, id, office_id, status, source, quickbooks_customer_id);
CREATE INDEX customers_l_newest ON customers (archived_at, id, office_id, status, source, quickbooks_customer_id);
CREATE INDEX customers_l_office ON customers
    (office_id, archived_at, name COLLATE NOCASE, id, status, source, quickbooks_customer_id);
CREATE INDEX customers_l_status ON customers
    (status, archived_at, name COLLATE NOCASE, id, office_id, source, quickbooks_customer_id);
CREATE INDEX customers_l_source ON customers
    (source, archived_at, name COLLATE NOCASE, id, office_id, status, quickbooks_customer_id);
CREATE INDEX customers_l_unmatched ON customers (archived_at, name COLLATE NOCASE, id, office_id, status, source)
    WHERE quickbooks_customer_id IS NULL;

-- "Has open tickets": tickets do not exist yet, so this answers no customer. The Tickets migration
-- replaces the view (DROP VIEW, then CREATE VIEW … AS SELECT customer_id FROM tickets WHERE <open>)
-- and the list's filter works unchanged.
CREATE VIEW customer_open_tickets (customer_id) AS SELECT NULL WHERE 0;

-- Search: substring match through FTS5's trigram tokenizer, one row per customer (rowid = id) with
-- the customer's own fields, every contact's names, emails and phone digits, every address, and its
-- tags. The row is rebuilt whole whenever any of those change, so the table keeps its own copy of
-- the text (not contentless: deleting a row then needs only its rowid). `customer_search_text` is
-- that text; the triggers below and the backfill read it.
CREATE VIEW customer_search_text (id, terms) AS
SELECT c.id,
    c.display_id || char(10) || c.name || char(10) || c.company || char(10) || c.email || char(10) || c.address
    || char(10) || c.zip || char(10) || coalesce(c.phone_last10, '') || char(10) || coalesce(c.quickbooks_customer_id, '')
    || char(10) || coalesce((SELECT group_concat(p.name || char(10) || p.email || char(10) || p.alt_email
        || char(10) || coalesce(p.phone_last10, '') || char(10) || coalesce(p.alt_phone_last10, ''), char(10))
        FROM customer_contacts p WHERE p.customer_id = c.id), '')
    || char(10) || coalesce((SELECT group_concat(a.line1 || ' ' || a.line2 || char(10) || a.city || char(10) || a.zip,
        char(10)) FROM customer_addresses a WHERE a.customer_id = c.id), '')
    || char(10) || coalesce((SELECT group_concat(t.tag, char(10)) FROM customer_tags t WHERE t.customer_id = c.id), '')
FROM customers c;

CREATE VIRTUAL TABLE customer_terms USING fts5(terms, tokenize = 'trigram');

INSERT INTO customer_terms (rowid, terms) SELECT id, terms FROM customer_search_text;

CREATE TRIGGER customers_terms_insert AFTER INSERT ON customers BEGIN
    INSERT INTO customer_terms (rowid, terms) SELECT id, terms FROM customer_search_text WHERE id = new.id;
END;

CREATE TRIGGER customers_terms_update
AFTER UPDATE OF display_id, name, company, email, address, zip, phone_last10, quickbooks_customer_id ON customers BEGIN
    DELETE FROM customer_terms WHERE rowid = old.id;
    INSERT INTO customer_terms (rowid, terms) SELECT id, terms FROM customer_search_text WHERE id = new.id;
END;

CREATE TRIGGER customers_terms_delete AFTER DELETE ON customers BEGIN
    DELETE FROM customer_terms WHERE rowid = old.id;
END;

CREATE TRIGGER customer_contacts_terms_insert AFTER INSERT ON customer_contacts BEGIN
    DELETE FROM customer_terms WHERE rowid = new.customer_id;
    INSERT INTO customer_terms (rowid, terms) SELECT id, terms FROM customer_search_text WHERE id = new.customer_id;
END;

-- A contact moved to another customer (merging) changes both.
CREATE TRIGGER customer_contacts_terms_update
AFTER UPDATE OF customer_id, name, email, alt_email, phone_last10, alt_phone_last10 ON customer_contacts BEGIN
    DELETE FROM customer_terms WHERE rowid IN (old.customer_id, new.customer_id);
    INSERT INTO customer_terms (rowid, terms)
        SELECT id, terms FROM customer_search_text WHERE id IN (old.customer_id, new.customer_id);
END;

CREATE TRIGGER customer_contacts_terms_delete AFTER DELETE ON customer_contacts BEGIN
    DELETE FROM customer_terms WHERE rowid = old.customer_id;
    INSERT INTO customer_terms (rowid, terms) SELECT id, terms FROM customer_search_text WHERE id = old.customer_id;
END;

CREATE TRIGGER customer_tags_terms_insert AFTER INSERT ON customer_tags BEGIN
    DELETE FROM customer_terms WHERE rowid = new.customer_id;
    INSERT INTO customer_terms (rowid, terms) SELECT id, terms FROM customer_search_text WHERE id = new.customer_id;
END;

CREATE TRIGGER customer_tags_terms_delete AFTER DELETE ON customer_tags BEGIN
    DELETE FROM customer_terms WHERE rowid = old.customer_id;
    INSERT INTO customer_terms (rowid, terms) SELECT id, terms FROM customer_search_text WHERE id = old.customer_id;
END;

CREATE TRIGGER customer_addresses_terms_insert AFTER INSERT ON customer_addresses BEGIN
    DELETE FROM customer_terms WHERE rowid = new.customer_id;
    INSERT INTO customer_terms (rowid, terms) SELECT id, terms FROM customer_search_text WHERE id = new.customer_id;
END;

CREATE TRIGGER customer_addresses_terms_update
AFTER UPDATE OF customer_id, line1, line2, city, zip ON customer_addresses BEGIN
    DELETE FROM customer_terms WHERE rowid IN (old.customer_id, new.customer_id);
    INSERT INTO customer_terms (rowid, terms)
        SELECT id, terms FROM customer_search_text WHERE id IN (old.customer_id, new.customer_id);
END;

CREATE TRIGGER customer_addresses_terms_delete AFTER DELETE ON customer_addresses BEGIN
    DELETE FROM customer_terms WHERE rowid = old.customer_id;
    INSERT INTO customer_terms (rowid, terms) SELECT id, terms FROM customer_search_text WHERE id = old.customer_id;
END;

-- The open-records tray: leads and customers a user pinned, in pinning order. Per user, so it
-- outlives sessions; a pin on a record the user can no longer see is skipped on read and cleared on
-- the next pin. Deleting a record unpins it everywhere.
CREATE TABLE open_records (
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL CHECK (kind IN ('lead', 'customer')),
    record_id INTEGER NOT NULL,
    position  INTEGER NOT NULL,
    pinned_at TEXT NOT NULL,
    PRIMARY KEY (user_id, kind, record_id)
) WITHOUT ROWID;
CREATE INDEX open_records_record ON open_records (kind, record_id);

CREATE TRIGGER leads_unpin_deleted AFTER DELETE ON leads BEGIN
    DELETE FROM open_records WHERE kind = 'lead' AND record_id = old.id;
END;

CREATE TRIGGER customers_unpin_deleted AFTER DELETE ON customers BEGIN
    DELETE FROM open_records WHERE kind = 'customer' AND record_id = old.id;
END;

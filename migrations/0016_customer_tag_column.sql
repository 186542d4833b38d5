-- Migration number: 0016 	 2026-11-25T12:00:00.000Z
-- The clients list's tag filter on index entries (docs/performance.md, "The clients list"): each
-- customer's tags as one delimited column on `customers`, kept by triggers on `customer_tags`, and
-- the list indexes of 0009 rebuilt with it at the end.

-- `tags` is derived, never written by the app: '' without tags, else '|' between and around the
-- lower-cased tags in A–Z order ('|commercial|vip|'). A tag cannot hold '|' (customer_tags.normalize),
-- so `instr(tags, '|commercial|') > 0` is an exact test, with no LIKE wildcards ('_') to escape.
-- `customer_tags` stays the truth: the record, the tag vocabulary and the filter's small-tag path
-- read it.
ALTER TABLE customers ADD COLUMN tags TEXT NOT NULL DEFAULT '';

UPDATE customers SET tags = coalesce(
    (SELECT '|' || group_concat(tag, '|') || '|'
        FROM (SELECT lower(tag) AS tag FROM customer_tags WHERE customer_id = customers.id ORDER BY 1)), '')
WHERE id IN (SELECT customer_id FROM customer_tags);

-- Rebuilt whole from `customer_tags` on every change, so the column cannot drift from the rows. A
-- merge moves tags with INSERT OR IGNORE on the keeper and DELETE on the other, so both follow; a
-- hard delete cascades to the tags and the update then finds no customer row, which is harmless.
-- Only `tags` changes: the customer's version and updated_at stay, like when tagging before 0016.
CREATE TRIGGER customer_tags_column_insert AFTER INSERT ON customer_tags BEGIN
    UPDATE customers SET tags = coalesce(
        (SELECT '|' || group_concat(tag, '|') || '|'
            FROM (SELECT lower(tag) AS tag FROM customer_tags WHERE customer_id = customers.id ORDER BY 1)), '')
    WHERE id = new.customer_id;
END;

CREATE TRIGGER customer_tags_column_update AFTER UPDATE OF customer_id, tag ON customer_tags BEGIN
    UPDATE customers SET tags = coalesce(
        (SELECT '|' || group_concat(tag, '|') || '|'
            FROM (SELECT lower(tag) AS tag FROM customer_tags WHERE customer_id = customers.id ORDER BY 1)), '')
    WHERE id IN (old.customer_id, new.customer_id);
END;

CREATE TRIGGER customer_tags_column_delete AFTER DELETE ON customer_tags BEGIN
    UPDATE customers SET tags = coalesce(
        (SELECT '|' || group_concat(tag, '|') || '|'
            FROM (SELECT lower(tag) AS tag FROM customer_tags WHERE customer_id = customers.id ORDER BY 1)), '')
    WHERE id = old.customer_id;
END;

-- The list indexes of 0009 again, each with `tags` last: a tag filter beside another filter is then
-- decided on the entries of that filter's index, without a probe of `customer_tags` per entry.
DROP INDEX customers_l_name;
DROP INDEX customers_l_newest;
DROP INDEX customers_l_office;
DROP INDEX customers_l_status;
DROP INDEX customers_l_source;
DROP INDEX customers_l_unmatched;

CREATE INDEX customers_l_name ON customers
    (archived_at, name COLLATE NOCASE, id, office_id, status, source, quickbooks_customer_id, tags);
CREATE INDEX customers_l_newest ON customers
    (archived_at, id, office_id, status, source, quickbooks_customer_id, tags);
CREATE INDEX customers_l_office ON customers
    (office_id, archived_at, name COLLATE NOCASE, id, status, source, quickbooks_customer_id, tags);
CREATE INDEX customers_l_status ON customers
    (status, archived_at, name COLLATE NOCASE, id, office_id, source, quickbooks_customer_id, tags);
CREATE INDEX customers_l_source ON customers
    (source, archived_at, name COLLATE NOCASE, id, office_id, status, quickbooks_customer_id, tags);
CREATE INDEX customers_l_unmatched ON customers
    (archived_at, name COLLATE NOCASE, id, office_id, status, source, tags)
    WHERE quickbooks_customer_id IS NULL;

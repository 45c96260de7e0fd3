-- PostgreSQL has no NOCASE collation and no RAISE() in triggers: client numbers are compared
-- as LOWER(client_ref), and a partial unique index keeps one live customer per number.

-- replaces: CREATE INDEX customers_client_ref
CREATE INDEX customers_client_ref ON customers (LOWER(client_ref))
    WHERE client_ref IS NOT NULL;

-- replaces: CREATE TRIGGER customers_client_ref_unique_insert
CREATE UNIQUE INDEX customers_client_ref_live ON customers (LOWER(client_ref))
    WHERE client_ref IS NOT NULL AND erased_at IS NULL;

-- replaces: CREATE TRIGGER customers_client_ref_unique_update
-- (nothing: the unique index above holds for updates too)

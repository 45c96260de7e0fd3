-- Client numbers are looked up as LOWER(client_ref) on both engines (PostgreSQL has no
-- NOCASE collation); this index serves that form here.
CREATE INDEX customers_client_ref_lower ON customers(LOWER(client_ref))
    WHERE client_ref IS NOT NULL;

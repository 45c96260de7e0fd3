-- Early warning on churn: each company client's weekly transaction volume, imported from the
-- bank's files, and the alerts raised when a week falls well below the recent averages.

-- The bank's client number, unique per bank among live (not erased) customers; compared
-- without regard to case ('cif001' is 'CIF001').
ALTER TABLE customers ADD COLUMN client_ref TEXT;
CREATE INDEX customers_owner_client_ref ON customers(owner_id, client_ref);
CREATE INDEX customers_client_ref ON customers(client_ref COLLATE NOCASE)
    WHERE client_ref IS NOT NULL;

-- The import checks uniqueness and says which rows conflict; these triggers keep any other
-- path (the card's field editor) from giving one client number to two live customers.
CREATE TRIGGER customers_client_ref_unique_insert
BEFORE INSERT ON customers
WHEN NEW.client_ref IS NOT NULL AND NEW.erased_at IS NULL AND EXISTS (
    SELECT 1 FROM customers
    WHERE client_ref = NEW.client_ref COLLATE NOCASE AND erased_at IS NULL)
BEGIN
    SELECT RAISE(ABORT, 'client_ref already belongs to another customer');
END;

CREATE TRIGGER customers_client_ref_unique_update
BEFORE UPDATE OF client_ref ON customers
WHEN NEW.client_ref IS NOT NULL AND NEW.erased_at IS NULL AND EXISTS (
    SELECT 1 FROM customers
    WHERE client_ref = NEW.client_ref COLLATE NOCASE AND erased_at IS NULL AND id != NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'client_ref already belongs to another customer');
END;

-- One row per client and week (the Monday of the ISO week, YYYY-MM-DD): a week imported again
-- replaces its row, never adds a second one.
CREATE TABLE weekly_volumes (
    client_ref   TEXT NOT NULL,
    week         TEXT NOT NULL,
    volume       REAL NOT NULL,
    currency     TEXT,
    imported_at  TEXT NOT NULL,
    PRIMARY KEY (client_ref, week)
);

-- An alert is raised once per client-week; the figures are those of the last import.
CREATE TABLE churn_alerts (
    id           INTEGER PRIMARY KEY,
    client_ref   TEXT NOT NULL,
    week         TEXT NOT NULL,
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    drop_4w      REAL,
    drop_13w     REAL,
    volume       REAL NOT NULL,
    avg_4w       REAL,
    avg_13w      REAL,
    created_at   TEXT NOT NULL,
    UNIQUE (client_ref, week)
);
CREATE INDEX churn_alerts_customer ON churn_alerts(customer_id, week);

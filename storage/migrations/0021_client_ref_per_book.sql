-- A client number is unique within one RM's book, no longer across the bank: refusing a
-- number because someone else holds it told an RM what is in another's book. Two books
-- holding the same number are told to the team lead (or the administrators) instead.
DROP TRIGGER customers_client_ref_unique_insert;

DROP TRIGGER customers_client_ref_unique_update;

-- LOWER() as every lookup of a client number does, on both engines.
CREATE UNIQUE INDEX customers_client_ref_book ON customers(owner_id, LOWER(client_ref))
    WHERE client_ref IS NOT NULL AND erased_at IS NULL;

-- A client-week falling raises one alert per customer holding the number (two books may).
CREATE TABLE churn_alerts_new (
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
    UNIQUE (client_ref, week, customer_id)
);

INSERT INTO churn_alerts_new (id, client_ref, week, customer_id, drop_4w, drop_13w, volume,
                              avg_4w, avg_13w, created_at)
    SELECT id, client_ref, week, customer_id, drop_4w, drop_13w, volume, avg_4w, avg_13w,
           created_at FROM churn_alerts;

DROP TABLE churn_alerts;

ALTER TABLE churn_alerts_new RENAME TO churn_alerts;

CREATE INDEX churn_alerts_customer ON churn_alerts(customer_id, week);

-- PostgreSQL kept one live customer per number with a unique index (0007), and can change
-- a table's unique constraint in place.

-- replaces: DROP TRIGGER customers_client_ref_unique_insert
DROP INDEX customers_client_ref_live;

-- replaces: DROP TRIGGER customers_client_ref_unique_update
-- (nothing: 0007 made no trigger here)

-- replaces: CREATE TABLE churn_alerts_new
ALTER TABLE churn_alerts DROP CONSTRAINT churn_alerts_client_ref_week_key;
ALTER TABLE churn_alerts ADD CONSTRAINT churn_alerts_client_ref_week_customer_id_key
    UNIQUE (client_ref, week, customer_id);

-- replaces: INSERT INTO churn_alerts_new
-- (nothing: the table is changed in place)

-- replaces: DROP TABLE churn_alerts
-- (nothing)

-- replaces: ALTER TABLE churn_alerts_new
-- (nothing)

-- replaces: CREATE INDEX churn_alerts_customer
-- (nothing: the index is kept)

-- What the dispatcher needs: each RM's agenda time and quiet hours, and per reminder a
-- version that every action bumps (so a stale button works once, never twice).
ALTER TABLE staff ADD COLUMN agenda_time TEXT NOT NULL DEFAULT '08:00';
ALTER TABLE staff ADD COLUMN quiet_start TEXT NOT NULL DEFAULT '21:00';
ALTER TABLE staff ADD COLUMN quiet_end TEXT NOT NULL DEFAULT '07:30';

ALTER TABLE reminders ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reminders ADD COLUMN message_id INTEGER;
ALTER TABLE reminders ADD COLUMN last_error TEXT;
CREATE INDEX reminders_claim ON reminders(status, claimed_until);

-- Products a customer holds that mature (deposits, loans): care reminders before the date.
CREATE TABLE holdings (
    id            INTEGER PRIMARY KEY,
    customer_id   INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    product       TEXT NOT NULL,
    amount        TEXT,
    currency      TEXT,
    maturity_date TEXT,                 -- YYYY-MM-DD, the customer's local date
    created_at    TEXT NOT NULL
);
CREATE INDEX holdings_maturity ON holdings(maturity_date);

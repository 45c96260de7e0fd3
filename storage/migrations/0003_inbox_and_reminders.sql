-- Things an RM sent that still wait for a customer (a file, a forwarded message, a note),
-- and the reminders the dispatcher delivers. Both are rows, so nothing lives only in memory.
CREATE TABLE inbox (
    id          INTEGER PRIMARY KEY,
    staff_id    INTEGER NOT NULL REFERENCES staff(id),
    kind        TEXT NOT NULL,           -- an interaction kind: note, file, ...
    text        TEXT NOT NULL DEFAULT '',
    file_id     TEXT,
    file_type   TEXT,
    file_name   TEXT,
    created_at  TEXT NOT NULL,
    filed_at    TEXT                     -- when it was attached to a customer
);
CREATE INDEX inbox_open ON inbox(staff_id, filed_at);

CREATE TABLE reminders (
    id            INTEGER PRIMARY KEY,
    staff_id      INTEGER NOT NULL REFERENCES staff(id),
    customer_id   INTEGER REFERENCES customers(id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,         -- followup, appointment, care, birthday, ...
    text          TEXT NOT NULL DEFAULT '',
    due_at        TEXT NOT NULL,
    urgent        INTEGER NOT NULL DEFAULT 0,   -- urgent ones ignore quiet hours
    status        TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sending', 'sent', 'done', 'cancelled')),
    rule_key      TEXT UNIQUE,           -- set by care rules so a rule never creates twice
    attempts      INTEGER NOT NULL DEFAULT 0,
    claimed_by    TEXT,
    claimed_until TEXT,
    sent_at       TEXT,
    late          INTEGER NOT NULL DEFAULT 0,
    done_at       TEXT,
    outcome       TEXT,
    created_at    TEXT NOT NULL
);
CREATE INDEX reminders_due ON reminders(status, due_at);
CREATE INDEX reminders_customer ON reminders(customer_id, status);
CREATE INDEX reminders_staff ON reminders(staff_id, status, due_at);

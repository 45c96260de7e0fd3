-- Notes that fill the file (issue 17): what a note mentioned that the customer's file was
-- missing, offered to the RM one tap each. One row per customer and thing (``what``: a
-- digest of the number, the deal, the moment or the day), so a dismissed one is never offered
-- again and a taken one is on the file; a button takes it once however often it is pressed.
-- ``value`` holds what taking it writes, and is cleared once it is answered.
CREATE TABLE suggestions (
    id           INTEGER PRIMARY KEY,
    staff_id     INTEGER NOT NULL REFERENCES staff(id),
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('phone', 'deal', 'follow_up', 'birthday')),
    what         TEXT NOT NULL,
    value        TEXT NOT NULL,             -- JSON: what taking it writes ('{}' once answered)
    status       TEXT NOT NULL DEFAULT 'open'
                 CHECK (status IN ('open', 'applied', 'dismissed')),
    created_at   TEXT NOT NULL,
    decided_at   TEXT,
    UNIQUE (customer_id, kind, what)
);

-- A customer import read and checked, waiting for the RM to press Apply (or Cancel). Kept
-- here rather than in memory so the button works after a restart and on any replica.
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    owner_id    INTEGER NOT NULL REFERENCES staff(id),
    file_name   TEXT NOT NULL DEFAULT '',
    payload     TEXT NOT NULL,        -- JSON {"creates": [...], "updates": [...]}; '{}' once done
    creates     INTEGER NOT NULL,
    updates     INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,
    rejected    INTEGER NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'applied', 'cancelled')),
    created_at  TEXT NOT NULL,
    done_at     TEXT
);
CREATE INDEX imports_owner ON imports(owner_id, status);

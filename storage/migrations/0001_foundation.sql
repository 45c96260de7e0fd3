-- Staff, teams, invites, and the bookkeeping every update needs.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- One row per registered member of staff; the id is their Telegram user id.
CREATE TABLE staff (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    username    TEXT,
    role        TEXT NOT NULL CHECK (role IN ('rm', 'lead', 'admin')),
    team_id     INTEGER REFERENCES teams(id) ON DELETE SET NULL,
    language    TEXT,             -- NULL until chosen: Telegram's language is used meanwhile
    timezone    TEXT NOT NULL,
    region      TEXT NOT NULL,    -- default phone region (the RM's market)
    active      INTEGER NOT NULL DEFAULT 1,
    reachable   INTEGER NOT NULL DEFAULT 1,  -- 0 once Telegram says the user blocked the bot
    invited_by  INTEGER,
    created_at  TEXT NOT NULL
);
CREATE INDEX staff_team ON staff(team_id);

CREATE TABLE invites (
    code        TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('rm', 'lead', 'admin')),
    team_id     INTEGER REFERENCES teams(id) ON DELETE SET NULL,
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_by     INTEGER,
    used_at     TEXT
);

-- Telegram may deliver an update twice (retries, two replicas polling): remember each id.
CREATE TABLE processed_updates (
    update_id   INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL
);
CREATE INDEX processed_updates_received ON processed_updates(received_at);

-- The step a user is at in a multi-message flow, kept here rather than in process memory.
CREATE TABLE chat_states (
    user_id    INTEGER NOT NULL,
    chat_id    INTEGER NOT NULL,
    flow       TEXT NOT NULL,
    data       TEXT NOT NULL DEFAULT '{}',
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, chat_id)
);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor_id  INTEGER,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT,
    detail    TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);

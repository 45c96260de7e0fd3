-- The product catalog (issue 5): product groups per segment and their products, each with a
-- FABE pitch in every language. Loaded from a file by an administrator; a product missing from
-- a newer file is deactivated, never deleted, because posts and leads refer to it by id.
CREATE TABLE product_groups (
    id        INTEGER PRIMARY KEY,
    code      TEXT NOT NULL UNIQUE,          -- ASCII slug, [a-z0-9_-]{1,24}
    segment   TEXT NOT NULL CHECK (segment IN ('individual', 'company')),
    names     TEXT NOT NULL DEFAULT '{}',    -- JSON {language: text}
    position  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE products (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,        -- ASCII slug, [a-z0-9_-]{1,24}
    group_id    INTEGER NOT NULL REFERENCES product_groups(id),
    names       TEXT NOT NULL DEFAULT '{}',  -- JSON {language: text}
    pitch       TEXT NOT NULL DEFAULT '{}',  -- JSON {language: {feature, advantage, benefit, evidence}}
    rates       TEXT,                        -- JSON {language: text}, or NULL
    active      INTEGER NOT NULL DEFAULT 1,
    position    INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL
);
CREATE INDEX products_group ON products(group_id, active, position);

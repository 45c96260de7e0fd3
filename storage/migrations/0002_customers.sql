-- The customer file (basic, cultivation and product parts), its interactions, and the
-- small tables that let a chat refer back to a card or a search.
CREATE TABLE customers (
    id                INTEGER PRIMARY KEY,
    owner_id          INTEGER NOT NULL REFERENCES staff(id),
    name              TEXT NOT NULL DEFAULT '',
    phone             TEXT,                 -- E.164
    segment           TEXT NOT NULL DEFAULT 'individual'
                      CHECK (segment IN ('individual', 'household', 'sme', 'corporate')),
    grade             TEXT CHECK (grade IN ('A', 'B', 'C', 'VIP')),
    stage             TEXT NOT NULL DEFAULT 'find'
                      CHECK (stage IN ('find', 'contact', 'consult', 'follow', 'won', 'care', 'lost')),
    lost_reason       TEXT,
    source            TEXT CHECK (source IN ('street', 'walkin', 'referral', 'merchant_group', 'other')),
    referred_by       INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    referrer          TEXT,                 -- who referred them, when not a customer on file
    birthday          TEXT,                 -- YYYY-MM-DD or --MM-DD when the year is unknown
    birthday_lunar    INTEGER NOT NULL DEFAULT 0,
    birthday_leap     INTEGER NOT NULL DEFAULT 0,
    company           TEXT,
    family            TEXT,
    income            TEXT,
    products_held     TEXT,
    products_wanted   TEXT,
    tags              TEXT,
    about             TEXT,
    language          TEXT,                 -- for greetings the RM sends the customer
    search_key        TEXT NOT NULL DEFAULT '',
    phone_key         TEXT NOT NULL DEFAULT '',
    last_contact_at   TEXT,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    archived_at       TEXT,
    erased_at         TEXT                  -- personal data erased; the row stays for counts
);
CREATE INDEX customers_owner ON customers(owner_id, archived_at, erased_at);
CREATE INDEX customers_owner_stage ON customers(owner_id, stage);
CREATE INDEX customers_owner_phone ON customers(owner_id, phone);

CREATE TABLE interactions (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    staff_id     INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('call', 'visit', 'meeting', 'message', 'note',
                                               'complaint', 'stage', 'file')),
    happened_at  TEXT NOT NULL,
    text         TEXT NOT NULL DEFAULT '',
    file_id      TEXT,
    file_type    TEXT,
    file_name    TEXT,
    detail       TEXT NOT NULL DEFAULT '{}',
    created_at   TEXT NOT NULL
);
CREATE INDEX interactions_customer ON interactions(customer_id, happened_at);
CREATE INDEX interactions_staff ON interactions(staff_id, happened_at);

-- Which customer a card message shows, so a reply to the card becomes a note.
CREATE TABLE card_messages (
    chat_id      INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);

-- A search the RM ran, so its result pages can be turned with short button data.
CREATE TABLE searches (
    id          INTEGER PRIMARY KEY,
    staff_id    INTEGER NOT NULL,
    query       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

ALTER TABLE staff ADD COLUMN text_mode TEXT NOT NULL DEFAULT 'search'
    CHECK (text_mode IN ('search', 'note'));

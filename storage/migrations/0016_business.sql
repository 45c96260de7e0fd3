-- Telegram Business (issue 17): an RM's own Telegram account connected to the bot as a
-- business bot, the customer chats seen through it, and each message's place on the file.

-- A connection Telegram reported; only registered staff's are kept (others are ignored).
CREATE TABLE business_connections (
    id            TEXT PRIMARY KEY,          -- Telegram's business_connection_id
    staff_id      INTEGER NOT NULL REFERENCES staff(id),
    enabled       INTEGER NOT NULL,
    can_reply     INTEGER NOT NULL,          -- the bot may send as the RM (rights.can_reply)
    connected_at  TEXT NOT NULL,             -- when the RM connected (Telegram's date)
    updated_at    TEXT NOT NULL
);
CREATE INDEX business_connections_staff ON business_connections(staff_id, updated_at);

-- A private chat of the RM's seen through a connection, by the other person's Telegram id:
-- who wrote first, the prospect offer made once (with the name and number to save, kept only
-- while it is open), the day's "message" contact on the file, and the customer's last
-- message (Telegram lets a business bot reply for 24 hours after it).
CREATE TABLE business_chats (
    staff_id          INTEGER NOT NULL REFERENCES staff(id),
    user_id           INTEGER NOT NULL,
    first_from        TEXT NOT NULL CHECK (first_from IN ('customer', 'staff')),
    first_at          TEXT NOT NULL,
    offered_at        TEXT,
    offer_name        TEXT,
    offer_phone       TEXT,                  -- E.164, when they shared their number
    day               TEXT,                  -- the RM's local date of day_interaction_id
    day_interaction_id INTEGER REFERENCES interactions(id) ON DELETE SET NULL,
    last_incoming_at  TEXT,
    PRIMARY KEY (staff_id, user_id)
);

-- Each message counted in a "message" contact; its line of text only while the RM keeps
-- texts (off by default). An edit rewrites the line, a deletion removes it.
CREATE TABLE business_messages (
    connection_id   TEXT NOT NULL,
    chat_id         INTEGER NOT NULL,
    message_id      INTEGER NOT NULL,
    interaction_id  INTEGER NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
    sent_at         TEXT NOT NULL,
    line            TEXT,
    PRIMARY KEY (connection_id, chat_id, message_id)
);
CREATE INDEX business_messages_interaction ON business_messages(interaction_id, sent_at);

-- A care message sent as the RM from a reminder: once per reminder and customer.
CREATE TABLE business_sends (
    reminder_id  INTEGER NOT NULL,
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    status       TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed')),
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (reminder_id, customer_id)
);

-- Keep the texts of business messages as notes (off: only the fact and time of contact).
ALTER TABLE staff ADD COLUMN keep_business_texts INTEGER NOT NULL DEFAULT 0;

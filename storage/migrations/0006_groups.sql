-- Merchant group chats: linked groups, posts queued for them, leads and questions.
CREATE TABLE groups (
    chat_id     INTEGER PRIMARY KEY,     -- changes when a group becomes a supergroup
    title       TEXT NOT NULL,
    owner_id    INTEGER NOT NULL REFERENCES staff(id),
    language    TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1,   -- 0 once the bot was removed
    linked_at   TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX groups_owner ON groups(owner_id, active);

-- Group posts and answers to group questions; the dispatcher sends them, 20 a minute per group.
CREATE TABLE posts (
    id             INTEGER PRIMARY KEY,
    staff_id       INTEGER NOT NULL REFERENCES staff(id),
    chat_id        INTEGER NOT NULL,
    product_id     INTEGER,
    text           TEXT NOT NULL DEFAULT '',
    photo_file_id  TEXT,
    reply_to       INTEGER,              -- message id answered in the group
    due_at         TEXT NOT NULL,
    status         TEXT NOT NULL DEFAULT 'pending'
                   CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'cancelled')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    claimed_by     TEXT,
    claimed_until  TEXT,
    sent_at        TEXT,
    message_id     INTEGER,
    last_error     TEXT,
    created_at     TEXT NOT NULL
);
CREATE INDEX posts_due ON posts(status, due_at);
CREATE INDEX posts_chat_sent ON posts(chat_id, sent_at);

-- A group member who pressed "I'm interested": one lead per member and post.
CREATE TABLE leads (
    id           INTEGER PRIMARY KEY,
    post_id      INTEGER NOT NULL REFERENCES posts(id),
    user_id      INTEGER NOT NULL,       -- the member's Telegram id
    owner_id     INTEGER NOT NULL REFERENCES staff(id),
    customer_id  INTEGER REFERENCES customers(id) ON DELETE SET NULL,
    token        TEXT NOT NULL UNIQUE,   -- for the deep link that collects the phone
    phone        TEXT,
    consent_at   TEXT,
    created_at   TEXT NOT NULL,
    UNIQUE (post_id, user_id)
);
CREATE INDEX leads_user ON leads(user_id);

CREATE TABLE questions (
    id           INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    user_name    TEXT NOT NULL,
    text         TEXT NOT NULL,
    owner_id     INTEGER NOT NULL REFERENCES staff(id),
    created_at   TEXT NOT NULL,
    answered_at  TEXT
);

ALTER TABLE customers ADD COLUMN telegram_id INTEGER;
CREATE INDEX customers_telegram ON customers(owner_id, telegram_id);
ALTER TABLE reminders ADD COLUMN ref_id INTEGER;   -- the question a 'question' push is about

-- The bot processes sharing this database, so that they share Telegram's bot-wide limit
-- (30 messages a second for the bot, not per process). Each writes its row every second
-- while it runs; a row not written for a while belongs to a process that is gone.
CREATE TABLE replicas (
    worker         TEXT PRIMARY KEY,     -- host:pid
    seen_at        TEXT NOT NULL,
    sending_until  TEXT                  -- it has messages to send until about then
);

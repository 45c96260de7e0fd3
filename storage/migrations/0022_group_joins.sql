-- Groups the bot was added to and no staff member linked yet: left after
-- RAPPORT_UNLINKED_GROUP_MINUTES (nobody can make the bot stay in a group of their own).
CREATE TABLE group_joins (
    chat_id    INTEGER NOT NULL PRIMARY KEY,
    joined_at  TEXT NOT NULL
);
CREATE INDEX group_joins_joined ON group_joins(joined_at);

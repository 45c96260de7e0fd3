-- Team leads' views (issue 6): weekly minimum targets per sales step, when the weekly review
-- is pushed, and the team's own group chat that gets a summary with counts only.
CREATE TABLE team_targets (
    team_id     BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    stage       TEXT NOT NULL CHECK (stage IN ('prospects', 'contacts', 'consults',
                                               'followups', 'closes', 'crosssells')),
    minimum     BIGINT NOT NULL CHECK (minimum >= 0),
    updated_by  BIGINT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (team_id, stage)
);

-- The weekly review goes out on review_day (0 = Monday) at review_time ('HH:MM') in the
-- team lead's time zone, and covers the Monday-Sunday week that ended last.
ALTER TABLE teams ADD COLUMN review_day BIGINT NOT NULL DEFAULT 0
    CHECK (review_day BETWEEN 0 AND 6);
ALTER TABLE teams ADD COLUMN review_time TEXT NOT NULL DEFAULT '08:00';
-- The team's own group chat (set with /teamgroup there): weekly counts only, never customers.
ALTER TABLE teams ADD COLUMN group_chat_id BIGINT;
-- The last week (its Monday, YYYY-MM-DD) whose summary was queued for that group.
ALTER TABLE teams ADD COLUMN group_review_week TEXT;

-- Counting a week's stage changes per RM reads interactions by staff, kind and time.
CREATE INDEX interactions_staff_kind ON interactions(staff_id, kind, happened_at);
CREATE INDEX customers_owner_created ON customers(owner_id, created_at);

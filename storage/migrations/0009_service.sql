-- Service quality: complaints with a due date until resolved, and satisfaction scores
-- (CSAT 1-5, NPS 0-10) recorded after a resolved complaint or a sale.
CREATE TABLE complaints (
    id              INTEGER PRIMARY KEY,
    customer_id     INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    owner_id        INTEGER NOT NULL REFERENCES staff(id),
    interaction_id  INTEGER REFERENCES interactions(id) ON DELETE SET NULL,  -- the complaint
    opened_at       TEXT NOT NULL,
    due_at          TEXT NOT NULL,
    resolved_at     TEXT,
    resolution      TEXT,
    escalated_at    TEXT,                 -- the team lead was told it is overdue
    first_contact   INTEGER NOT NULL DEFAULT 0   -- resolved at the first contact
);
CREATE UNIQUE INDEX complaints_interaction ON complaints(interaction_id);
CREATE INDEX complaints_open ON complaints(resolved_at, due_at);
CREATE INDEX complaints_owner ON complaints(owner_id, opened_at);

CREATE TABLE satisfaction (
    id           INTEGER PRIMARY KEY,
    customer_id  INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    owner_id     INTEGER NOT NULL REFERENCES staff(id),
    kind         TEXT NOT NULL CHECK (kind IN ('csat', 'nps')),
    score        INTEGER NOT NULL,
    context      TEXT NOT NULL CHECK (context IN ('complaint', 'sale')),
    ref_id       INTEGER NOT NULL,        -- the complaint, or the stage change to 'won'
    recorded_at  TEXT NOT NULL,
    CHECK ((kind = 'csat' AND score BETWEEN 1 AND 5) OR (kind = 'nps' AND score BETWEEN 0 AND 10)),
    UNIQUE (kind, context, ref_id)        -- one answer per question, however often tapped
);
CREATE INDEX satisfaction_owner ON satisfaction(owner_id, recorded_at);

-- Complaints logged before this table existed: resolved when one of their follow-ups was
-- marked done (the old rule); otherwise still open, due two days after they were logged.
INSERT INTO complaints (customer_id, owner_id, interaction_id, opened_at, due_at, resolved_at)
SELECT i.customer_id, c.owner_id, i.id, i.happened_at,
       strftime('%Y-%m-%dT%H:%M:%S+00:00', i.happened_at, '+2 days'),
       (SELECT MIN(r.done_at) FROM reminders r WHERE r.kind = 'complaint'
         AND r.status = 'done' AND r.rule_key LIKE 'complaint:' || i.id || ':%')
FROM interactions i JOIN customers c ON c.id = i.customer_id
WHERE i.kind = 'complaint';

-- Their waiting follow-ups give way to the new ones, which know the complaint.
UPDATE reminders SET status = 'cancelled', version = version + 1
WHERE kind = 'complaint' AND status = 'pending' AND ref_id IS NULL;

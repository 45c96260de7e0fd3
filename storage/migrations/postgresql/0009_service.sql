-- PostgreSQL has no strftime(): the due date two days on is computed with an interval.

-- replaces: INSERT INTO complaints
INSERT INTO complaints (customer_id, owner_id, interaction_id, opened_at, due_at, resolved_at)
SELECT i.customer_id, c.owner_id, i.id, i.happened_at,
       to_char((i.happened_at::timestamptz + interval '2 days') AT TIME ZONE 'UTC',
               'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
       (SELECT MIN(r.done_at) FROM reminders r WHERE r.kind = 'complaint'
         AND r.status = 'done' AND r.rule_key LIKE 'complaint:' || i.id || ':%')
FROM interactions i JOIN customers c ON c.id = i.customer_id
WHERE i.kind = 'complaint';

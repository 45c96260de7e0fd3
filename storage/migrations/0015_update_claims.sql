-- Every update is claimed by its id before it is handled, by one process at a time (a lease
-- it renews while it works), whatever the update does: the same update posted to two replicas
-- at once is answered once. A handler that writes stores its confirmation with the claim, in
-- the same transaction, so an update delivered again after a crash answers again with it
-- ('stored' until the confirmation is known to have gone out, then 'done'). 'queued' holds
-- an update confirmed to Telegram before it was handled, with its payload, to be resumed.
ALTER TABLE processed_updates ADD COLUMN status TEXT NOT NULL DEFAULT 'done';
ALTER TABLE processed_updates ADD COLUMN claimed_by TEXT;
ALTER TABLE processed_updates ADD COLUMN claimed_until TEXT;
ALTER TABLE processed_updates ADD COLUMN answer TEXT;
ALTER TABLE processed_updates ADD COLUMN payload TEXT;
CREATE INDEX processed_updates_claims ON processed_updates(status, claimed_until);

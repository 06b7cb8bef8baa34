-- Osteon schema 4: leases on claimed work (src/jobs).
-- A claim holds its row until lease_until; a row still 'running' (or 'sending') after that is
-- taken again by the next claim. The attempt number fences the claim: only the worker holding
-- the current attempt may settle the row.
ALTER TABLE jobs ADD COLUMN lease_until TEXT;
ALTER TABLE outbox ADD COLUMN lease_until TEXT;
CREATE INDEX jobs_lease ON jobs(state, lease_until);
CREATE INDEX outbox_lease ON outbox(state, lease_until);

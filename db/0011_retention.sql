-- Osteon schema 11: storage retention. A file is deleted only after its row says so:
-- purge_state '' (the file is there) -> 'purging' (about to be deleted) -> 'purged' (gone, the
-- row and its history kept). A restart finishes what 'purging' rows began.
ALTER TABLE instances ADD COLUMN purge_state TEXT NOT NULL DEFAULT '';
ALTER TABLE instances ADD COLUMN purged_at TEXT;
-- Result objects (SR, SC, GSPS): the analysed instance they were made from.
ALTER TABLE instances ADD COLUMN derived_from TEXT NOT NULL DEFAULT '';
UPDATE instances SET derived_from = COALESCE(
  (SELECT j.sop_instance_uid FROM jobs j WHERE instances.routing = 'result of job ' || j.id || ' (' || j.pipeline || ')'), '')
  WHERE routing LIKE 'result of job %';
CREATE INDEX instances_derived ON instances(derived_from) WHERE derived_from <> '';
CREATE INDEX instances_purge ON instances(purge_state, received_at);

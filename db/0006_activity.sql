-- Osteon schema 6: the console's activity charts read the jobs settled in the last hours; an index
-- on finished_at keeps that a range scan however many jobs the node holds.
CREATE INDEX jobs_finished ON jobs(finished_at);

-- Osteon schema 2: routing decisions, analysis jobs and their findings.

-- Why an instance went to a profile, or why it went nowhere.
ALTER TABLE instances ADD COLUMN routing TEXT NOT NULL DEFAULT '';

-- One job per (instance, pipeline). States: queued -> running -> done | not-analysable | failed.
CREATE TABLE jobs (
  id                INTEGER PRIMARY KEY,
  sop_instance_uid  TEXT    NOT NULL REFERENCES instances(sop_instance_uid),
  pipeline          TEXT    NOT NULL,
  profile           TEXT    NOT NULL,
  state             TEXT    NOT NULL DEFAULT 'queued',
  attempts          INTEGER NOT NULL DEFAULT 0,
  reason            TEXT    NOT NULL DEFAULT '',
  created_at        TEXT    NOT NULL,
  started_at        TEXT,
  finished_at       TEXT,
  next_attempt_at   TEXT,
  timings           TEXT    NOT NULL DEFAULT '{}',  -- JSON: stage -> milliseconds
  UNIQUE (sop_instance_uid, pipeline)
);
CREATE INDEX jobs_state ON jobs(state, pipeline);

-- What a finished job found; written in the same transaction that marks the job done.
CREATE TABLE findings (
  id                INTEGER PRIMARY KEY,
  job_id            INTEGER NOT NULL UNIQUE REFERENCES jobs(id),
  sop_instance_uid  TEXT    NOT NULL,
  pipeline          TEXT    NOT NULL,
  profile           TEXT    NOT NULL,
  outcome           TEXT    NOT NULL,              -- done or not-analysable
  summary           TEXT    NOT NULL DEFAULT '',   -- one line for people
  data              TEXT    NOT NULL DEFAULT '{}', -- JSON: the pipeline's values
  model_name        TEXT    NOT NULL DEFAULT '',
  model_version     TEXT    NOT NULL DEFAULT '',
  model_sha256      TEXT    NOT NULL DEFAULT '',
  timings           TEXT    NOT NULL DEFAULT '{}',
  created_at        TEXT    NOT NULL
);
CREATE INDEX findings_instance ON findings(sop_instance_uid);

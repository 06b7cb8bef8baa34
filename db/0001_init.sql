-- Osteon schema 1: the ingest index.
-- Times are ISO 8601 UTC strings (2026-11-21T10:00:00.123Z); DICOM dates stay YYYYMMDD.
-- Patient names are deliberately not stored.

CREATE TABLE associations (
  id            INTEGER PRIMARY KEY,
  peer_host     TEXT    NOT NULL,
  calling_ae    TEXT    NOT NULL,
  called_ae     TEXT    NOT NULL,
  started_at    TEXT    NOT NULL,
  ended_at      TEXT,
  echoes        INTEGER NOT NULL DEFAULT 0,
  stores_ok     INTEGER NOT NULL DEFAULT 0,
  stores_failed INTEGER NOT NULL DEFAULT 0,
  bytes         INTEGER NOT NULL DEFAULT 0,
  result        TEXT    NOT NULL DEFAULT 'open'  -- open, released, aborted, timeout, rejected: <reason>, interrupted
);
CREATE INDEX associations_started ON associations(started_at);

CREATE TABLE studies (
  study_uid          TEXT PRIMARY KEY,
  patient_id         TEXT NOT NULL DEFAULT '',
  study_date         TEXT NOT NULL DEFAULT '',
  study_time         TEXT NOT NULL DEFAULT '',
  accession_number   TEXT NOT NULL DEFAULT '',
  study_description  TEXT NOT NULL DEFAULT '',
  first_received_at  TEXT NOT NULL
);

CREATE TABLE series (
  series_uid          TEXT PRIMARY KEY,
  study_uid           TEXT NOT NULL REFERENCES studies(study_uid),
  modality            TEXT NOT NULL DEFAULT '',
  series_number       INTEGER,
  series_description  TEXT NOT NULL DEFAULT '',
  body_part           TEXT NOT NULL DEFAULT '',
  first_received_at   TEXT NOT NULL
);
CREATE INDEX series_study ON series(study_uid);

CREATE TABLE instances (
  sop_instance_uid     TEXT PRIMARY KEY,
  series_uid           TEXT NOT NULL REFERENCES series(series_uid),
  study_uid            TEXT NOT NULL REFERENCES studies(study_uid),
  sop_class_uid        TEXT NOT NULL,
  transfer_syntax_uid  TEXT NOT NULL,
  patient_id           TEXT NOT NULL DEFAULT '',
  modality             TEXT NOT NULL DEFAULT '',
  body_part            TEXT NOT NULL DEFAULT '',
  view_position        TEXT NOT NULL DEFAULT '',
  laterality           TEXT NOT NULL DEFAULT '',
  instance_number      INTEGER,
  size_bytes           INTEGER NOT NULL,
  sha256               TEXT NOT NULL,
  calling_ae           TEXT NOT NULL,
  association_id       INTEGER REFERENCES associations(id),
  received_at          TEXT NOT NULL,
  path                 TEXT NOT NULL UNIQUE   -- relative to the data directory
);
CREATE INDEX instances_study ON instances(study_uid);
CREATE INDEX instances_series ON instances(series_uid);
CREATE INDEX instances_received ON instances(received_at);
CREATE INDEX instances_calling ON instances(calling_ae);

-- Osteon schema 8: the audit trail. One row per event, modelled on the DICOM audit messages
-- (PS3.15 Annex A.5, RFC 3881): when, what (event ID and type codes), who (an AE title with its host
-- and TLS certificate subject, or a console user with the client's address), on what (study,
-- instance, patient ID; never a patient name) and the outcome. Append-only: the code has no path
-- that updates or deletes a row, and these triggers refuse one.
CREATE TABLE audit (
  id                INTEGER PRIMARY KEY,
  at                TEXT    NOT NULL,
  event_id          TEXT    NOT NULL,              -- DCM code, e.g. 110104
  event             TEXT    NOT NULL,              -- its meaning, e.g. DICOM Instances Transferred
  event_type        TEXT    NOT NULL DEFAULT '',   -- "code meaning" of the event type, when there is one
  action            TEXT    NOT NULL,              -- C create, R read, U update, D delete, E execute
  outcome           INTEGER NOT NULL,              -- 0 success, 4 minor failure, 8 serious failure, 12 major failure
  outcome_text      TEXT    NOT NULL DEFAULT '',
  actor             TEXT    NOT NULL DEFAULT '',   -- AE title or user name
  actor_host        TEXT    NOT NULL DEFAULT '',
  actor_subject     TEXT    NOT NULL DEFAULT '',   -- TLS certificate subject
  destination       TEXT    NOT NULL DEFAULT '',   -- where instances went (AE title at host:port)
  study_uid         TEXT    NOT NULL DEFAULT '',
  sop_instance_uid  TEXT    NOT NULL DEFAULT '',
  patient_id        TEXT    NOT NULL DEFAULT '',
  detail            TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_at ON audit(at);
CREATE INDEX audit_study ON audit(study_uid);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

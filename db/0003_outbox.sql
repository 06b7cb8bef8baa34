-- Osteon schema 3: the durable outbox of result objects to deliver.
-- One row per (object, destination). States: pending -> sending -> delivered | failed.
CREATE TABLE outbox (
  id                INTEGER PRIMARY KEY,
  sop_instance_uid  TEXT    NOT NULL,
  sop_class_uid     TEXT    NOT NULL,
  study_uid         TEXT    NOT NULL DEFAULT '',
  path              TEXT    NOT NULL,              -- relative to the data directory
  destination       TEXT    NOT NULL,              -- a configured destination name
  ae_title          TEXT    NOT NULL,
  host              TEXT    NOT NULL,
  port              INTEGER NOT NULL,
  sr_fallbacks      TEXT    NOT NULL DEFAULT '',   -- SR classes to try, in order, if refused
  state             TEXT    NOT NULL DEFAULT 'pending',
  attempts          INTEGER NOT NULL DEFAULT 0,
  next_attempt_at   TEXT,
  last_error        TEXT    NOT NULL DEFAULT '',
  sent_as           TEXT    NOT NULL DEFAULT '',   -- SOP class actually delivered
  created_at        TEXT    NOT NULL,
  delivered_at      TEXT,
  UNIQUE (sop_instance_uid, destination)
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);

-- Osteon schema 10: how far the audit trail has been forwarded to each syslog collector
-- ("host:port"), so that a restart or an outage of the collector neither loses nor repeats events.
CREATE TABLE audit_forwarded (
  collector TEXT PRIMARY KEY,
  last_id   INTEGER NOT NULL
);

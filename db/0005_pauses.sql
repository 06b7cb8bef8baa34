-- Osteon schema 5: pauses an admin asked for (admin console, osteonctl), kept across restarts.
-- A paused pipeline keeps queueing jobs and runs none; a paused destination keeps its outbox rows
-- pending and is sent nothing. The claims of the work queues read this table.
CREATE TABLE pauses (
  kind TEXT NOT NULL CHECK (kind IN ('pipeline', 'destination')),
  name TEXT NOT NULL,
  paused_at TEXT NOT NULL,
  PRIMARY KEY (kind, name)
);

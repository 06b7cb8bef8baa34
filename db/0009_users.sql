-- Osteon schema 9: the admin console's users and their API tokens. Passwords are stored only as
-- libsodium's Argon2id hash strings (salted, slow); tokens only as their SHA-256. Roles: viewer
-- (reads), operator (re-run, retry, pause), admin (everything, the audit trail).
CREATE TABLE users (
  name           TEXT PRIMARY KEY,
  role           TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
  password_hash  TEXT NOT NULL,
  created_at     TEXT NOT NULL,
  failed_logins  INTEGER NOT NULL DEFAULT 0,   -- consecutive failures since the last success
  locked_until   TEXT                          -- after too many failures: no login before this time
);
CREATE TABLE api_tokens (
  id             INTEGER PRIMARY KEY,
  user_name      TEXT NOT NULL,
  label          TEXT NOT NULL DEFAULT '',
  token_sha256   TEXT NOT NULL UNIQUE,
  created_at     TEXT NOT NULL,
  last_used_at   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens(user_name);

-- Osteon schema 7: how each association reached the node: plain TCP or TLS, and on TLS the subject
-- of the caller's certificate (RFC 2253; '' when it presented none).
ALTER TABLE associations ADD COLUMN transport TEXT NOT NULL DEFAULT 'tcp';
ALTER TABLE associations ADD COLUMN peer_subject TEXT NOT NULL DEFAULT '';

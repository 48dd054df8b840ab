-- Links sent by email (docs/auth.md "Invitations and password resets"). The link carries 32 random
-- bytes; only their SHA-256 (hex) is stored, so a leaked database (or backup) holds no usable link.

-- An invitation to join the instance, or one team (entity_id) with a role. Pending while accepted_at
-- and revoked_at are NULL and expires_at is in the future; resending replaces the token hash.
CREATE TABLE invitations (
  id          INTEGER PRIMARY KEY,
  token_hash  TEXT NOT NULL UNIQUE,
  email       TEXT NOT NULL,
  entity_id   INTEGER REFERENCES entities (id),
  role        TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
  invited_by  INTEGER REFERENCES users (id),
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  accepted_at INTEGER,
  accepted_by INTEGER REFERENCES users (id),
  revoked_at  INTEGER
);
CREATE INDEX invitations_entity ON invitations (entity_id);

-- A password-reset link for one user; used once (used_at), valid for an hour.
CREATE TABLE password_resets (
  token_hash TEXT PRIMARY KEY,
  user_id    INTEGER NOT NULL REFERENCES users (id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at    INTEGER
) WITHOUT ROWID;
CREATE INDEX password_resets_user ON password_resets (user_id);
CREATE INDEX password_resets_expiry ON password_resets (expires_at);

-- Web sign-in (docs/auth.md): a password per user and browser sessions.

-- scrypt in PHC form, `$scrypt$ln=15,r=8,p=1$<salt>$<hash>`; NULL = the user cannot sign in with a
-- password (API keys only), e.g. the `admin` created at first start until setup gives it one.
ALTER TABLE users ADD COLUMN password_hash TEXT;

-- The cookie carries 32 random bytes; only their SHA-256 is stored, so a leaked database (or backup)
-- holds no usable session. The CSRF token is returned to the page anyway, so it is kept as is.
CREATE TABLE sessions (
  id_hash      TEXT PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users (id),
  csrf_token   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- The audit log (stores/audit-repository.ts): append-only, one row per security-relevant action.
-- The actor's name is kept as it was (users may be renamed or deleted); detail is a JSON object.

CREATE TABLE audit_log (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  at             INTEGER NOT NULL,
  action         TEXT NOT NULL,
  actor_id       INTEGER,
  actor_username TEXT,
  entity         TEXT,
  target         TEXT,
  detail         TEXT,
  address        TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_actor ON audit_log (actor_username, id);
CREATE INDEX audit_log_action ON audit_log (action, id);

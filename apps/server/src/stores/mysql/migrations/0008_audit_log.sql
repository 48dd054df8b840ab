-- The audit log (stores/audit-repository.ts): append-only, one row per security-relevant action.
-- The actor's name is kept as it was (users may be renamed or deleted); detail is a JSON object.

CREATE TABLE IF NOT EXISTS audit_log (
  id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  at             BIGINT NOT NULL,
  action         VARCHAR(64) NOT NULL,
  actor_id       BIGINT NULL,
  actor_username VARCHAR(255) NULL,
  entity         VARCHAR(255) NULL,
  target         VARCHAR(1024) NULL,
  detail         TEXT NULL,
  address        VARCHAR(64) NULL,
  KEY audit_log_at (at),
  KEY audit_log_actor (actor_username, id),
  KEY audit_log_action (action, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

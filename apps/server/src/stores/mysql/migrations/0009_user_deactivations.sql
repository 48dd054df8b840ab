-- Deactivated users: the table of the SQLite store's migrations/0015_user_deactivations.sql (read its
-- comments), in MySQL's types. Every statement can run again.
CREATE TABLE IF NOT EXISTS user_deactivations (
  user_id        BIGINT NOT NULL PRIMARY KEY,
  deactivated_at BIGINT NOT NULL,
  deactivated_by BIGINT NULL,
  CONSTRAINT user_deactivations_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

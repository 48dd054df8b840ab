-- Sweeps, their agents and the runs assigned to agents: the SQLite store's migration 0005_sweeps.sql
-- in MySQL types (stores/sweep-repository.ts).
--
-- SQLite keeps a grid point from being assigned twice with a partial unique index (WHERE status =
-- 'assigned'); MySQL has none. `assigned_point` is the SHA-256 of point_key while the assignment is
-- live and NULL otherwise, and NULLs never collide in a UNIQUE index: the same guarantee, kept by
-- the index on every engine. (Hashed: a point key may be longer than an index allows.)

CREATE TABLE IF NOT EXISTS sweeps (
  id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id   BIGINT NOT NULL,
  name         VARCHAR(64) NOT NULL,
  display_name TEXT NULL,
  description  MEDIUMTEXT NULL,
  config       MEDIUMTEXT NOT NULL,
  method       VARCHAR(32) NOT NULL,
  state        VARCHAR(16) NOT NULL,
  user_id      BIGINT NULL,
  created_at   BIGINT NOT NULL,
  updated_at   BIGINT NOT NULL,
  UNIQUE KEY sweeps_project_name (project_id, name),
  CONSTRAINT sweeps_project FOREIGN KEY (project_id) REFERENCES projects (id),
  CONSTRAINT sweeps_user FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT sweeps_state CHECK (state IN ('PENDING', 'RUNNING', 'PAUSED', 'FINISHED', 'CANCELED'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS sweep_agents (
  id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  sweep_id     BIGINT NOT NULL,
  name         VARCHAR(255) NOT NULL,
  host         VARCHAR(255) NOT NULL,
  state        VARCHAR(16) NOT NULL,
  user_id      BIGINT NULL,
  created_at   BIGINT NOT NULL,
  heartbeat_at BIGINT NOT NULL,
  UNIQUE KEY sweep_agents_name (sweep_id, name),
  CONSTRAINT sweep_agents_sweep FOREIGN KEY (sweep_id) REFERENCES sweeps (id),
  CONSTRAINT sweep_agents_user FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT sweep_agents_state CHECK (state IN ('RUNNING', 'FINISHED'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS sweep_assignments (
  -- Insertion order, for listing (SQLite lists by rowid).
  seq            BIGINT NOT NULL AUTO_INCREMENT,
  sweep_id       BIGINT NOT NULL,
  run_name       VARCHAR(255) NOT NULL,
  agent_id       BIGINT NOT NULL,
  -- JSON of the command's args ({name: {value: v}}).
  args           MEDIUMTEXT NOT NULL,
  -- Identifies a grid point; NULL for random and bayes.
  point_key      MEDIUMTEXT NULL,
  status         VARCHAR(16) NOT NULL,
  created_at     BIGINT NOT NULL,
  assigned_point BINARY(32) AS (CASE WHEN status = 'assigned' AND point_key IS NOT NULL THEN UNHEX(SHA2(point_key, 256)) END) STORED,
  PRIMARY KEY (sweep_id, run_name),
  UNIQUE KEY sweep_assignments_seq (seq),
  UNIQUE KEY sweep_assignments_point (sweep_id, assigned_point),
  KEY sweep_assignments_agent (agent_id, status),
  CONSTRAINT sweep_assignments_sweep FOREIGN KEY (sweep_id) REFERENCES sweeps (id),
  CONSTRAINT sweep_assignments_agent FOREIGN KEY (agent_id) REFERENCES sweep_agents (id),
  CONSTRAINT sweep_assignments_status CHECK (status IN ('assigned', 'released'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

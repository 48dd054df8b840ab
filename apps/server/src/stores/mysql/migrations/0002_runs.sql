-- Runs and what they stream: the run rows, events and output lines, history in chunks, metric series
-- in packed blocks with their min/max tiers, run files and alerts. The same layout as the SQLite
-- store after its migrations 0001–0010 (stores/sqlite/history-chunks.ts and metric-blocks.ts explain
-- the chunk and block formats; the bytes are identical on both engines).
--
-- Differences from SQLite, and why:
-- - Config and summary are queried with JSON_EXTRACT on the stored text (both MySQL 8 and MariaDB
--   10.11 parse it), so there are no separate query-document tables or triggers. A text that is not
--   strict JSON (NaN, Infinity) gets a strict copy in config_query / summary_query, written with it
--   (stores/mysql/json-query.ts); NULL otherwise.
-- - Names that are part of a key (metric names, file paths) are VARCHAR(760): with the BIGINT run id
--   the key stays within InnoDB's 3,072-byte limit in utf8mb4. A longer name is refused (strict mode).
-- - Packed history and metric data are LONGBLOB: a chunk of 1,024 large history lines can pass
--   16 MB. Writes are bounded by max_allowed_packet (64 MB by default on both servers).

CREATE TABLE IF NOT EXISTS runs (
  id                 BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id         BIGINT NOT NULL,
  name               VARCHAR(255) NOT NULL,
  user_id            BIGINT NULL,
  display_name       TEXT NULL,
  description        TEXT NULL,
  notes              MEDIUMTEXT NULL,
  group_name         VARCHAR(255) NULL,
  job_type           VARCHAR(255) NULL,
  host               VARCHAR(255) NULL,
  program            TEXT NULL,
  git_commit         VARCHAR(255) NULL,
  git_repo           TEXT NULL,
  sweep_name         VARCHAR(255) NULL,
  tags               MEDIUMTEXT NOT NULL,
  config             LONGTEXT NOT NULL,
  summary            LONGTEXT NOT NULL,
  config_query       LONGTEXT NULL,
  summary_query      LONGTEXT NULL,
  state              VARCHAR(32) NOT NULL DEFAULT 'running',
  exit_code          INT NULL,
  stop_requested     TINYINT NOT NULL DEFAULT 0,
  history_line_count BIGINT NOT NULL DEFAULT 0,
  events_line_count  BIGINT NOT NULL DEFAULT 0,
  log_line_count     BIGINT NOT NULL DEFAULT 0,
  -- The widest step range of one history chunk (see stores/sqlite/history-chunks.ts).
  history_step_span  BIGINT NOT NULL DEFAULT 0,
  created_at         BIGINT NOT NULL,
  updated_at         BIGINT NOT NULL,
  heartbeat_at       BIGINT NOT NULL,
  finished_at        BIGINT NULL,
  UNIQUE KEY runs_project_name (project_id, name),
  KEY runs_state_heartbeat (state, heartbeat_at),
  KEY runs_project_created (project_id, created_at, id),
  KEY runs_project_state (project_id, state),
  KEY runs_sweep (project_id, sweep_name),
  CONSTRAINT runs_project FOREIGN KEY (project_id) REFERENCES projects (id),
  CONSTRAINT runs_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS run_events (
  run_id  BIGINT NOT NULL,
  line_no BIGINT NOT NULL,
  line    MEDIUMTEXT NOT NULL,
  PRIMARY KEY (run_id, line_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS run_logs (
  run_id  BIGINT NOT NULL,
  line_no BIGINT NOT NULL,
  line    MEDIUMTEXT NOT NULL,
  PRIMARY KEY (run_id, line_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS history_chunks (
  id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  run_id     BIGINT NOT NULL,
  first_line BIGINT NOT NULL,
  `lines`    INT NOT NULL,
  min_step   BIGINT NOT NULL,
  max_step   BIGINT NOT NULL,
  steps      LONGBLOB NOT NULL,
  ends       LONGBLOB NOT NULL,
  text       LONGBLOB NOT NULL,
  UNIQUE KEY history_chunks_line (run_id, first_line),
  KEY history_chunks_step (run_id, min_step, max_step)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS metric_keys (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  run_id      BIGINT NOT NULL,
  name        VARCHAR(760) NOT NULL,
  last_step   BIGINT NULL,
  last_value  DOUBLE NULL,
  max_span    BIGINT NOT NULL DEFAULT 0,
  tail_points INT NOT NULL DEFAULT 1024,
  UNIQUE KEY metric_keys_run_name (run_id, name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS metric_blocks (
  id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  key_id     BIGINT NOT NULL,
  first_step BIGINT NOT NULL,
  last_step  BIGINT NOT NULL,
  points     INT NOT NULL,
  data       LONGBLOB NOT NULL,
  KEY metric_blocks_series (key_id, first_step)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS metric_tiers (
  key_id     BIGINT NOT NULL,
  level      INT NOT NULL,
  bucket     BIGINT NOT NULL,
  min_value  DOUBLE NULL,
  max_value  DOUBLE NULL,
  last_step  BIGINT NOT NULL,
  last_value DOUBLE NULL,
  PRIMARY KEY (key_id, level, bucket)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS run_files (
  run_id      BIGINT NOT NULL,
  name        VARCHAR(760) NOT NULL,
  size        BIGINT NOT NULL,
  md5         VARCHAR(64) NOT NULL,
  storage_key VARCHAR(2048) NOT NULL,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL,
  PRIMARY KEY (run_id, name),
  CONSTRAINT run_files_run FOREIGN KEY (run_id) REFERENCES runs (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS run_alerts (
  id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  run_id       BIGINT NOT NULL,
  title        TEXT NOT NULL,
  text         MEDIUMTEXT NOT NULL,
  severity     VARCHAR(8) NOT NULL,
  wait_seconds DOUBLE NULL,
  created_at   BIGINT NOT NULL,
  KEY run_alerts_run (run_id, created_at),
  CONSTRAINT run_alerts_run FOREIGN KEY (run_id) REFERENCES runs (id),
  CONSTRAINT run_alerts_severity CHECK (severity IN ('INFO', 'WARN', 'ERROR'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

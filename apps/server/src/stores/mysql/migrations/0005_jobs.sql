-- The internal queue (stores/job-repository.ts): background jobs leased to one worker at a time,
-- and the dead letters of queue messages that could not be processed. Object keys are at most
-- 1,024 characters, so the job key is indexed by its SHA-256 (job_key_hash), not by itself.

CREATE TABLE IF NOT EXISTS jobs (
  id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  kind         VARCHAR(64) NOT NULL,
  job_key      VARCHAR(2048) NOT NULL,
  job_key_hash BINARY(32) NOT NULL,
  payload      MEDIUMTEXT NOT NULL,
  attempts     INT NOT NULL DEFAULT 0,
  run_at       BIGINT NOT NULL,
  leased_until BIGINT NOT NULL DEFAULT 0,
  last_error   TEXT NULL,
  created_at   BIGINT NOT NULL,
  UNIQUE KEY jobs_kind_key (kind, job_key_hash),
  KEY jobs_due (run_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS dead_letters (
  id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  source     VARCHAR(64) NOT NULL,
  body       MEDIUMTEXT NOT NULL,
  error      TEXT NOT NULL,
  created_at BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The internal queue (stores/job-repository.ts): background jobs leased to one worker at a time,
-- and the dead letters of queue messages that could not be processed.

CREATE TABLE jobs (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL,
  job_key      TEXT NOT NULL,
  payload      TEXT NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  run_at       INTEGER NOT NULL,
  leased_until INTEGER NOT NULL DEFAULT 0,
  last_error   TEXT,
  created_at   INTEGER NOT NULL,
  UNIQUE (kind, job_key)
);
CREATE INDEX jobs_due ON jobs (run_at);

CREATE TABLE dead_letters (
  id         INTEGER PRIMARY KEY,
  source     TEXT NOT NULL,
  body       TEXT NOT NULL,
  error      TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

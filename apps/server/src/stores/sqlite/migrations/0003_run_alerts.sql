-- Alerts a run raised with `run.alert()` (notifyScriptableRunAlert). Kept for the UI and, once mail
-- is configured, for notification; `wait_seconds` is the client's minimum interval between alerts.
CREATE TABLE run_alerts (
  id           INTEGER PRIMARY KEY,
  run_id       INTEGER NOT NULL REFERENCES runs (id),
  title        TEXT NOT NULL,
  text         TEXT NOT NULL,
  severity     TEXT NOT NULL CHECK (severity IN ('INFO', 'WARN', 'ERROR')),
  wait_seconds REAL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX run_alerts_run ON run_alerts (run_id, created_at);

-- Sweeps: the config as the client sent it, its agents, and the runs the scheduler handed out.

CREATE TABLE sweeps (
  id           INTEGER PRIMARY KEY,
  project_id   INTEGER NOT NULL REFERENCES projects (id),
  -- The sweep id the client sees (8 characters, like W&B's).
  name         TEXT NOT NULL,
  display_name TEXT,
  description  TEXT,
  -- YAML (or JSON) text exactly as sent; the agent reads it back with yaml.safe_load.
  config       TEXT NOT NULL,
  method       TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('PENDING', 'RUNNING', 'PAUSED', 'FINISHED', 'CANCELED')),
  user_id      INTEGER REFERENCES users (id),
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  UNIQUE (project_id, name)
);

CREATE TABLE sweep_agents (
  id           INTEGER PRIMARY KEY,
  sweep_id     INTEGER NOT NULL REFERENCES sweeps (id),
  name         TEXT NOT NULL,
  host         TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('RUNNING', 'FINISHED')),
  user_id      INTEGER REFERENCES users (id),
  created_at   INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL,
  UNIQUE (sweep_id, name)
);

-- One row per run command sent to an agent. A run the agent dropped before it ever started is
-- 'released' (its grid point can be handed out again); every other one counts as used.
CREATE TABLE sweep_assignments (
  sweep_id   INTEGER NOT NULL REFERENCES sweeps (id),
  run_name   TEXT NOT NULL,
  agent_id   INTEGER NOT NULL REFERENCES sweep_agents (id),
  -- JSON of the command's args ({name: {value: v}}).
  args       TEXT NOT NULL,
  -- Identifies a grid point; NULL for random and bayes.
  point_key  TEXT,
  status     TEXT NOT NULL CHECK (status IN ('assigned', 'released')),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (sweep_id, run_name)
);
-- A grid point is handed out at most once at a time, whichever process schedules it.
CREATE UNIQUE INDEX sweep_assignments_point ON sweep_assignments (sweep_id, point_key)
  WHERE status = 'assigned' AND point_key IS NOT NULL;
CREATE INDEX sweep_assignments_agent ON sweep_assignments (agent_id, status);

-- A sweep's runs are the runs of its project that name it (UpsertBucket's `sweep`).
CREATE INDEX runs_sweep ON runs (project_id, sweep_name);

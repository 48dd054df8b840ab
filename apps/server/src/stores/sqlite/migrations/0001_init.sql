-- Ballast metadata and metric store, embedded (SQLite). Times are Unix milliseconds.

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE entities (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL UNIQUE,
  kind       TEXT NOT NULL CHECK (kind IN ('user', 'team')),
  created_at INTEGER NOT NULL
);

CREATE TABLE users (
  id                INTEGER PRIMARY KEY,
  username          TEXT NOT NULL UNIQUE,
  email             TEXT NOT NULL,
  is_admin          INTEGER NOT NULL DEFAULT 0,
  default_entity_id INTEGER NOT NULL REFERENCES entities (id),
  created_at        INTEGER NOT NULL
);

CREATE TABLE entity_members (
  entity_id INTEGER NOT NULL REFERENCES entities (id),
  user_id   INTEGER NOT NULL REFERENCES users (id),
  role      TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
  PRIMARY KEY (entity_id, user_id)
);
CREATE INDEX entity_members_user ON entity_members (user_id);

-- Keys are 46 random characters; a SHA-256 digest is enough to store them (no dictionary to attack).
CREATE TABLE api_keys (
  id           INTEGER PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users (id),
  key_hash     TEXT NOT NULL UNIQUE,
  key_prefix   TEXT NOT NULL,
  name         TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  last_used_at INTEGER,
  revoked_at   INTEGER
);
CREATE INDEX api_keys_user ON api_keys (user_id);

CREATE TABLE projects (
  id         INTEGER PRIMARY KEY,
  entity_id  INTEGER NOT NULL REFERENCES entities (id),
  name       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (entity_id, name)
);

CREATE TABLE runs (
  id                 INTEGER PRIMARY KEY,
  project_id         INTEGER NOT NULL REFERENCES projects (id),
  name               TEXT NOT NULL,
  user_id            INTEGER REFERENCES users (id),
  display_name       TEXT,
  description        TEXT,
  notes              TEXT,
  group_name         TEXT,
  job_type           TEXT,
  host               TEXT,
  program            TEXT,
  git_commit         TEXT,
  git_repo           TEXT,
  sweep_name         TEXT,
  tags               TEXT NOT NULL DEFAULT '[]',
  config             TEXT NOT NULL DEFAULT '{}',
  summary            TEXT NOT NULL DEFAULT '{}',
  state              TEXT NOT NULL DEFAULT 'running',
  exit_code          INTEGER,
  stop_requested     INTEGER NOT NULL DEFAULT 0,
  history_line_count INTEGER NOT NULL DEFAULT 0,
  events_line_count  INTEGER NOT NULL DEFAULT 0,
  log_line_count     INTEGER NOT NULL DEFAULT 0,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  heartbeat_at       INTEGER NOT NULL,
  finished_at        INTEGER,
  UNIQUE (project_id, name)
);
CREATE INDEX runs_state_heartbeat ON runs (state, heartbeat_at);

-- Every history line exactly as logged, by line number (file_stream offset semantics).
CREATE TABLE run_history (
  run_id  INTEGER NOT NULL,
  line_no INTEGER NOT NULL,
  step    INTEGER,
  line    TEXT NOT NULL,
  PRIMARY KEY (run_id, line_no)
) WITHOUT ROWID;

CREATE TABLE run_events (
  run_id  INTEGER NOT NULL,
  line_no INTEGER NOT NULL,
  line    TEXT NOT NULL,
  PRIMARY KEY (run_id, line_no)
) WITHOUT ROWID;

CREATE TABLE run_logs (
  run_id  INTEGER NOT NULL,
  line_no INTEGER NOT NULL,
  line    TEXT NOT NULL,
  PRIMARY KEY (run_id, line_no)
) WITHOUT ROWID;

-- Per-metric layout for charts: one series per (run, flattened numeric key).
CREATE TABLE metric_keys (
  id     INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL,
  name   TEXT NOT NULL,
  UNIQUE (run_id, name)
);

-- Raw points, clustered by (series, step): a step range is one B-tree range scan.
-- NaN is stored as NULL (SQLite has no NaN); ±Infinity are kept.
CREATE TABLE metric_points (
  key_id INTEGER NOT NULL,
  step   INTEGER NOT NULL,
  value  REAL,
  PRIMARY KEY (key_id, step)
) WITHOUT ROWID;

-- Downsample tiers: level L aggregates steps in buckets of 16^L steps (L = 1..5), so a chart of
-- any range reads at most a few thousand rows, whatever the run's length.
CREATE TABLE metric_tiers (
  key_id    INTEGER NOT NULL,
  level     INTEGER NOT NULL,
  bucket    INTEGER NOT NULL,
  min_value REAL,
  max_value REAL,
  last_step INTEGER NOT NULL,
  last_value REAL,
  PRIMARY KEY (key_id, level, bucket)
) WITHOUT ROWID;

CREATE TABLE run_files (
  run_id      INTEGER NOT NULL REFERENCES runs (id),
  name        TEXT NOT NULL,
  size        INTEGER NOT NULL,
  md5         TEXT NOT NULL,
  storage_key TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  PRIMARY KEY (run_id, name)
) WITHOUT ROWID;

CREATE TABLE artifact_types (
  id         INTEGER PRIMARY KEY,
  project_id INTEGER NOT NULL REFERENCES projects (id),
  name       TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (project_id, name)
);

CREATE TABLE artifact_collections (
  id          INTEGER PRIMARY KEY,
  project_id  INTEGER NOT NULL REFERENCES projects (id),
  type_id     INTEGER NOT NULL REFERENCES artifact_types (id),
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL CHECK (kind IN ('sequence', 'portfolio')),
  description TEXT,
  created_at  INTEGER NOT NULL,
  UNIQUE (project_id, name)
);

CREATE TABLE artifacts (
  id                 INTEGER PRIMARY KEY,
  collection_id      INTEGER NOT NULL REFERENCES artifact_collections (id),
  project_id         INTEGER NOT NULL REFERENCES projects (id),
  type_id            INTEGER NOT NULL REFERENCES artifact_types (id),
  digest             TEXT NOT NULL,
  state              TEXT NOT NULL CHECK (state IN ('PENDING', 'COMMITTED', 'DELETED')),
  version_index      INTEGER,
  description        TEXT,
  metadata           TEXT,
  size               INTEGER NOT NULL DEFAULT 0,
  file_count         INTEGER NOT NULL DEFAULT 0,
  history_step       INTEGER,
  client_id          TEXT,
  sequence_client_id TEXT,
  run_id             INTEGER REFERENCES runs (id),
  pending_aliases    TEXT NOT NULL DEFAULT '[]',
  ttl_seconds        INTEGER NOT NULL DEFAULT -1,
  created_at         INTEGER NOT NULL,
  updated_at         INTEGER NOT NULL,
  committed_at       INTEGER,
  UNIQUE (collection_id, version_index)
);
CREATE INDEX artifacts_collection_digest ON artifacts (collection_id, digest);
CREATE UNIQUE INDEX artifacts_client_id ON artifacts (client_id) WHERE client_id IS NOT NULL;
CREATE INDEX artifacts_run ON artifacts (run_id);

CREATE TABLE artifact_aliases (
  collection_id INTEGER NOT NULL REFERENCES artifact_collections (id),
  alias         TEXT NOT NULL,
  artifact_id   INTEGER NOT NULL REFERENCES artifacts (id),
  PRIMARY KEY (collection_id, alias)
) WITHOUT ROWID;
CREATE INDEX artifact_aliases_artifact ON artifact_aliases (artifact_id);

CREATE TABLE artifact_tags (
  artifact_id INTEGER NOT NULL REFERENCES artifacts (id),
  name        TEXT NOT NULL,
  PRIMARY KEY (artifact_id, name)
) WITHOUT ROWID;

CREATE TABLE artifact_manifests (
  id               INTEGER PRIMARY KEY,
  artifact_id      INTEGER NOT NULL REFERENCES artifacts (id),
  name             TEXT NOT NULL,
  type             TEXT NOT NULL,
  digest           TEXT NOT NULL,
  base_artifact_id INTEGER,
  storage_key      TEXT NOT NULL,
  uploaded_at      INTEGER,
  UNIQUE (artifact_id, name)
);

-- Content-addressed artifact file contents, per entity (dedupe never crosses entities).
CREATE TABLE artifact_objects (
  entity_id         INTEGER NOT NULL REFERENCES entities (id),
  md5               TEXT NOT NULL,
  size              INTEGER,
  birth_artifact_id INTEGER NOT NULL,
  storage_key       TEXT NOT NULL,
  stored_at         INTEGER,
  PRIMARY KEY (entity_id, md5)
) WITHOUT ROWID;

-- Manifest entries of committed artifacts (references included), parsed at commit.
CREATE TABLE artifact_entries (
  artifact_id       INTEGER NOT NULL REFERENCES artifacts (id),
  path              TEXT NOT NULL,
  digest            TEXT NOT NULL,
  size              INTEGER,
  ref               TEXT,
  birth_artifact_id INTEGER,
  storage_key       TEXT,
  extra             TEXT,
  PRIMARY KEY (artifact_id, path)
) WITHOUT ROWID;

CREATE TABLE artifact_usages (
  run_id      INTEGER NOT NULL REFERENCES runs (id),
  artifact_id INTEGER NOT NULL REFERENCES artifacts (id),
  used_as     TEXT,
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (run_id, artifact_id)
) WITHOUT ROWID;
CREATE INDEX artifact_usages_artifact ON artifact_usages (artifact_id);

-- Multipart uploads of large artifact files (parts live in the object store until completion).
CREATE TABLE multipart_uploads (
  upload_id   TEXT PRIMARY KEY,
  storage_key TEXT NOT NULL,
  entity_id   INTEGER NOT NULL,
  md5         TEXT NOT NULL,
  part_count  INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  completed_at INTEGER
);

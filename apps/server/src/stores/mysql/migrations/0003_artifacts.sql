-- Artifacts: types, collections, versions, aliases, tags, manifests, content-addressed objects,
-- manifest entries, usages, multipart uploads and client ids. The SQLite store's tables
-- (stores/sqlite/migrations/0001_init.sql, 0002_artifact_client_ids.sql) in MySQL types.
-- Paths in a key are VARCHAR(760) (with the BIGINT artifact id within InnoDB's 3,072-byte limit);
-- manifests are found by storage key through its SHA-256, since a 2,048-character key cannot be indexed.

CREATE TABLE IF NOT EXISTS artifact_types (
  id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id BIGINT NOT NULL,
  name       VARCHAR(255) NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE KEY artifact_types_name (project_id, name),
  CONSTRAINT artifact_types_project FOREIGN KEY (project_id) REFERENCES projects (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS artifact_collections (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id  BIGINT NOT NULL,
  type_id     BIGINT NOT NULL,
  name        VARCHAR(255) NOT NULL,
  kind        VARCHAR(16) NOT NULL,
  description MEDIUMTEXT NULL,
  created_at  BIGINT NOT NULL,
  UNIQUE KEY artifact_collections_name (project_id, name),
  CONSTRAINT artifact_collections_project FOREIGN KEY (project_id) REFERENCES projects (id),
  CONSTRAINT artifact_collections_type FOREIGN KEY (type_id) REFERENCES artifact_types (id),
  CONSTRAINT artifact_collections_kind CHECK (kind IN ('sequence', 'portfolio'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS artifacts (
  id                 BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  collection_id      BIGINT NOT NULL,
  project_id         BIGINT NOT NULL,
  type_id            BIGINT NOT NULL,
  digest             VARCHAR(255) NOT NULL,
  state              VARCHAR(16) NOT NULL,
  version_index      INT NULL,
  description        MEDIUMTEXT NULL,
  metadata           MEDIUMTEXT NULL,
  size               BIGINT NOT NULL DEFAULT 0,
  file_count         BIGINT NOT NULL DEFAULT 0,
  history_step       BIGINT NULL,
  client_id          VARCHAR(128) NULL,
  sequence_client_id VARCHAR(128) NULL,
  run_id             BIGINT NULL,
  pending_aliases    MEDIUMTEXT NOT NULL,
  ttl_seconds        BIGINT NOT NULL DEFAULT -1,
  created_at         BIGINT NOT NULL,
  updated_at         BIGINT NOT NULL,
  committed_at       BIGINT NULL,
  UNIQUE KEY artifacts_version (collection_id, version_index),
  UNIQUE KEY artifacts_client_id (client_id),
  KEY artifacts_collection_digest (collection_id, digest),
  KEY artifacts_run (run_id),
  CONSTRAINT artifacts_collection FOREIGN KEY (collection_id) REFERENCES artifact_collections (id),
  CONSTRAINT artifacts_project FOREIGN KEY (project_id) REFERENCES projects (id),
  CONSTRAINT artifacts_type FOREIGN KEY (type_id) REFERENCES artifact_types (id),
  CONSTRAINT artifacts_run FOREIGN KEY (run_id) REFERENCES runs (id),
  CONSTRAINT artifacts_state CHECK (state IN ('PENDING', 'COMMITTED', 'DELETED'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS artifact_client_ids (
  client_id   VARCHAR(128) NOT NULL PRIMARY KEY,
  artifact_id BIGINT NOT NULL,
  CONSTRAINT artifact_client_ids_artifact FOREIGN KEY (artifact_id) REFERENCES artifacts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS artifact_aliases (
  collection_id BIGINT NOT NULL,
  alias         VARCHAR(255) NOT NULL,
  artifact_id   BIGINT NOT NULL,
  PRIMARY KEY (collection_id, alias),
  KEY artifact_aliases_artifact (artifact_id),
  CONSTRAINT artifact_aliases_collection FOREIGN KEY (collection_id) REFERENCES artifact_collections (id),
  CONSTRAINT artifact_aliases_artifact FOREIGN KEY (artifact_id) REFERENCES artifacts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS artifact_tags (
  artifact_id BIGINT NOT NULL,
  name        VARCHAR(255) NOT NULL,
  PRIMARY KEY (artifact_id, name),
  CONSTRAINT artifact_tags_artifact FOREIGN KEY (artifact_id) REFERENCES artifacts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS artifact_manifests (
  id               BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  artifact_id      BIGINT NOT NULL,
  name             VARCHAR(255) NOT NULL,
  type             VARCHAR(32) NOT NULL,
  digest           VARCHAR(255) NOT NULL,
  base_artifact_id BIGINT NULL,
  storage_key      VARCHAR(2048) NOT NULL,
  storage_key_hash BINARY(32) AS (UNHEX(SHA2(storage_key, 256))) STORED,
  uploaded_at      BIGINT NULL,
  UNIQUE KEY artifact_manifests_name (artifact_id, name),
  KEY artifact_manifests_storage_key (storage_key_hash),
  CONSTRAINT artifact_manifests_artifact FOREIGN KEY (artifact_id) REFERENCES artifacts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS artifact_objects (
  entity_id         BIGINT NOT NULL,
  md5               VARCHAR(64) NOT NULL,
  size              BIGINT NULL,
  birth_artifact_id BIGINT NOT NULL,
  storage_key       VARCHAR(2048) NOT NULL,
  stored_at         BIGINT NULL,
  PRIMARY KEY (entity_id, md5),
  CONSTRAINT artifact_objects_entity FOREIGN KEY (entity_id) REFERENCES entities (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS artifact_entries (
  artifact_id       BIGINT NOT NULL,
  path              VARCHAR(760) NOT NULL,
  digest            VARCHAR(255) NOT NULL,
  size              BIGINT NULL,
  ref               TEXT NULL,
  birth_artifact_id BIGINT NULL,
  storage_key       VARCHAR(2048) NULL,
  extra             MEDIUMTEXT NULL,
  PRIMARY KEY (artifact_id, path),
  CONSTRAINT artifact_entries_artifact FOREIGN KEY (artifact_id) REFERENCES artifacts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS artifact_usages (
  run_id      BIGINT NOT NULL,
  artifact_id BIGINT NOT NULL,
  used_as     VARCHAR(255) NULL,
  created_at  BIGINT NOT NULL,
  PRIMARY KEY (run_id, artifact_id),
  KEY artifact_usages_artifact (artifact_id),
  CONSTRAINT artifact_usages_run FOREIGN KEY (run_id) REFERENCES runs (id),
  CONSTRAINT artifact_usages_artifact FOREIGN KEY (artifact_id) REFERENCES artifacts (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS multipart_uploads (
  upload_id    VARCHAR(512) NOT NULL PRIMARY KEY,
  storage_key  VARCHAR(2048) NOT NULL,
  entity_id    BIGINT NOT NULL,
  md5          VARCHAR(64) NOT NULL,
  part_count   INT NOT NULL,
  created_at   BIGINT NOT NULL,
  completed_at BIGINT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

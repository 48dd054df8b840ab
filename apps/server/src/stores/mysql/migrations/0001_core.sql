-- Ballast metadata store on MySQL 8 / Aurora MySQL 3 / MariaDB 10.11: users, entities, projects,
-- keys, sessions, settings. The same tables as the SQLite store's migrations (stores/sqlite/migrations),
-- in MySQL's types. Times are Unix milliseconds (BIGINT). Every table is InnoDB, utf8mb4 with the
-- binary collation: names compare byte-for-byte, as in SQLite. Names are at most 255 characters
-- (the domain enforces it), so a unique index on them stays within InnoDB's 3,072-byte key limit.
-- Every statement can run again (database.ts: DDL is not transactional in MySQL).

CREATE TABLE IF NOT EXISTS settings (
  `key`   VARCHAR(255) NOT NULL PRIMARY KEY,
  value   MEDIUMTEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS entities (
  id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name       VARCHAR(255) NOT NULL,
  kind       VARCHAR(16) NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE KEY entities_name (name),
  CONSTRAINT entities_kind CHECK (kind IN ('user', 'team'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS users (
  id                BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  username          VARCHAR(255) NOT NULL,
  email             VARCHAR(320) NOT NULL,
  is_admin          TINYINT NOT NULL DEFAULT 0,
  default_entity_id BIGINT NOT NULL,
  created_at        BIGINT NOT NULL,
  -- scrypt in PHC form (docs/auth.md); NULL = API keys only.
  password_hash     VARCHAR(255) NULL,
  UNIQUE KEY users_username (username),
  CONSTRAINT users_default_entity FOREIGN KEY (default_entity_id) REFERENCES entities (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS entity_members (
  entity_id BIGINT NOT NULL,
  user_id   BIGINT NOT NULL,
  role      VARCHAR(16) NOT NULL,
  PRIMARY KEY (entity_id, user_id),
  KEY entity_members_user (user_id),
  CONSTRAINT entity_members_entity FOREIGN KEY (entity_id) REFERENCES entities (id),
  CONSTRAINT entity_members_user FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT entity_members_role CHECK (role IN ('admin', 'member', 'viewer'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Keys are 46 random characters; their SHA-256 digest (hex) is stored, never the key.
CREATE TABLE IF NOT EXISTS api_keys (
  id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id      BIGINT NOT NULL,
  key_hash     CHAR(64) NOT NULL,
  key_prefix   VARCHAR(32) NOT NULL,
  name         VARCHAR(255) NOT NULL DEFAULT '',
  created_at   BIGINT NOT NULL,
  last_used_at BIGINT NULL,
  revoked_at   BIGINT NULL,
  UNIQUE KEY api_keys_hash (key_hash),
  KEY api_keys_user (user_id),
  CONSTRAINT api_keys_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS projects (
  id         BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  entity_id  BIGINT NOT NULL,
  name       VARCHAR(255) NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE KEY projects_entity_name (entity_id, name),
  CONSTRAINT projects_entity FOREIGN KEY (entity_id) REFERENCES entities (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Only the SHA-256 of the cookie's 32 random bytes is stored (docs/auth.md).
CREATE TABLE IF NOT EXISTS sessions (
  id_hash    CHAR(64) NOT NULL PRIMARY KEY,
  user_id    BIGINT NOT NULL,
  csrf_token VARCHAR(128) NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  KEY sessions_user (user_id),
  KEY sessions_expiry (expires_at),
  CONSTRAINT sessions_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

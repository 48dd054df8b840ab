-- Teams, service accounts and sign-in identities: the tables of the SQLite store's
-- migrations/0012_teams.sql (read its comments), in MySQL's types. Every statement can run again.

CREATE TABLE IF NOT EXISTS service_accounts (
  user_id    BIGINT NOT NULL PRIMARY KEY,
  entity_id  BIGINT NOT NULL,
  created_by BIGINT NULL,
  created_at BIGINT NOT NULL,
  deleted_at BIGINT NULL,
  KEY service_accounts_entity (entity_id),
  CONSTRAINT service_accounts_user FOREIGN KEY (user_id) REFERENCES users (id),
  CONSTRAINT service_accounts_entity FOREIGN KEY (entity_id) REFERENCES entities (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Provider and subject are at most 255 characters (the domain refuses longer ones): 2,040 bytes of key.
CREATE TABLE IF NOT EXISTS user_identities (
  provider   VARCHAR(255) NOT NULL,
  subject    VARCHAR(255) NOT NULL,
  user_id    BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (provider, subject),
  KEY user_identities_user (user_id),
  CONSTRAINT user_identities_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

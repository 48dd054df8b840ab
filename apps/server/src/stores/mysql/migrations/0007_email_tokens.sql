-- Links sent by email (docs/auth.md "Invitations and password resets"). The link carries 32 random
-- bytes; only their SHA-256 (hex) is stored, so a leaked database (or backup) holds no usable link.

-- An invitation to join the instance, or one team (entity_id) with a role. Pending while accepted_at
-- and revoked_at are NULL and expires_at is in the future; resending replaces the token hash.
CREATE TABLE IF NOT EXISTS invitations (
  id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  token_hash  CHAR(64) NOT NULL,
  email       VARCHAR(320) NOT NULL,
  entity_id   BIGINT NULL,
  role        VARCHAR(16) NOT NULL,
  invited_by  BIGINT NULL,
  created_at  BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL,
  accepted_at BIGINT NULL,
  accepted_by BIGINT NULL,
  revoked_at  BIGINT NULL,
  UNIQUE KEY invitations_token (token_hash),
  KEY invitations_entity (entity_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- A password-reset link for one user; used once (used_at), valid for an hour.
CREATE TABLE IF NOT EXISTS password_resets (
  token_hash CHAR(64) NOT NULL PRIMARY KEY,
  user_id    BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  used_at    BIGINT NULL,
  KEY password_resets_user (user_id),
  KEY password_resets_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

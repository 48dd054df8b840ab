-- Teams, service accounts and sign-in identities (docs/teams.md, docs/auth.md). Teams are entities
-- of kind 'team' with members in entity_members (admin, member, viewer) since 0001.

-- A service account is a user without a password or a personal entity, owned by one team (its
-- default entity) and acting through API keys that the team's admins manage. Deleting one revokes
-- its keys and membership and keeps the row, since runs may name it.
CREATE TABLE service_accounts (
  user_id    INTEGER PRIMARY KEY REFERENCES users (id),
  entity_id  INTEGER NOT NULL REFERENCES entities (id),
  created_by INTEGER REFERENCES users (id),
  created_at INTEGER NOT NULL,
  deleted_at INTEGER
);
CREATE INDEX service_accounts_entity ON service_accounts (entity_id);

-- Who a user is at an identity provider: `oidc:<issuer>` or `ldap`, and the provider's stable id
-- (the ID token's `sub`, the LDAP entry's DN). Users created at their first sign-in there.
CREATE TABLE user_identities (
  provider   TEXT NOT NULL,
  subject    TEXT NOT NULL,
  user_id    INTEGER NOT NULL REFERENCES users (id),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (provider, subject)
) WITHOUT ROWID;
CREATE INDEX user_identities_user ON user_identities (user_id);

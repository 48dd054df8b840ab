-- Deactivated users (docs/teams.md, "Deactivating people"): while a row exists the user's API keys,
-- sessions and sign-ins are refused; the user and everything it logged stay. Reactivating deletes it.
CREATE TABLE user_deactivations (
  user_id        INTEGER PRIMARY KEY REFERENCES users (id),
  deactivated_at INTEGER NOT NULL,
  deactivated_by INTEGER REFERENCES users (id)
);

-- Every client id a createArtifact call carried, mapped to the artifact it resolved to. A call that
-- is deduplicated to an existing version still gets its client id recorded, so clientIDMapping
-- answers for `wandb-client-artifact://<clientID>/…` references made by any step (a wandb.Table
-- logged at several steps carries a new client id each time).
CREATE TABLE artifact_client_ids (
  client_id   TEXT PRIMARY KEY,
  artifact_id INTEGER NOT NULL REFERENCES artifacts (id)
) WITHOUT ROWID;

INSERT INTO artifact_client_ids (client_id, artifact_id)
SELECT client_id, id FROM artifacts WHERE client_id IS NOT NULL;

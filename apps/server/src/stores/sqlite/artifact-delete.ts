import type { ArtifactDeletion } from "../repositories.ts";
import type { SqliteDatabase } from "./database.ts";

/**
 * Deletes one artifact version (W&B's `artifact.delete()`): the version leaves every read and its
 * aliases go; `latest` moves to the newest committed version left in its collection. Refused while
 * it has aliases other than `latest` unless `deleteAliases`. Its files stay in the object store:
 * contents are shared by digest with other versions.
 */
export function deleteArtifact(
  db: SqliteDatabase,
  artifactId: number,
  deleteAliases: boolean,
  now: number,
): ArtifactDeletion {
  return db.transaction(() => {
    const artifact = db.get<{ collection_id: number; state: string }>(
      "SELECT collection_id, state FROM artifacts WHERE id = ?",
      [artifactId],
    );
    if (!artifact || artifact.state === "DELETED") return "missing";
    const aliases = db
      .all<{ alias: string; collection_id: number }>(
        "SELECT alias, collection_id FROM artifact_aliases WHERE artifact_id = ?",
        [artifactId],
      )
      .filter((row) => !(row.alias === "latest" && row.collection_id === artifact.collection_id));
    if (aliases.length > 0 && !deleteAliases) return "has-aliases";
    const wasLatest =
      db.get(
        "SELECT 1 AS x FROM artifact_aliases WHERE artifact_id = ? AND collection_id = ? AND alias = 'latest'",
        [artifactId, artifact.collection_id],
      ) !== undefined;
    db.run("DELETE FROM artifact_aliases WHERE artifact_id = ?", [artifactId]);
    db.run("UPDATE artifacts SET state = 'DELETED', updated_at = ? WHERE id = ?", [now, artifactId]);
    if (wasLatest) {
      const previous = db.get<{ id: number }>(
        "SELECT id FROM artifacts WHERE collection_id = ? AND state = 'COMMITTED' ORDER BY version_index DESC LIMIT 1",
        [artifact.collection_id],
      );
      if (previous) {
        db.run("INSERT INTO artifact_aliases (collection_id, alias, artifact_id) VALUES (?, 'latest', ?)", [
          artifact.collection_id,
          previous.id,
        ]);
      }
    }
    return "deleted";
  });
}

import type { ArtifactDeletion } from "../repositories.ts";
import type { MysqlDatabase } from "./database.ts";

/**
 * Deletes one artifact version: stores/sqlite/artifact-delete.ts on MySQL. The version's row and
 * its collection's aliases are locked first, so a concurrent commit cannot move `latest` between the
 * check and the writes.
 */
export function deleteArtifact(
  db: MysqlDatabase,
  artifactId: number,
  deleteAliases: boolean,
  now: number,
): Promise<ArtifactDeletion> {
  return db.transaction(async (tx) => {
    const artifact = await tx.get<{ collection_id: number; state: string }>(
      "SELECT collection_id, state FROM artifacts WHERE id = ? FOR UPDATE",
      [artifactId],
    );
    if (!artifact || artifact.state === "DELETED") return "missing";
    const collectionId = Number(artifact.collection_id);
    await tx.all("SELECT alias FROM artifact_aliases WHERE collection_id = ? FOR UPDATE", [collectionId]);
    const aliases = await tx.all<{ alias: string; collection_id: number }>(
      "SELECT alias, collection_id FROM artifact_aliases WHERE artifact_id = ?",
      [artifactId],
    );
    const isLatest = (row: { alias: string; collection_id: number }) =>
      row.alias === "latest" && Number(row.collection_id) === collectionId;
    if (aliases.some((row) => !isLatest(row)) && !deleteAliases) return "has-aliases";
    await tx.run("DELETE FROM artifact_aliases WHERE artifact_id = ?", [artifactId]);
    await tx.run("UPDATE artifacts SET state = 'DELETED', updated_at = ? WHERE id = ?", [now, artifactId]);
    if (aliases.some(isLatest)) {
      const previous = await tx.get<{ id: number }>(
        "SELECT id FROM artifacts WHERE collection_id = ? AND state = 'COMMITTED' ORDER BY version_index DESC LIMIT 1",
        [collectionId],
      );
      if (previous) {
        await tx.run(
          "INSERT INTO artifact_aliases (collection_id, alias, artifact_id) VALUES (?, 'latest', ?)",
          [collectionId, previous.id],
        );
      }
    }
    return "deleted";
  });
}
